import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveImage } from '../../src/source/resolve.js';
import { inspect } from '../../src/pipeline/inspect.js';
import type { InspectOptions } from '../../src/pipeline/types.js';
import { buildJsonReport, type JsonReport } from '../../src/report/json.js';
import { addProvenance } from '../fixtures/attribution/make-provenance.js';

/**
 * The same multi-stage Dockerfile built by buildah, the legacy Docker builder and BuildKit
 * (test/fixtures/attribution/build.sh, archives committed in out/) must attribute identically.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIR = path.join(ROOT, 'test/fixtures/attribution');
const DOCKERFILE = path.join(DIR, 'multistage.Dockerfile');
const ENGINES = ['buildah', 'docker', 'buildkit'] as const;

async function report(ref: string, opts: InspectOptions = {}): Promise<JsonReport> {
  const image = await resolveImage(ref);
  try {
    return buildJsonReport(await inspect(image, opts), { files: true });
  } finally {
    await image.close();
  }
}

/** Layer origins minus WORKDIR (buildah makes no layer for it; the others make an empty one). */
const shape = (r: JsonReport) =>
  r.layers
    .filter((l) => !l.instruction.startsWith('WORKDIR'))
    .map((l) => ({ instruction: l.base ? 'base' : l.instruction, stage: l.stage, line: l.line, endLine: l.endLine, fromStage: l.fromStage, fromPath: l.fromPath, base: l.base, bytes: l.bytes }));

test('default target: same attribution from all three engines', async () => {
  const reports = await Promise.all(ENGINES.map((e) => report(path.join(DIR, `out/${e}-final.tar`), { dockerfile: DOCKERFILE })));
  for (const r of reports) {
    assert.equal(r.attribution.source, 'dockerfile');
    assert.deepEqual(r.attribution.warnings, []);
    assert.equal(r.attribution.baseLayers, 2);
    assert.equal(r.attribution.baseRef, 'localhost/busybox-base');
    assert.equal(r.summary.baseBytes, r.layers[0].bytes + r.layers[1].bytes);
    assert.ok(r.summary.baseBytes > 1_000_000);
  }
  const want = shape(reports[0]);
  assert.deepEqual(shape(reports[1]), want, 'legacy docker vs buildah');
  assert.deepEqual(shape(reports[2]), want, 'BuildKit vs buildah');
  assert.deepEqual(want.slice(0, 2).map((l) => [l.base, l.line]), [['localhost/busybox-base', 14], ['localhost/busybox-base', 14]], 'base layers point at the FROM line');
  assert.deepEqual(
    want.slice(2).map((l) => [l.instruction, l.stage, l.line, l.fromStage ?? null, l.fromPath ?? null]),
    [
      ['COPY --from=tools /build/hello /app/hello', '2', 16, 'tools', '/build/hello'],
      ['COPY --from=localhost/busybox-base /etc/base-release /x', '2', 17, 'localhost/busybox-base', '/etc/base-release'],
      ['COPY --chown=1000:1000 app.txt /app/', '2', 18, null, null],
      ['RUN chmod 600 /app/hello && rm /app/app.txt', '2', 19, null, null],
    ],
  );
  for (const r of reports) {
    // Steps that made no layer (ENV, CMD; WORKDIR for buildah) are attributed too.
    const tail = r.steps.slice(-2).map((st) => [st.instruction, st.line, st.stage, st.emptyLayer]);
    assert.deepEqual(tail, [['ENV MODE=final', 20, '2', true], ['CMD ["/bin/sh"]', 21, '2', true]]);
    const wd = r.steps.find((st) => st.instruction === 'WORKDIR /app')!;
    assert.equal(wd.line, 15);
    assert.deepEqual(r.steps.filter((st) => st.base).map((st) => st.historyIndex), [0, 1]);
  }
  for (const r of reports) {
    // Waste carries the shipping layer's instruction and line.
    const hello = r.waste.find((w) => w.path === '/app/hello')!;
    assert.deepEqual([hello.kind, hello.line, hello.stage, hello.instruction], ['metadata', 16, '2', 'COPY --from=tools /build/hello /app/hello']);
    assert.equal(r.waste.find((w) => w.path === '/app/app.txt')?.line, 18);
    // Every file carries its layer and origin.
    const files = new Map(r.files!.map((f) => [f.path, f]));
    assert.deepEqual(pick(files.get('/x')), { kind: 'file', size: 15, line: 17, stage: '2', uid: 0 });
    assert.equal(files.get('/app/hello')?.mode, 0o600);
    assert.equal(files.get('/app/hello')?.line, 19, 'the chmod re-shipped it');
    assert.equal(files.get('/bin/busybox')?.base, 'localhost/busybox-base');
    assert.equal(files.get('/bin/sh')?.kind, 'symlink');
    assert.equal(r.files!.filter((f) => f.kind !== 'dir' && f.kind !== 'symlink').length, r.summary.files);
  }
});

