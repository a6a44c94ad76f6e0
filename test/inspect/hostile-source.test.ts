/**
 * Hostile input on the source side, local files (classes 8 and 11): HAND-BUILT archives and special
 * files. Every case ends in exit 0 or exit 2 with one `msb:` line, within its time bound.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dockerArchive, sha256, simpleLayer, tarBuffer } from '../helpers/handmade.js';
import { runMsb } from '../helpers/cli.js';
import { closeMatches } from '../../src/source/suggest.js';

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'msb-hostile-src-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Exit 2 with one `msb:` line matching `pattern`, nothing on stdout. */
async function refused(args: string[], pattern: RegExp): Promise<string> {
  const r = await runMsb(args);
  assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}${r.stdout.slice(0, 200)}`);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^msb: /);
  assert.match(r.stderr.trimEnd(), pattern);
  return r.stderr.trimEnd();
}

function fifo(name: string): string {
  const p = path.join(dir, name);
  const r = spawnSync('mkfifo', [p]);
  assert.equal(r.status, 0, String(r.stderr));
  return p;
}

describe('special files are refused, never opened (class 8: hangs)', () => {
  test('a FIFO as the image', { timeout: 10_000 }, async () => {
    await refused(['inspect', fifo('image.fifo'), '--json'], /image\.fifo: not a regular file or directory \(a FIFO\)/);
  });

  test('a FIFO as one side of msb diff', { timeout: 10_000 }, async () => {
    const good = await dockerArchive(path.join(dir, 'good.tar'), [await simpleLayer({ 'a.txt': 'a' })]);
    await refused(['diff', good, fifo('after.fifo'), '--json'], /after\.fifo: not a regular file or directory \(a FIFO\)/);
    await refused(['diff', fifo('before.fifo'), good, '--json'], /before\.fifo: not a regular file or directory/);
  });

  test('a FIFO, a directory or a character device as --dockerfile', { timeout: 10_000 }, async () => {
    const good = await dockerArchive(path.join(dir, 'good2.tar'), [await simpleLayer({ 'a.txt': 'a' })]);
    await refused(['inspect', good, '--json', '--dockerfile', fifo('Dockerfile.fifo')], /Dockerfile\.fifo: cannot read the Dockerfile \(not a regular file\)/);
    await refused(['inspect', good, '--json', '--dockerfile', dir], /cannot read the Dockerfile \(a directory\)/);
    await refused(['inspect', good, '--json', '--dockerfile', '/dev/zero'], /\/dev\/zero: cannot read the Dockerfile \(not a regular file\)/);
  });

  test('/dev/zero and /dev/urandom as the image', { timeout: 10_000 }, async () => {
    await refused(['inspect', '/dev/zero', '--json'], /\/dev\/zero: not a regular file or directory \(a character device\)/);
    await refused(['inspect', '/dev/urandom', '--json'], /not a regular file or directory/);
  });
});

describe('an archive of zeros stops at the end-of-archive marker (class 8)', () => {
  test('a 4 GiB file of zero bytes (sparse) is "not an image" at once', { timeout: 10_000 }, async () => {
    const f = path.join(dir, 'zeros.tar');
    writeFileSync(f, '');
    truncateSync(f, 4 * 1024 ** 3);
    const t0 = Date.now();
    await refused(['inspect', f, '--json'], /zeros\.tar: not an image: no manifest\.json/);
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  });
});

describe('error text stays bounded (class 11)', () => {
  test('no such tag among 5,000: the closest few and a count', async () => {
    const layer = await simpleLayer({ 'a.txt': 'a' });
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] }, history: [{ created_by: 'hand-built' }] });
    const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
    const tags = Array.from({ length: 5000 }, (_, i) => `hand:v${i}`);
    const manifest = JSON.stringify([{ Config: configName, RepoTags: tags, Layers: ['l/layer.tar'] }]);
    const f = path.join(dir, 'tags.tar');
    writeFileSync(f, await tarBuffer([{ name: 'l/layer.tar', data: layer }, { name: configName, data: config }, { name: 'manifest.json', data: manifest }]));
    const err = await refused(['inspect', `${f}:hand:v49999`, '--json'], /no image tagged hand:v49999; the archive has .*\(and 4995 more\)$/);
    assert.ok(err.length < 400, err);
    assert.match(err, /hand:v4999\b/, 'the closest tag is among those shown');
  });

  test('no such platform among 3,000: the closest few and a count', async () => {
    const layout = path.join(dir, 'platforms-oci');
    mkdirSync(layout);
    writeFileSync(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    const manifests = Array.from({ length: 3000 }, (_, i) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${createHash('sha256').update(String(i)).digest('hex')}`,
      size: 100,
      platform: { os: 'linux', architecture: `arch${i}` },
    }));
    writeFileSync(path.join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
    const err = await refused(['inspect', layout, '--platform', 'linux/arch30000', '--json'], /no image for platform linux\/arch30000; available: .*\(and 2995 more\) \(use --platform\)$/);
    assert.ok(err.length < 400, err);
  });

  test('a few names are listed whole, as before', () => {
    assert.equal(closeMatches('x', ['a', 'b', 'a']), 'a, b');
    assert.equal(closeMatches('v7', Array.from({ length: 20 }, (_, i) => `v${i}`)), 'v7, v0, v1, v2, v3 (and 15 more)');
  });
});
