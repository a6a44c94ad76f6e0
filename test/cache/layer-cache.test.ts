/**
 * The layer-analysis cache (src/pipeline/layer-cache.ts): a re-inspect reads no layer bytes, a
 * corrupt or foreign entry is rebuilt and never trusted, msb diff of two versions walks only the
 * layers that differ, and nothing the cache does changes an output. Layer reads are counted by
 * wrapping each LayerBlob's open() (compressed layers are always read through it).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { diffResults } from '../../src/pipeline/diff.js';
import { inspect } from '../../src/pipeline/inspect.js';
import { LayerCache, LAYER_CACHE_VERSION } from '../../src/pipeline/layer-cache.js';
import { buildJsonReport } from '../../src/report/json.js';
import { resolveImage } from '../../src/source/resolve.js';
import type { Image } from '../../src/source/types.js';
import { runMsb } from '../helpers/cli.js';
import { counted } from '../helpers/counted.js';
import { dockerArchive, sha256, simpleLayer } from '../helpers/handmade.js';
import { CASES } from '../golden/cases.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'msb-layer-cache-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function report(ref: string, cache: LayerCache | undefined): Promise<{ json: string; opens: number }> {
  const { image, opens } = await counted(ref);
  try {
    const r = await inspect(image, { layerCache: cache });
    return { json: JSON.stringify(buildJsonReport(r)), opens: opens() };
  } finally {
    await image.close();
  }
}

const entries = (dir: string) => readdirSync(path.join(dir, `v${LAYER_CACHE_VERSION}`)).filter((n) => n.endsWith('.bin.gz'));

/** Two docker archives with gzip'd layers: the same two base layers, a different top layer. */
async function twoVersions(): Promise<[string, string]> {
  const base0 = await simpleLayer({ 'etc/os-release': 'NAME=test\n', 'var/lib/dpkg/status': 'Package: gcc\nStatus: install ok installed\n\n' });
  const base1 = await simpleLayer({ 'usr/lib/libx.so': 'x'.repeat(10_000), 'app/package.json': '{"devDependencies":{"jest":"1"}}' });
  const topA = await simpleLayer({ 'app/main.js': 'console.log(1)', 'usr/lib/libx.so': 'y'.repeat(10_000) });
  const topB = await simpleLayer({ 'app/main.js': 'console.log(22)', 'app/.env': 'SECRET=1' });
  const gz = (b: Buffer) => gzipSync(b);
  const [g0, g1] = [gz(base0), gz(base1)];
  const a = await dockerArchive(path.join(tmp, 'v1.tar'), [g0, g1, gz(topA)], { diffIds: [base0, base1, topA].map(sha256) });
  const b = await dockerArchive(path.join(tmp, 'v2.tar'), [g0, g1, gz(topB)], { diffIds: [base0, base1, topB].map(sha256) });
  return [a, b];
}

test('a second inspect reads no layer bytes and gives the same result', async () => {
  const dir = path.join(tmp, 'hit');
  const ref = 'test/fixtures/images/delete-oci';
  const none = await report(ref, undefined);
  const first = await report(ref, new LayerCache(dir));
  assert.ok(first.opens > 0);
  assert.equal(entries(dir).length, first.opens, 'one entry per compressed layer');
  const cache = new LayerCache(dir);
  const second = await report(ref, cache);
  assert.equal(second.opens, 0, 'no layer was opened');
  assert.equal(cache.hits, first.opens);
  assert.equal(first.json, none.json);
  assert.equal(second.json, none.json);
});

test('a corrupt, truncated or foreign-version entry is rebuilt, never trusted', async () => {
  const dir = path.join(tmp, 'corrupt');
  const ref = 'test/fixtures/images/delete-zstd';
  const good = await report(ref, new LayerCache(dir));
  const files = entries(dir).map((n) => path.join(dir, `v${LAYER_CACHE_VERSION}`, n));
  const damage: Array<(b: Buffer) => Buffer> = [
    // a flipped byte inside the compressed body: the gzip checksum fails
    (b) => {
      const c = Buffer.from(b);
      c[Math.floor(c.length / 2)] ^= 0xff;
      return c;
    },
    // cut short
    (b) => b.subarray(0, b.length - 20),
    // a well-formed entry of another version (same layout, version field changed)
    () => {
      const rec = Buffer.alloc(4 + 4 + 15 + 4);
      rec.writeUInt32LE(rec.length - 4, 0);
      rec.writeUInt32LE(15, 4);
      rec.write('msb-layer-cache', 8);
      rec.writeUInt32LE(LAYER_CACHE_VERSION + 1, 23);
      return gzipSync(rec);
    },
  ];
  for (const d of damage) {
    for (const f of files) writeFileSync(f, d(readFileSync(f)));
    const cache = new LayerCache(dir);
    const again = await report(ref, cache);
    assert.equal(cache.hits, 0, 'no damaged entry is used');
    assert.equal(again.opens, files.length, 'every layer walked again');
    assert.equal(again.json, good.json);
    const third = await report(ref, new LayerCache(dir));
    assert.equal(third.opens, 0, 'the rebuilt entries are used');
  }
});