function pick(f: JsonReport['files'] extends (infer T)[] | undefined ? T | undefined : never) {
  return f && { kind: f.kind, size: f.size, line: f.line, stage: f.stage, uid: f.uid };
}

test('--target tools: a FROM <stage> chain puts builder\'s layers in the image, credited to builder', async () => {
  const reports = await Promise.all(ENGINES.map((e) => report(path.join(DIR, `out/${e}-tools.tar`), { dockerfile: DOCKERFILE, target: 'tools' })));
  for (const r of reports) {
    assert.equal(r.attribution.target, 'tools');
    assert.deepEqual(r.layers.map((l) => [l.stage ?? null, l.line ?? null, l.endLine ?? null, l.base ?? null]), [
      [null, 4, null, 'localhost/busybox-base'],
      [null, 4, null, 'localhost/busybox-base'],
      ['builder', 6, 8, null],
      ['builder', 9, null, null],
      ['tools', 12, null, null],
    ]);
  }
  // Without --target, the last stage does not match; the matching stage is found and said so.
  const auto = await report(path.join(DIR, 'out/docker-tools.tar'), { dockerfile: DOCKERFILE });
  assert.equal(auto.attribution.source, 'dockerfile');
  assert.match(auto.attribution.warnings.join('\n'), /matches stage "tools", not the last stage/);
});

test('FROM ${CHAIN} naming a stage: builder\'s layer is in the image and credited to builder, all engines', async () => {
  const df = path.join(DIR, 'argchain.Dockerfile');
  for (const e of ENGINES) {
    const r = await report(path.join(DIR, `out/${e}-argchain.tar`), { dockerfile: df });
    assert.equal(r.attribution.source, 'dockerfile', e);
    assert.deepEqual(r.attribution.warnings, [], e);
    assert.equal(r.attribution.target, '1');
    assert.deepEqual(r.layers.map((l) => [l.stage ?? null, l.line ?? null, l.fromStage ?? null, l.base ?? null]), [
      [null, 7, null, 'localhost/busybox-base'],
      [null, 7, null, 'localhost/busybox-base'],
      ['builder', 8, null, null],
      ['1', 10, 'builder', null],
    ], e);
    assert.equal(r.files!.find((f) => f.path === '/built.txt')?.stage, 'builder');
    // A --build-arg that points the chain elsewhere leaves builder's RUN to the base: buildah's
    // comment rejects that; BuildKit's and the legacy builder's runs can only warn.
    const other = await report(path.join(DIR, `out/${e}-argchain.tar`), { dockerfile: df, buildArgs: ['CHAIN=localhost/busybox-base'] });
    if (e === 'buildah') assert.equal(other.attribution.source, 'history');
    else {
      assert.equal(other.attribution.source, 'dockerfile', e);
      assert.match(other.attribution.warnings[0], /1 history entry before the first aligned step looks written by (BuildKit|the legacy builder) too/, e);
    }
  }
});

