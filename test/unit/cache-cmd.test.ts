import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { applyPrune, parseAge, shortAge } from '../../src/cli/cache.js';
import type { BlobItem, Inventory, LayerItem, RefItem, Unreadable } from '../../src/cli/cache-inventory.js';
import { scanCache, TEMP_GRACE_MS } from '../../src/cli/cache-inventory.js';
import { lsJson, planPrune, totals } from '../../src/cli/cache-plan.js';
import { LAYER_CACHE_VERSION } from '../../src/pipeline/layer-cache.js';
import { writeEntry } from '../../src/pipeline/layer-cache-format.js';
import { BlobCache } from '../../src/source/cache/blob-cache.js';
import { ManifestRecords, parseStoredRecord, recordFileName, type RecordKey } from '../../src/source/cache/manifest-record.js';
import { MsbError } from '../../src/errors.js';
import { runMsb } from '../helpers/cli.js';

/** `msb cache`: the prune plan (pure), the age formats, and the scan of a cache folder built by hand. */

const D = (c: string) => `sha256:${c.repeat(64)}`;
const DAY = 86_400_000;
const NOW = Date.parse('2026-12-02T12:00:00Z');

const layer = (key: string, bytes: number, ageDays: number): LayerItem => ({ part: 'layers', files: [`/c/layers/${key}`], bytes, usedAt: NOW - ageDays * DAY, key });
const blob = (c: string, bytes: number, ageDays: number): BlobItem => ({ part: 'blobs', files: [`/c/blobs/${c}`], bytes, usedAt: NOW - ageDays * DAY, digest: D(c) });
const ref = (tag: string, digest: string, manifestDigest: string, ageDays: number): RefItem => ({
  part: 'refs',
  files: [`/c/refs/${tag}`],
  bytes: 300,
  usedAt: NOW - ageDays * DAY,
  registry: 'r.example',
  repository: 'app',
  tag,
  platform: 'linux/amd64',
  digest,
  manifestDigest,
  fetchedAt: new Date(NOW - ageDays * DAY).toISOString(),
});
const junk: Unreadable = { part: 'refs', files: ['/c/refs/x.json'], bytes: 5, usedAt: NOW, why: 'invalid tag record (not valid JSON)' };

function inventory(): Inventory {
  return {
    dir: '/c',
    layers: [layer('L1', 1000, 1), layer('L2', 2000, 40)],
    blobs: [blob('a', 500, 2), blob('b', 4000, 3), blob('c', 100, 50)],
    // app:1 is an index (a) choosing manifest b; app:2 is manifest c; app:3's manifest was never cached.
    refs: [ref('1', D('a'), D('b'), 2), ref('2', D('c'), D('c'), 5), ref('3', D('e'), D('e'), 1)],
    unreadable: [junk],
  };
}
const names = (xs: Array<{ files: string[] }>) => xs.map((x) => path.basename(x.files[0])).sort();

describe('prune plan', () => {
  test('--older-than removes entries of every part unused for longer, then the tag records left without a manifest', () => {
    const p = planPrune(inventory(), NOW - 30 * DAY, Infinity);
    assert.deepEqual(names(p.remove.layers), ['L2']);
    assert.deepEqual(names(p.remove.blobs), ['c']);
    // app:2's manifest (c) went with the age limit, app:3's was never there: neither can serve offline.
    assert.deepEqual(names(p.remove.refs), ['2', '3']);
    assert.deepEqual(p.orphaned.map((r) => r.tag).sort(), ['2', '3']);
    assert.deepEqual(names(p.unreadable), ['x.json']);
    assert.equal(p.keptBytes, 1000 + 500 + 4000 + 300);
  });

  test('--max-size keeps the most recently used across layers, blobs and records until the next would not fit', () => {
    // By last use: app:3 (1d, 300), L1 (1d, 1000), a (2d, 500), app:1 (2d, 300), b (3d, 4000) …
    const p = planPrune(inventory(), -Infinity, 2200);
    assert.deepEqual(names(p.remove.layers), ['L2']);
    assert.deepEqual(names(p.remove.blobs), ['b', 'c']);
    // app:1 fitted but its platform manifest b did not: it goes too; app:3 never had its manifest.
    assert.deepEqual(p.orphaned.map((r) => r.tag).sort(), ['1', '3']);
    assert.deepEqual(names(p.remove.refs), ['1', '2', '3']);
    assert.equal(p.keptBytes, 1000 + 500);
    assert.ok(p.keptBytes <= 2200);
  });

  test('--max-size 0 removes everything; a generous limit removes only the unreadable and the orphaned', () => {
    const none = planPrune(inventory(), -Infinity, 0);
    assert.equal(none.keptBytes, 0);
    assert.equal(none.remove.layers.length + none.remove.blobs.length + none.remove.refs.length, 2 + 3 + 3);
    const all = planPrune(inventory(), NOW - 365 * DAY, 1e12);
    assert.deepEqual([all.remove.layers.length, all.remove.blobs.length], [0, 0]);
    assert.deepEqual(names(all.remove.refs), ['3']);
    assert.equal(all.unreadable.length, 1);
  });

  test('ls and du shapes: per part counts and bytes, a record says whether its manifest is cached', () => {
    const inv = inventory();
    const t = totals(inv);
    assert.deepEqual(t.layers, { count: 2, bytes: 3000 });
    assert.deepEqual(t.blobs, { count: 3, bytes: 4600 });
    assert.deepEqual(t.refs, { count: 3, bytes: 900 });
    assert.equal(t.bytes, 3000 + 4600 + 900 + 5);
    const j = lsJson(inv);
    assert.deepEqual(j.refs.map((r) => [r.reference, r.manifestCached]), [['r.example/app:1', true], ['r.example/app:2', true], ['r.example/app:3', false]]);
    assert.deepEqual(j.blobs, { count: 3, bytes: 4600 });
    assert.equal(j.unreadable[0].why, junk.why);
  });
});

