/**
 * msb inspect on real images built by buildah and dockerd (test/fixtures/README.md lists what each
 * Dockerfile planted; the numbers asserted here come from there).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixture, ROOT, runMsb } from '../helpers/cli.js';
import type { JsonReport } from '../../src/report/json.js';

async function inspect(ref: string, ...flags: string[]): Promise<JsonReport> {
  const r = await runMsb(['inspect', ref, '--json', ...flags]);
  assert.equal(r.code, 0, `msb inspect ${ref} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as JsonReport;
}

const BASE_BYTES = 1_982_296; // busybox base layer: regular-file bytes

describe('docker-archive fixtures (buildah)', () => {
  test('delete: a file and a whole directory deleted by later layers', async () => {
    const r = await inspect(fixture('delete.tar'));
    assert.equal(r.image.source, 'docker-archive');
    assert.equal(r.summary.layers, 4);
    assert.equal(r.summary.totalBytes, 2_247_296);
    assert.equal(r.summary.finalBytes, 1_987_296);
    assert.deepEqual(r.summary.wasteByKind, { overwritten: 0, metadata: 0, deleted: 260_000 });
    assert.equal(r.layers[0].bytes, BASE_BYTES);
    assert.equal(r.layers[1].bytes, 265_000);
    assert.equal(r.layers[1].files, 5);
    assert.equal(r.layers[1].wastedBytes, 260_000);
    assert.equal(r.layers[2].hidBytes, 200_000);
    assert.equal(r.layers[3].hidBytes, 60_000);
    const w = Object.fromEntries(r.waste.map((x) => [x.path, [x.bytes, x.kind, x.shippedIn, x.hiddenBy]]));
    assert.deepEqual(w, {
      '/data/big.bin': [200_000, 'deleted', 1, 2],
      '/data/dir/f1.bin': [10_000, 'deleted', 1, 3],
      '/data/dir/f2.bin': [20_000, 'deleted', 1, 3],
      '/data/dir/f3.bin': [30_000, 'deleted', 1, 3],
    });
    assert.equal(r.summary.efficiency, Math.round((1_987_296 / 2_247_296) * 1e6) / 1e6);
  });

  test('overwrite: new content at the same path, same and different size', async () => {
    const r = await inspect(fixture('overwrite.tar'));
    assert.deepEqual(r.summary.wasteByKind, { overwritten: 150_000, metadata: 0, deleted: 0 });
    assert.equal(r.summary.finalBytes, 2_152_296);
    const w = Object.fromEntries(r.waste.map((x) => [x.path, [x.bytes, x.kind, x.shippedIn, x.hiddenBy]]));
    assert.deepEqual(w, { '/etc/app.conf': [100_000, 'overwritten', 1, 2], '/opt/x.bin': [50_000, 'overwritten', 1, 3] });
  });

  test('chmod and touch only: the re-shipped copies are metadata waste', async () => {
    for (const flags of [[], ['--verify']]) {
      // Without --verify the content is compared by hashing just the two copies; with it, streaming.
      const r = await inspect(fixture('chmod.tar'), ...flags);
      assert.deepEqual(r.summary.wasteByKind, { overwritten: 0, metadata: 1_020_000, deleted: 0 }, `flags ${flags}`);
      const w = Object.fromEntries(r.waste.map((x) => [x.path, [x.bytes, x.kind, x.shippedIn, x.hiddenBy]]));
      assert.deepEqual(w, { '/opt/big.bin': [1_000_000, 'metadata', 1, 2], '/opt/touched.txt': [20_000, 'metadata', 1, 3] });
    }
  });

  test('hardlink: deleting one name keeps the bytes visible through the other', async () => {
    const r = await inspect(fixture('hardlink.tar'));
    assert.equal(r.summary.wastedBytes, 0);
    assert.equal(r.summary.finalBytes, 2_032_296);
    assert.equal(r.layers[1].files, 2, 'a regular file and a hardlink');
    assert.equal(r.layers[1].bytes, 50_000, 'the hardlink adds no bytes');
  });

  test('opaque-style rewrite of a directory (buildah writes one whiteout per file)', async () => {
    const r = await inspect(fixture('opaque.tar'));
    assert.deepEqual(r.summary.wasteByKind, { overwritten: 0, metadata: 0, deleted: 3_000 });
    assert.equal(r.summary.finalBytes, 1_982_298);
  });

  test('multistage: only what the final stage copied', async () => {
    const r = await inspect(fixture('multistage.tar'));
    assert.equal(r.summary.layers, 2);
    assert.equal(r.summary.totalBytes, 2_282_296);
    assert.equal(r.summary.wastedBytes, 0);
    assert.equal(r.layers[1].bytes, 300_000);
    assert.match(r.layers[1].createdBy ?? '', /COPY file:[0-9a-f]+ in \/usr\/local\/bin\/app/);
    assert.ok(r.history.length > r.layers.length, 'empty_layer steps kept in history');
  });

  test('the bundled example: 2 MB deleted and an 800 kB chmod re-ship', async () => {
    const r = await inspect(path.join(ROOT, 'examples/demo-app.tar'));
    assert.deepEqual(r.summary.wasteByKind, { overwritten: 0, metadata: 800_000, deleted: 2_097_152 });
    assert.equal(r.summary.totalBytes, 6_668_325);
    assert.equal(r.summary.finalBytes, 3_771_173);
  });
});

describe('one image, every container format', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'msb-formats-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const key = (r: JsonReport) => ({
    summary: { ...r.summary, verified: undefined },
    layers: r.layers.map((l) => [l.diffId, l.bytes, l.files, l.wastedBytes, l.hidBytes, l.createdBy]),
    waste: r.waste,
  });

  test('buildah archive, docker save, OCI layout, oci-archive and zstd agree', async () => {
    const ref = key(await inspect(fixture('delete.tar')));
    const variants: Array<[string, string, JsonReport['layers'][0]['compression']]> = [
      [fixture('delete.docker-save.tar'), 'docker-archive', 'none'],
      [fixture('delete-oci'), 'oci-layout', 'gzip'],
      [fixture('delete.oci.tar'), 'oci-archive', 'gzip'],
      [fixture('delete-zstd'), 'oci-layout', 'zstd'],
    ];
    for (const [p, source, compression] of variants) {
      const r = await inspect(p);
      assert.equal(r.image.source, source, p);
      assert.ok(r.layers.every((l) => l.compression === compression), `${p}: ${compression} layers`);
      assert.deepEqual(key(r), ref, p);
    }
  });

  test('--verify checks every digest on every format', async () => {
    for (const p of ['delete.tar', 'delete.docker-save.tar', 'delete-oci', 'delete.oci.tar', 'delete-zstd']) {
      const r = await inspect(fixture(p), '--verify');
      assert.equal(r.summary.verified, true, p);
      assert.equal(r.summary.wastedBytes, 260_000, p);
    }
  });

  test('Docker 25+ shape: OCI layout plus manifest.json in one tar', async () => {
    // Debian's dockerd 20.10 cannot write this format; it is assembled here from the real OCI
    // layout buildah wrote, adding the manifest.json Docker 25+ puts beside it.
    const d = path.join(dir, 'docker25');
    cpSync(fixture('delete-oci'), d, { recursive: true });
    const index = JSON.parse(readFileSync(path.join(d, 'index.json'), 'utf8'));
    const mhex = index.manifests[0].digest.split(':')[1];
    const manifest = JSON.parse(readFileSync(path.join(d, 'blobs/sha256', mhex), 'utf8'));
    const blob = (dg: string) => `blobs/sha256/${dg.split(':')[1]}`;
    writeFileSync(
      path.join(d, 'manifest.json'),
      JSON.stringify([{ Config: blob(manifest.config.digest), RepoTags: ['delete:latest'], Layers: manifest.layers.map((l: { digest: string }) => blob(l.digest)) }]),
    );
    const out = path.join(dir, 'docker25.tar');
    execFileSync('tar', ['-C', d, '-cf', out, ...readdirSync(d)]);
    const r = await inspect(out);
    assert.equal(r.image.source, 'docker-archive');
    assert.deepEqual(r.image.tags, ['delete:latest']);
    assert.deepEqual(key(r), key(await inspect(fixture('delete.tar'))));
  });

  test('an OCI layout holding two tagged images (skopeo): the first by default, with a note; PATH:NAME picks', async () => {
    const d = path.join(dir, 'two-images');
    for (const [src, tag] of [['delete.tar', 'one'], ['overwrite.tar', 'two']]) {
      execFileSync('skopeo', ['copy', '-q', `docker-archive:${fixture(src)}`, `oci:${d}:${tag}`]);
    }
    const first = await inspect(d);
    assert.equal(first.summary.wasteByKind.deleted, 260_000);
    assert.deepEqual(first.image.notes, ['layout holds 2 images; using the first (one); pick one with PATH:NAME']);
    const second = await inspect(`${d}:two`);
    assert.equal(second.summary.wasteByKind.overwritten, 150_000);
    assert.deepEqual(second.image.notes, []);
  });

  test('explicit schemes and PATH:TAG', async () => {
    assert.equal((await inspect(`oci:${fixture('delete-oci')}:latest`)).image.source, 'oci-layout');
    assert.equal((await inspect(`oci-archive:${fixture('delete.oci.tar')}`)).image.source, 'oci-archive');
    assert.equal((await inspect(`docker-archive:${fixture('delete.tar')}`)).summary.wastedBytes, 260_000);
    assert.equal((await inspect(`${fixture('delete.docker-save.tar')}:delete:latest`)).summary.wastedBytes, 260_000);
    const r = await runMsb(['inspect', `${fixture('delete-oci')}:nope`, '--json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no image named nope/);
  });
});

describe('multi-platform index', () => {
  test('--platform picks the image; the default is this machine', async () => {
    const arm = await inspect(fixture('multiarch-oci'), '--platform', 'linux/arm64');
    assert.equal(arm.image.architecture, 'arm64');
    const amd = await inspect(fixture('multiarch-oci'), '--platform', 'linux/amd64');
    assert.equal(amd.image.architecture, 'amd64');
    assert.notEqual(arm.image.digest, amd.image.digest);
    if (process.arch === 'x64') assert.equal((await inspect(fixture('multiarch-oci'))).image.architecture, 'amd64');
  });

  test('a missing platform is an error that lists the available ones', async () => {
    const r = await runMsb(['inspect', fixture('multiarch-oci'), '--platform', 'linux/s390x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^msb: .*multiarch-oci.*no image for platform linux\/s390x; available: linux\/amd64, linux\/arm64/);
  });

  test('a malformed --platform is rejected', async () => {
    const r = await runMsb(['inspect', fixture('multiarch-oci'), '--platform', 'linux']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid --platform "linux"/);
  });
});

describe('text report', () => {
  test('leads with size and waste, lists layers and the top waste', async () => {
    const r = await runMsb(['inspect', path.join(ROOT, 'examples/demo-app.tar'), '--text']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0], /demo-app\.tar \(docker-archive, linux\/amd64\)/);
    assert.match(lines[1], /Image 6\.67 MB in 7 layers .* wasted 2\.9 MB \(43%\)/);
    assert.match(r.stdout, /2\.1 MB\s+deleted\s+layer 4 → hidden by 5\s+\/tmp\/assets\.tar\.gz/);
    assert.match(r.stdout, /RUN chmod 755 \/app\/bin\/demo-app/);
  });

  test('with the Dockerfile, wasted bytes name the lines that shipped and hid them', async () => {
    const r = await runMsb(['inspect', path.join(ROOT, 'examples/demo-app.tar'), '--text', '--dockerfile', path.join(ROOT, 'examples/demo-app/Dockerfile')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /2\.1 MB\s+deleted\s+layer 4 \(L47-48\) → hidden by 5 \(L49\)\s+\/tmp\/assets\.tar\.gz/);
    assert.match(r.stdout, /800 kB\s+metadata\s+layer 1 \(L36\) → hidden by 6 \(L51\)\s+\/app\/bin\/demo-app/);
  });
});
