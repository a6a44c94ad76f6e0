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

describe('Dockerfile hygiene', () => {
  const ls = [layer(0, [['bin/busybox', 100]]), layer(1, [['app/package.json', 10], ['app/server.js', 20]]), layer(2, [['app/node_modules/x/index.js', 5000]]), layer(3, [['var/lib/apt/lists/l', 900]]), layer(4, [['usr/bin/curl', 300]])];
  const base: LayerOrigin = { index: 0, instruction: 'FROM node:20', base: 'node:20', stage: '0' };
  const run = (findings: ReturnType<typeof findFindings>['findings'], rule: string) => findings.filter((f) => f.rule === rule);

  it('COPY . . before npm ci, and apt-get update in a RUN of its own: named with both lines, never bytes', () => {
    const o: LayerOrigin[] = [
      base,
      { index: 1, instruction: 'COPY . .', stage: '0', line: 3 },
      { index: 2, instruction: 'RUN npm ci --omit=dev', stage: '0', line: 4 },
      { index: 3, instruction: 'RUN apt-get update', stage: '0', line: 5 },
      { index: 4, instruction: 'RUN apt-get install -y curl', stage: '0', line: 6 },
    ];
    const r = findFindings({ analysis: analyze(ls), contents: ls, origins: o });
    const [copy] = run(r.findings, 'hygiene-copy-before-install');
    assert.equal(copy?.layer, 2);
    assert.equal(copy.bytes, 0);
    assert.equal(copy.category, 'hygiene');
    assert.match(copy.fix, /line 4, stage 0: copy only the dependency manifests \(package\.json package-lock\.json\) before this install and `COPY \. \.` after it/);
    assert.deepEqual(copy.evidence?.facts, ['line 3: `COPY . .` copies the whole build context', 'then npm installs in layer 2 (5000 bytes re-built on every source change)']);
    const [apt] = run(r.findings, 'hygiene-apt-update-separate');
    assert.equal(apt?.layer, 3);
    assert.match(apt.fix, /apt-get update && apt-get install …` in one RUN \(the install is in layer 4\)/);
    assert.equal(r.bytesByCategory.hygiene, 0);
    assert.ok(!r.findings.some((f) => f.category === 'hygiene' && f.bytes > 0));
  });

  it('the right order is not flagged: manifests first, install, then the context; update joined to its install; the FROM image is not the Dockerfile', () => {
    const o: LayerOrigin[] = [
      { ...base, instruction: 'RUN apt-get update' },
      { index: 1, instruction: 'COPY package.json package-lock.json ./', stage: '0', line: 3 },
      { index: 2, instruction: 'RUN npm ci', stage: '0', line: 4 },
      { index: 3, instruction: 'COPY . .', stage: '0', line: 5 },
      { index: 4, instruction: 'RUN apt-get update && apt-get install -y curl && npm ci', stage: '0', line: 6 },
    ];
    const r = findFindings({ analysis: analyze(ls), contents: ls, origins: o });
    assert.deepEqual(r.findings.filter((f) => f.category === 'hygiene'), []);
  });

  it('reads history text too (legacy builder and buildah: /bin/sh -c …)', () => {
    const o: LayerOrigin[] = [
      base,
      { index: 1, instruction: '/bin/sh -c #(nop) COPY dir:0f2c in /app ' },
      { index: 2, instruction: '/bin/sh -c pip install -r requirements.txt' },
      { index: 3, instruction: '/bin/sh -c apt-get update' },
      { index: 4, instruction: '|1 TOKEN=<redacted> /bin/sh -c apt-get -q install -y curl' },
    ];
    const r = findFindings({ analysis: analyze(ls), contents: ls, origins: o });
    // the COPY's source is unknown from history (dir:<hash>), so no ordering claim; the apt split is plain
    assert.deepEqual(r.findings.filter((f) => f.category === 'hygiene').map((f) => [f.rule, f.layer]), [['hygiene-apt-update-separate', 3]]);
  });
});
