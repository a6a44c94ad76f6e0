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

describe('hardening', () => {
  it('root, an unneeded shell and package manager, setuid and world-writable files; never savings', () => {
    const l0 = layer(0, [['bin/sh', 100], ['usr/bin/dpkg', 200], ['usr/bin/passwd', 50], ['tmp/x', 5], ['etc/app.conf', 10]]);
    l0.entries.find((e) => e.path === 'usr/bin/passwd')!.mode = 0o4755;
    l0.entries.find((e) => e.path === 'etc/app.conf')!.mode = 0o666;
    l0.entries.find((e) => e.path === 'tmp/x')!.mode = 0o666;
    const l1 = layer(1, [['app/server', 70]]);
    l1.entries[0].mode = 0o755;
    const layers = [l0, l1];
    const o: LayerOrigin[] = [0, 1].map((index) => ({ index, instruction: '' }));
    const r = findFindings({ analysis: analyze(layers), contents: layers, origins: o, config: { config: { Entrypoint: ['/app/server'] } } });
    const h = r.findings.filter((f) => f.category === 'hardening').map((f) => [f.rule, f.paths.map((p) => p.path).join(' ')]);
    assert.deepEqual(h.sort(), [
      ['hardening-package-manager', '/usr/bin/dpkg'],
      ['hardening-root', 'config User'],
      ['hardening-setuid', '/usr/bin/passwd'],
      ['hardening-shell', '/bin/sh'],
      ['hardening-world-writable', '/etc/app.conf'],
    ]);
    assert.equal(r.bytesByCategory.hardening, 0);
    assert.ok(r.findings.filter((f) => f.category === 'hardening').every((f) => f.bytes === 0));
    // a non-root user and a shell the entrypoint runs: neither is reported
    const r2 = findFindings({ analysis: analyze(layers), contents: layers, origins: o, config: { config: { User: '1000', Entrypoint: ['/bin/sh', '-c', '/app/server'] } } });
    assert.deepEqual(r2.findings.filter((f) => f.rule === 'hardening-root' || f.rule === 'hardening-shell'), []);
  });
});
