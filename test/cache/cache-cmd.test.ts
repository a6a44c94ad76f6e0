import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { recordFileName } from '../../src/source/cache/manifest-record.js';
import { removeDir, repoRoot, runCli, skopeoCopy, startRegistry, tempDir, type Registry } from '../sources/helpers.js';

/**
 * `msb cache ls|du|prune` on a cache msb filled itself: two tags inspected from a real
 * docker-registry (one a multi-platform index, for one platform), then listed, summed and pruned.
 * Ages are made by setting file times back, as a month of not using an entry would.
 */

let W: string;
let cacheDir: string;
let reg: Registry;
const fixture = (name: string) => path.join(repoRoot, 'test/fixtures/images', name);
const msb = (...args: string[]) => runCli([...args, '--cache-dir', cacheDir]);
const DAY = 86_400;

interface Ls {
  refs: Array<{ reference: string; platform: string; digest: string; manifestDigest: string; manifestCached: boolean }>;
  layers: Array<{ key: string; bytes: number }>;
  blobs: { count: number; bytes: number };
  unreadable: unknown[];
}
const ls = async (): Promise<Ls> => {
  const r = await msb('cache', 'ls', '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Ls;
};

/** Bytes of the regular files under a folder of the cache. */
function du(...sub: string[]): number {
  const d = path.join(cacheDir, ...sub);
  return existsSync(d) ? readdirSync(d, { recursive: true }).reduce((s, n) => s + (statSync(path.join(d, String(n))).isFile() ? statSync(path.join(d, String(n))).size : 0), 0) : 0;
}

/** Sets a blob's (and its marker's) times `days` back. */
function age(digest: string, days: number): void {
  const t = Date.now() / 1000 - days * DAY;
  for (const f of [path.join(cacheDir, 'blobs/sha256', digest.slice(7)), path.join(cacheDir, 'verified', digest.slice(7))]) if (existsSync(f)) utimesSync(f, t, t);
}
const allBlobs = () => readdirSync(path.join(cacheDir, 'blobs/sha256')).map((h) => `sha256:${h}`);

before(async () => {
  W = await tempDir('cache-cmd');
  cacheDir = path.join(W, 'cache');
  reg = await startRegistry(W, path.join(W, 'storage'));
  await skopeoCopy(`docker-archive:${fixture('delete.tar')}`, `docker://${reg.host}/app:1`);
  await skopeoCopy(`oci:${fixture('multiarch-oci')}:latest`, `docker://${reg.host}/multi:1`, ['--all', '--preserve-digests']);
  for (const [ref, ...extra] of [[`${reg.host}/app:1`], [`${reg.host}/multi:1`, '--platform', 'linux/arm64']]) {
    const r = await msb('inspect', ref, '--json', '--source', 'registry', ...extra);
    assert.equal(r.code, 0, r.stderr);
  }
});

after(async () => {
  await reg?.stop();
  await removeDir(W);
});

test('ls and du show the tag records, the layers and the blobs msb wrote', async () => {
  const j = await ls();
  assert.deepEqual(j.refs.map((r) => [r.reference, r.platform, r.manifestCached]).sort(), [
    [`${reg.host}/app:1`, `default:linux/${process.arch === 'arm64' ? 'arm64' : 'amd64'}`, true],
    [`${reg.host}/multi:1`, 'linux/arm64', true],
  ]);
  const multi = j.refs.find((r) => r.reference.endsWith('multi:1'))!;
  assert.notEqual(multi.digest, multi.manifestDigest, 'an index and the manifest chosen from it');
  assert.equal(j.blobs.count, allBlobs().length);
  assert.equal(j.blobs.bytes, du('blobs') + du('verified'));
  assert.ok(j.layers.length > 0 && j.layers.every((l) => l.key.startsWith('sha256:')));
  assert.deepEqual(j.unreadable, []);

  const text = await msb('cache', 'ls');
  assert.match(text.stdout, new RegExp(`^2 tag record\\(s\\) in .*\\n {2}REFERENCE +PLATFORM +MANIFEST +FETCHED\\n`));
  assert.match(text.stdout, new RegExp(`\\n {2}${reg.host.replace(/\./g, '\\.')}/multi:1 +linux/arm64 +${multi.manifestDigest.slice(0, 19)} +\\d+s ago\\n`));
  assert.match(text.stdout, new RegExp(`\\n${j.blobs.count} blob\\(s\\), `));

  const t = JSON.parse((await msb('cache', 'du', '--json')).stdout) as Record<string, { count: number; bytes: number }> & { bytes: number };
  assert.deepEqual(t.refs, { count: 2, bytes: du('refs') });
  assert.deepEqual(t.layers, { count: j.layers.length, bytes: du('layers') });
  assert.deepEqual(t.blobs, j.blobs);
  assert.equal(t.bytes, du('refs') + du('layers') + du('blobs') + du('verified'));
  assert.match((await msb('cache', 'du')).stdout, /\ttotal\t/);
});

test('a blob used again is not pruned as old; a tag whose manifest went is pruned with it, and said so', async () => {
  const before = await ls();
  const app = before.refs.find((r) => r.reference.endsWith('app:1'))!;
  // A month unused, every blob; then multi:1 is inspected again offline, which uses its blobs.
  for (const d of allBlobs()) age(d, 40);
  const again = await msb('inspect', `${reg.host}/multi:1`, '--platform', 'linux/arm64', '--offline', '--json');
  assert.equal(again.code, 0, again.stderr);
  // A use touches the blob's verified marker (the blob's own times stay: its marker records them).
  const markerAge = (d: string) => Date.now() - statSync(path.join(cacheDir, 'verified', d.slice(7))).mtimeMs;
  const multi = before.refs.find((x) => x.reference.endsWith('multi:1'))!;
  assert.ok(markerAge(multi.manifestDigest) < 60_000 && markerAge(multi.digest) < 60_000);
  assert.ok(markerAge(app.manifestDigest) > 30 * DAY * 1000);

  const r = await msb('cache', 'prune', '--older-than', '30d');
  assert.equal(r.code, 0, r.stderr);
  const after = await ls();
  // What multi:1 used stays; the blobs only app:1 used go, and its record with them.
  assert.deepEqual(after.refs.map((x) => x.reference), [`${reg.host}/multi:1`]);
  assert.ok(!allBlobs().includes(app.manifestDigest));
  assert.ok(after.blobs.count > 0 && after.blobs.count < before.blobs.count);
  assert.ok(!existsSync(path.join(cacheDir, 'refs', recordFileName({ registry: reg.host, repository: 'app', tag: '1', platform: app.platform }))));
  const removedBlobs = before.blobs.count - after.blobs.count;
  assert.match(r.stdout, new RegExp(`^removed 0 layer\\(s\\), ${removedBlobs} blob\\(s\\), 1 tag record\\(s\\), 0 unreadable file\\(s\\): `));
  assert.match(r.stdout, new RegExp(`\\n1 of those tag records went because their manifest is no longer cached \\(no offline use\\): ${reg.host.replace(/\./g, '\\.')}/app:1\\n$`));

  // What was kept still serves offline; what went is fetched again when the registry answers.
  assert.equal((await msb('inspect', `${reg.host}/multi:1`, '--platform', 'linux/arm64', '--offline', '--json')).code, 0);
  assert.equal((await msb('inspect', `${reg.host}/app:1`, '--offline', '--json')).code, 2);
  assert.equal((await msb('inspect', `${reg.host}/app:1`, '--json', '--source', 'registry')).code, 0);
});

test('--max-size 0 empties every part; the cache fills again on the next inspect', async () => {
  const r = await msb('cache', 'prune', '--max-size', '0', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { removed: Record<string, number>; keptBytes: number };
  assert.ok(j.removed.layers > 0 && j.removed.blobs > 0 && j.removed.refs === 2, r.stdout);
  assert.equal(j.keptBytes, 0);
  assert.equal(du('refs') + du('layers') + du('blobs') + du('verified'), 0);
  assert.equal((await msb('inspect', `${reg.host}/app:1`, '--json', '--source', 'registry')).code, 0);
  assert.equal((await ls()).refs.length, 1);
});