test('an edited Dockerfile: the failing instruction is named and the history is used', async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'msb-attr-'));
  try {
    const edited = path.join(tmp, 'Dockerfile');
    writeFileSync(edited, readFileSync(DOCKERFILE, 'utf8').replace('chmod 600 /app/hello', 'chmod 644 /app/hello'));
    for (const e of ENGINES) {
      const r = await report(path.join(DIR, `out/${e}-final.tar`), { dockerfile: edited });
      assert.equal(r.attribution.source, 'history', e);
      assert.match(r.attribution.warnings[0], /Dockerfile:19: "RUN chmod 644 \/app\/hello && rm \/app\/app.txt" does not match the image/, e);
      assert.equal(r.layers.some((l) => l.line !== undefined), false, `${e}: no line from a Dockerfile that did not align`);
    }
    // A step missing from the Dockerfile would shift the base boundary: caught by the image's own signal.
    writeFileSync(edited, readFileSync(DOCKERFILE, 'utf8').replace('WORKDIR /app\n', '').replace('COPY --from=tools', 'RUN true\nCOPY --from=tools'));
    const r = await report(path.join(DIR, 'out/buildah-final.tar'), { dockerfile: edited });
    assert.equal(r.attribution.source, 'history');
    assert.match(r.attribution.warnings[0], /Dockerfile:15: "RUN true" does not match the image/);
    writeFileSync(edited, readFileSync(DOCKERFILE, 'utf8').replace('WORKDIR /app\n', ''));
    const b = await report(path.join(DIR, 'out/buildah-final.tar'), { dockerfile: edited });
    assert.equal(b.attribution.source, 'history', 'buildah: without WORKDIR the tail aligns, but the FROM comment disagrees');
    assert.match(b.attribution.warnings[0], /buildah's FROM comment\) starts the build at "WORKDIR \/app"/);
    // BuildKit's comment only bounds the build from below: the Dockerfile is used, with a warning.
    writeFileSync(edited, readFileSync(DOCKERFILE, 'utf8').replace('WORKDIR /app\n', ''));
    const k = await report(path.join(DIR, 'out/buildkit-final.tar'), { dockerfile: edited });
    assert.equal(k.attribution.source, 'dockerfile');
    assert.match(k.attribution.warnings[0], /1 history entry before the first aligned step looks written by BuildKit too/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

// The engines here cannot produce attestations (buildah 1.28, dockerd 20.10's BuildKit): the
// provenance is hand-made in BuildKit's published format by make-provenance.ts and added to the
// real buildah-built OCI layout.
for (const version of ['v0.2', 'v1'] as const) {
  test(`BuildKit provenance (SLSA ${version}) attributes without --dockerfile`, async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'msb-attr-'));
    try {
      const layout = path.join(tmp, 'oci');
      cpSync(path.join(DIR, 'out/buildah-final-oci'), layout, { recursive: true });
      addProvenance(layout, version, readFileSync(DOCKERFILE, 'utf8'));
      const r = await report(layout);
      assert.equal(r.attribution.source, 'provenance');
      assert.deepEqual(r.attribution.warnings, []);
      const byDockerfile = await report(path.join(DIR, 'out/buildah-final.tar'), { dockerfile: DOCKERFILE });
      assert.deepEqual(
        r.layers.map((l) => [l.instruction, l.stage, l.line, l.fromStage, l.fromPath, l.base]),
        byDockerfile.layers.map((l) => [l.base ? r.layers[l.index].instruction : l.instruction, l.stage, l.line, l.fromStage, l.fromPath, l.base]),
      );
      assert.equal(r.layers[0].line, 14, 'base layers point at the target\'s FROM line');
      assert.equal(r.summary.baseBytes, byDockerfile.summary.baseBytes);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}

test('CLI: --json --files --dockerfile, and bad input exits 2 with one line', () => {
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const ok = run(['inspect', path.join(DIR, 'out/buildkit-final.tar'), '--json', '--files', '--dockerfile', DOCKERFILE]);
  assert.equal(ok.status, 0, ok.stderr);
  const r = JSON.parse(ok.stdout) as JsonReport;
  assert.equal(r.attribution.source, 'dockerfile');
  assert.ok(r.files!.some((f) => f.path === '/app/hello' && f.layer === 6));
  const text = run(['inspect', path.join(DIR, 'out/buildkit-tools.tar'), '--text', '--dockerfile', DOCKERFILE, '--target', 'tools']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /builder:6-8\s+RUN mkdir -p \/build/);
  assert.match(text.stdout, /Attributed from the Dockerfile \(target tools\) · base localhost\/busybox-base: 2 layers/);
  const missing = run(['inspect', path.join(DIR, 'out/buildkit-tools.tar'), '--dockerfile', '/nonexistent/Dockerfile']);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr.trim(), 'msb: /nonexistent/Dockerfile: cannot read the Dockerfile (ENOENT)');
  const target = run(['inspect', path.join(DIR, 'out/buildkit-tools.tar'), '--dockerfile', DOCKERFILE, '--target', 'nope']);
  assert.equal(target.status, 2);
  assert.match(target.stderr, /^msb: .*multistage.Dockerfile: no stage named "nope" \(stages: builder, tools, 2\)\n$/);
});