test("a blob whose bytes do not match its digest is walked but never cached, so it cannot stand in for the real blob", async () => {
  // Hand-built hostile input (no tool writes it): a copy of the OCI layout whose layers' gzip
  // headers carry another MTIME. Same tar inside (the diff_ids still match), same sizes, other
  // bytes under the same digest names.
  const real = 'test/fixtures/images/delete-oci';
  const forged = path.join(tmp, 'forged-oci');
  cpSync(real, forged, { recursive: true });
  const manifest = JSON.parse(readFileSync(path.join(real, 'blobs/sha256', JSON.parse(readFileSync(path.join(real, 'index.json'), 'utf8')).manifests[0].digest.slice(7)), 'utf8'));
  for (const l of manifest.layers as Array<{ digest: string }>) {
    const f = path.join(forged, 'blobs/sha256', l.digest.slice(7));
    const b = readFileSync(f);
    assert.equal(b[0], 0x1f, 'a gzip layer');
    b[4] ^= 0x55;
    writeFileSync(f, b);
  }
  const dir = path.join(tmp, 'forged');
  const walked = await report(forged, new LayerCache(dir));
  assert.equal(walked.json, (await report(real, undefined)).json.replace(real, forged), 'walked as usual (without --verify a digest is a claim)');
  assert.throws(() => entries(dir), 'no entry written');
  // The real layout, inspected next with the same cache, reads every layer itself.
  const next = await report(real, new LayerCache(dir));
  assert.equal(next.opens, manifest.layers.length);
  // --verify names the layer and the mismatch.
  await assert.rejects(async () => {
    const { image } = await counted(forged);
    await inspect(image, { verify: true }).finally(() => image.close());
  }, /blob digest mismatch/);
});

test('msb diff of two versions walks only the layers that differ; the base is reused by both', async () => {
  const [a, b] = await twoVersions();
  const dir = path.join(tmp, 'diff');
  const x = await counted(a);
  const y = await counted(b);
  const cache = new LayerCache(dir);
  const rx = await inspect(x.image, { layerCache: cache });
  const ry = await inspect(y.image, { layerCache: cache });
  assert.equal(x.opens(), 3);
  assert.equal(y.opens(), 1, 'only the top layer of the second version');
  const d = await diffResults(rx, ry);
  // The same diff as without any cache.
  const plain = await diffResults(await inspect((await resolveImage(a)) as Image), await inspect((await resolveImage(b)) as Image));
  assert.deepEqual(JSON.parse(JSON.stringify(d.diff)), JSON.parse(JSON.stringify(plain.diff)));
  // A later run (a new process: nothing in memory) reads neither version's bytes.
  const z = await counted(b);
  await inspect(z.image, { layerCache: new LayerCache(dir) });
  assert.equal(z.opens(), 0);
  // Findings from cached layers: the package database and the .env file were captured and stored.
  const cached = await inspect((await counted(b)).image, { layerCache: new LayerCache(dir) });
  assert.deepEqual(JSON.stringify(cached.findings), JSON.stringify(ry.findings));
  assert.ok(ry.findings.findings.length > 0);
  await Promise.all([x.image.close(), y.image.close(), z.image.close()]);
});

test('--verify reads every layer even when cached; --no-cache writes nothing', async () => {
  const home = path.join(tmp, 'cli');
  const env = { XDG_CACHE_HOME: home };
  const ref = 'test/fixtures/images/delete-oci';
  const off = await runMsb(['inspect', ref, '--json', '--no-cache'], { env });
  assert.equal(off.code, 0, off.stderr);
  assert.throws(() => readdirSync(path.join(home, 'msb', 'layers')));
  const on = await runMsb(['inspect', ref, '--json'], { env });
  assert.ok(entries(path.join(home, 'msb', 'layers')).length > 0);
  assert.equal(on.stdout, off.stdout);
  const { image, opens } = await counted(ref);
  const r = await inspect(image, { verify: true, layerCache: new LayerCache(path.join(home, 'msb', 'layers')) });
  assert.equal(opens(), image.layers.length);
  assert.ok(r.summary.verified);
  await image.close();
});

test('every golden command prints the same with an empty cache, a filled one, and none', async () => {
  const env = { XDG_CACHE_HOME: path.join(tmp, 'golden') };
  for (const c of CASES) {
    const cold = await runMsb(c.args, { env });
    const warm = await runMsb(c.args, { env });
    const none = await runMsb([...c.args, ...(c.args[0] === 'inspect' || c.args[0] === 'diff' ? ['--no-cache'] : [])], { env });
    assert.deepEqual(warm, cold, c.name);
    if (c.args[0] === 'inspect' || c.args[0] === 'diff') assert.deepEqual(none, cold, c.name);
  }
});

test('msb cache ls, du and prune', async () => {
  const home = path.join(tmp, 'prune');
  const env = { XDG_CACHE_HOME: home };
  assert.equal((await runMsb(['inspect', 'test/fixtures/images/delete-oci', '--json'], { env })).code, 0);
  const du = JSON.parse((await runMsb(['cache', 'du', '--json'], { env })).stdout) as { layers: { count: number; bytes: number } };
  assert.ok(du.layers.count > 0 && du.layers.bytes > 0);
  const ls = JSON.parse((await runMsb(['cache', 'ls', '--json'], { env })).stdout) as { layers: Array<{ key: string }> };
  assert.equal(ls.layers.length, du.layers.count);
  assert.ok(ls.layers.every((e) => e.key.startsWith('sha256:')));
  assert.equal((await runMsb(['cache', 'prune'], { env })).code, 2, 'prune needs a limit');
  assert.match((await runMsb(['cache', 'prune', '--older-than', '30d'], { env })).stdout, /removed 0 layer/);
  assert.match((await runMsb(['cache', 'prune', '--max-size', '0'], { env })).stdout, new RegExp(`removed ${du.layers.count} layer`));
  assert.equal(JSON.parse((await runMsb(['cache', 'du', '--json'], { env })).stdout).layers.count, 0);
});