describe('ages', () => {
  test('parseAge takes s/m/h/d/w and rejects anything else with an MsbError', () => {
    assert.equal(parseAge('30d'), 30 * DAY);
    assert.equal(parseAge('1.5h'), 5_400_000);
    for (const bad of ['30', '1y', '-1d', 'd', '']) assert.throws(() => parseAge(bad), MsbError, bad);
  });
  test('shortAge prints the largest whole unit up to days', () => {
    assert.deepEqual([0, 59_999, 60_000, 3_599_999, 3_600_000, DAY - 1, DAY, 40 * DAY, -5].map(shortAge), ['0s', '59s', '1m', '59m', '1h', '23h', '1d', '40d', '0s']);
  });
});

describe('a cache folder built by hand', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'msb-cache-cmd-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const KEY: RecordKey = { registry: 'localhost:5000', repository: 'app', tag: '1', platform: 'default:linux/amd64' };

  test('parseStoredRecord takes the key from the text and checks the file is named by it', () => {
    const body = JSON.stringify({ version: 1, key: KEY, digest: D('a'), manifestDigest: D('a'), fetchedAt: '2026-12-01T00:00:00Z' });
    assert.equal(parseStoredRecord(body, recordFileName(KEY)).state, 'ok');
    assert.deepEqual(parseStoredRecord(body, recordFileName({ ...KEY, tag: '2' })), { state: 'invalid', why: 'stored under another name than its key' });
    assert.deepEqual(parseStoredRecord(JSON.stringify({ key: { ...KEY, tag: 2 } }), 'x.json'), { state: 'invalid', why: 'no valid key' });
    assert.deepEqual(parseStoredRecord('{', 'x.json'), { state: 'invalid', why: 'not valid JSON' });
  });

  test('scan lists what msb wrote, reports the rest, and prune never leaves the cache folder', async () => {
    const dir = path.join(tmp, 'msb');
    const outside = path.join(tmp, 'outside');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'keep'), 'not msb\'s');
    const blobs = new BlobCache(dir);
    const manifest = Buffer.from('{"schemaVersion":2}');
    const md = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    await blobs.put('manifest', md, manifest);
    await new ManifestRecords(dir).write({ key: KEY, digest: md, manifestDigest: md, fetchedAt: new Date().toISOString() });
    const lkey = `${D('1')}|${D('2')}|10`;
    mkdirSync(path.join(dir, 'layers', `v${LAYER_CACHE_VERSION}`), { recursive: true });
    await writeEntry(path.join(dir, 'layers', `v${LAYER_CACHE_VERSION}`, 'e.bin.gz'), lkey, { contents: { index: 0, entries: [], whiteouts: [], opaqueDirs: [], compression: 'gzip', verified: true }, skipped: 0 });
    // What is not msb's own: a corrupt layer entry, a link out of the cache in each part, a stale
    // and a young download, a marker without its blob, a record of another reference.
    writeFileSync(path.join(dir, 'layers', `v${LAYER_CACHE_VERSION}`, 'bad.bin.gz'), 'not gzip');
    symlinkSync(outside, path.join(dir, 'blobs', 'sha512'));
    symlinkSync(path.join(outside, 'keep'), path.join(dir, 'refs', 'link.json'));
    const stale = path.join(dir, 'tmp', 'old.partial');
    const young = path.join(dir, 'tmp', 'young.partial');
    writeFileSync(stale, 'x');
    writeFileSync(young, 'x');
    const old = (Date.now() - TEMP_GRACE_MS - 60_000) / 1000;
    utimesSync(stale, old, old);
    writeFileSync(path.join(dir, 'verified', 'f'.repeat(64)), 'marker');
    writeFileSync(path.join(dir, 'refs', recordFileName({ ...KEY, tag: 'other' })), readFileSync(path.join(dir, 'refs', recordFileName(KEY))));

    const inv = await scanCache(dir);
    assert.deepEqual(inv.layers.map((l) => l.key), [lkey]);
    assert.deepEqual(inv.blobs.map((b) => [b.digest, b.files.length]), [[md, 2]], 'the blob with its verified marker');
    assert.deepEqual(inv.refs.map((r) => [r.tag, r.digest]), [['1', md]]);
    const why = Object.fromEntries(inv.unreadable.map((u) => [path.relative(dir, u.files[0]), u.why]));
    assert.deepEqual(why, {
      [`layers/v${LAYER_CACHE_VERSION}/bad.bin.gz`]: 'corrupt or not a layer cache entry',
      'blobs/sha512': 'a symbolic link (not followed)',
      'refs/link.json': 'a symbolic link (not followed)',
      'tmp/old.partial': 'temp file of an interrupted write',
      [`verified/${'f'.repeat(64)}`]: 'verified marker of a blob no longer cached',
      [`refs/${recordFileName({ ...KEY, tag: 'other' })}`]: 'invalid tag record (stored under another name than its key)',
    });

    const ls = await runMsb(['cache', 'ls', '--cache-dir', dir]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^1 tag record\(s\) in .*\n {2}REFERENCE +PLATFORM +MANIFEST +FETCHED\n {2}localhost:5000\/app:1 +default:linux\/amd64 +sha256:[0-9a-f]{12} +\d+s ago\n/);
    const blobBytes = manifest.length + statSync(path.join(dir, 'verified', md.slice(7))).size;
    assert.match(ls.stdout, new RegExp(`\n1 blob\\(s\\), ${blobBytes} B in `), 'the blob and its marker');
    assert.match(ls.stdout, /\n6 unreadable file\(s\) \(msb cache prune removes them\)\n/);

    const pr = await runMsb(['cache', 'prune', '--older-than', '1d', '--cache-dir', dir]);
    assert.equal(pr.code, 0, pr.stderr);
    assert.match(pr.stdout, /^removed 0 layer\(s\), 0 blob\(s\), 0 tag record\(s\), 6 unreadable file\(s\)/);
    assert.equal(readFileSync(path.join(outside, 'keep'), 'utf8'), 'not msb\'s', 'a link is removed, never its target');
    assert.ok(existsSync(outside));
    assert.ok(existsSync(young), 'a download that may be in progress stays');
    assert.ok(!existsSync(stale));
    const after = await scanCache(dir);
    assert.deepEqual([after.layers.length, after.blobs.length, after.refs.length, after.unreadable.length], [1, 1, 1, 0]);

    const all = await runMsb(['cache', 'prune', '--max-size', '0', '--cache-dir', dir, '--json']);
    assert.deepEqual(JSON.parse(all.stdout).removed, { layers: 1, blobs: 1, refs: 1, unreadable: 0 });
    assert.ok(!existsSync(path.join(dir, 'verified', md.slice(7))), 'the marker goes with its blob');
  });

  test('prune spares an entry used since the scan, and does not count one another msb removed', async () => {
    const dir = path.join(tmp, 'race');
    const blobs = new BlobCache(dir);
    const digests: string[] = [];
    for (const text of ['one', 'two', 'three']) {
      const data = Buffer.from(text);
      const d = `sha256:${createHash('sha256').update(data).digest('hex')}`;
      await blobs.put('blob', d, data);
      digests.push(d);
    }
    const p = planPrune(await scanCache(dir), -Infinity, 0);
    assert.equal(p.remove.blobs.length, 3);
    const [used, gone, plain] = digests;
    // Between the scan and the removal: another msb finds `used` cached (touching its marker) and prunes `gone`.
    const later = Date.now() / 1000 + 60;
    utimesSync(blobs.markerOf(used), later, later);
    unlinkSync(blobs.pathOf(gone));
    const r = await applyPrune(p);
    assert.deepEqual(r.removed, { layers: 0, blobs: 1, refs: 0, unreadable: 0 });
    assert.ok(existsSync(blobs.pathOf(used)) && !existsSync(blobs.pathOf(plain)));
    assert.equal(r.spared, p.remove.blobs.find((b) => (b as BlobItem).digest === used)!.bytes);
  });

  test('bad flags: one line, exit 2, nothing removed', async () => {
    for (const args of [['prune'], ['prune', '--older-than', '3 days'], ['prune', '--max-size', 'lots'], ['list']]) {
      const r = await runMsb(['cache', ...args, '--cache-dir', path.join(tmp, 'msb')]);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});
