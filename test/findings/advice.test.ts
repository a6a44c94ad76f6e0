import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findFindings } from '../../src/analysis/findings/find.js';
import { analyze } from '../../src/analysis/merge.js';
import type { LayerOrigin } from '../../src/analysis/origin.js';
import type { FileEntry, LayerContents } from '../../src/walk/types.js';

/** Advice that knows how the image was built (hand-built layers). */

function layer(index: number, files: Array<[string, number]>): LayerContents {
  const entries: FileEntry[] = files.map(([path, size]) => ({ path, kind: 'file', size, mode: 0o644, uid: 0, gid: 0, mtime: 0 }));
  return { index, entries, whiteouts: [], opaqueDirs: [], compression: 'none', verified: false };
}

describe('multi-stage advice', () => {
  const layers = [layer(0, [['bin/busybox', 100]]), layer(1, [['usr/bin/gcc', 5000], ['root/.m2/repository/x.jar', 700]]), layer(2, [['app/app', 50], ['app/main.o', 30]])];
  it('never suggests a separate stage to an image already built in stages; names the stage and the COPY --from', () => {
    const o: LayerOrigin[] = [
      { index: 0, instruction: 'FROM busybox', base: 'busybox', stage: 'runtime' },
      { index: 1, instruction: 'RUN apt-get install -y gcc maven', stage: 'runtime', line: 9 },
      { index: 2, instruction: 'COPY --from=build /src/out /app', stage: 'runtime', line: 10, fromStage: 'build', fromPath: '/src/out' },
    ];
    const r = findFindings({ analysis: analyze(layers), contents: layers, origins: o });
    const text = r.findings.map((f) => f.fix).join('\n');
    assert.doesNotMatch(text, /separate stage|multi-stage/);
    assert.match(text, /line 9, stage runtime: this RUN installs a build toolchain into the final stage \(runtime\): the image is already built in stages; install it in the build stage \(build\)/);
    assert.match(text, /line 10, stage runtime: `COPY --from=build \/src\/out \/app` copies 30 B of sources\/objects; copy only what the image runs/);
  });
  it('suggests a build stage to a single-stage image', () => {
    const o: LayerOrigin[] = [0, 1, 2].map((index) => ({ index, instruction: index === 1 ? 'RUN apt-get install -y gcc maven' : 'COPY . /app' }));
    const r = findFindings({ analysis: analyze(layers), contents: layers, origins: o });
    assert.match(r.findings.map((f) => f.fix).join('\n'), /build in a separate stage/);
  });
});
