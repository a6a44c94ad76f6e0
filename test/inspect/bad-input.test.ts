/**
 * Bad input: every case gets one line on stderr naming the file (and layer) and what is wrong, exit
 * code 2, no stack trace and nothing on stdout. The archives here are HAND-BUILT (see
 * test/helpers/handmade.ts) because real tools refuse to produce them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { dockerArchive, simpleLayer, tarBuffer } from '../helpers/handmade.js';
import { runMsb } from '../helpers/cli.js';

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'msb-bad-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function expectBad(args: string[], pattern: RegExp): Promise<void> {
  const r = await runMsb(['inspect', ...args, '--json']);
  assert.equal(r.code, 2, `exit code for ${args.join(' ')}; stderr: ${r.stderr}`);
  assert.equal(r.stdout, '', 'no partial report on stdout');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0], /^msb: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.match(lines[0], pattern);
}

const big = 'x'.repeat(100_000);

describe('bad input (hand-built archives)', () => {
  test('sanity: the hand-built archive itself is accepted', async () => {
    const f = await dockerArchive(path.join(dir, 'ok.tar'), [await simpleLayer({ 'a.txt': big })]);
    const r = await runMsb(['inspect', f, '--json', '--verify']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).summary.totalBytes, 100_000);
  });

  test('truncated archive', async () => {
    const f = await dockerArchive(path.join(dir, 'trunc.tar'), [await simpleLayer({ 'a.txt': big, 'b.txt': big })]);
    truncateSync(f, Math.floor(statSync(f).size * 0.4));
    await expectBad([f], /trunc\.tar.*truncated/);
  });

  test('corrupt gzip layer', async () => {
    const layer = gzipSync(await simpleLayer({ 'a.txt': big }));
    for (let i = 40; i < 60; i++) layer[i] ^= 0xff;
    const f = await dockerArchive(path.join(dir, 'gz.tar'), [layer]);
    await expectBad([f], /gz\.tar.*layer 0.*gzip/);
  });

  test('truncated gzip layer', async () => {
    const layer = gzipSync(await simpleLayer({ 'a.txt': big, 'b.bin': Buffer.alloc(50_000, 7).toString() }));
    const f = await dockerArchive(path.join(dir, 'gzt.tar'), [layer.subarray(0, layer.length - 30)]);
    await expectBad([f], /gzt\.tar.*layer 0.*(gzip|truncated)/);
  });

  test('corrupt zstd layer', async () => {
    const plain = await simpleLayer({ 'a.txt': big });
    const z = spawnSync('zstd', ['-q', '-c'], { input: plain });
    assert.equal(z.status, 0, 'zstd CLI is installed by .ci/run');
    const layer = Buffer.from(z.stdout);
    for (let i = 20; i < layer.length - 10; i += 7) layer[i] ^= 0x5a;
    const f = await dockerArchive(path.join(dir, 'zst.tar'), [layer]);
    await expectBad([f], /zst\.tar.*layer 0.*(zstd|tar)/);
  });

  test('missing manifest.json and index.json', async () => {
    const f = await dockerArchive(path.join(dir, 'nomani.tar'), [await simpleLayer({ a: 'x' })], { omit: ['manifest.json'] });
    await expectBad([f], /nomani\.tar.*not an image/);
  });

  test('malformed manifest.json', async () => {
    const f = await dockerArchive(path.join(dir, 'badmani.tar'), [await simpleLayer({ a: 'x' })], { manifest: '[{"Config": ' });
    await expectBad([f], /badmani\.tar.*manifest\.json is not valid JSON/);
  });

  test('manifest.json of the wrong shape', async () => {
    const f = await dockerArchive(path.join(dir, 'shape.tar'), [await simpleLayer({ a: 'x' })], { manifest: '{"hello": 1}' });
    await expectBad([f], /shape\.tar.*manifest\.json/);
  });

  test('manifest naming a layer that is not in the archive', async () => {
    const f = await dockerArchive(path.join(dir, 'missing-layer.tar'), [await simpleLayer({ a: 'x' })], {
      manifest: JSON.stringify([{ Config: 'nope.json', Layers: ['x/layer.tar'] }]),
    });
    await expectBad([f], /missing-layer\.tar.*missing nope\.json/);
  });

  test('malformed index.json in an OCI layout directory', async () => {
    const d = path.join(dir, 'oci-bad');
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(path.join(d, 'index.json'), '{"manifests": [');
    await expectBad([d], /oci-bad.*index\.json is not valid JSON/);
  });

  test('index.json pointing outside the layout', async () => {
    const d = path.join(dir, 'oci-escape');
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ digest: 'sha256:../../../../etc/passwd', size: 1 }] }));
    await expectBad([d], /oci-escape.*invalid digest/);
  });

  test('manifest.json naming a path outside the archive', async () => {
    const f = await dockerArchive(path.join(dir, 'escape.tar'), [await simpleLayer({ a: 'x' })], {
      manifest: JSON.stringify([{ Config: '../../../etc/passwd', Layers: [] }]),
    });
    await expectBad([f], /escape\.tar.*outside the image/);
  });

  test('a layout directory whose blob is a symlink out of it is refused', async () => {
    const d = path.join(dir, 'oci-link');
    mkdirSync(path.join(d, 'blobs/sha256'), { recursive: true });
    const hex = 'a'.repeat(64);
    symlinkSync('/etc/hostname', path.join(d, 'blobs/sha256', hex));
    writeFileSync(path.join(d, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ digest: `sha256:${hex}`, size: 1 }] }));
    await expectBad([d], /oci-link.*points outside the image directory/);
  });

  test('layer digest does not match diff_id (--verify)', async () => {
    const layer = await simpleLayer({ 'a.txt': big });
    const f = await dockerArchive(path.join(dir, 'digest.tar'), [layer], { diffIds: [`sha256:${'0'.repeat(64)}`] });
    // Without --verify the bytes are not all read, so the mismatch cannot be seen...
    assert.equal((await runMsb(['inspect', f, '--json'])).code, 0);
    // ...with it, every byte is hashed.
    await expectBad([f, '--verify'], /digest\.tar.*layer 0.*diff_id mismatch/);
  });

  test('tar entry with ".." escapes the root', async () => {
    const layer = await tarBuffer([{ name: 'ok.txt', data: 'x' }, { name: '../../etc/evil', data: 'x' }]);
    const f = await dockerArchive(path.join(dir, 'dotdot.tar'), [layer]);
    await expectBad([f], /dotdot\.tar.*layer 0.*"\.\.\/\.\.\/etc\/evil".*\.\./);
  });

  test('tar entry with an absolute path', async () => {
    const layer = await tarBuffer([{ name: '/etc/evil', data: 'x' }]);
    const f = await dockerArchive(path.join(dir, 'abs.tar'), [layer]);
    await expectBad([f], /abs\.tar.*layer 0.*absolute path/);
  });

  test('a file that is not an image at all', async () => {
    const f = path.join(dir, 'notes.txt');
    writeFileSync(f, 'just some text\n'.repeat(100));
    await expectBad([f], /notes\.txt.*not a tar archive/);
  });

  test('a plain tar that is not an image', async () => {
    const f = path.join(dir, 'plain.tar');
    writeFileSync(f, await tarBuffer([{ name: 'hello.txt', data: 'hi' }]));
    await expectBad([f], /plain\.tar.*not an image/);
  });

  test('an empty file', async () => {
    const f = path.join(dir, 'empty.tar');
    writeFileSync(f, '');
    await expectBad([f], /empty\.tar.*not an image/);
  });

  test('a path that does not exist', async () => {
    await expectBad([path.join(dir, 'nope.tar')], /nope\.tar.*no such file/);
  });

  test('a gzip-compressed docker save archive gets a hint', async () => {
    const f = await dockerArchive(path.join(dir, 'gz-outer.tar'), [await simpleLayer({ a: 'x' })]);
    writeFileSync(`${f}.gz`, gzipSync(readFileSync(f)));
    await expectBad([`${f}.gz`], /gz-outer\.tar\.gz.*gzip-compressed.*gunzip/);
  });

  test('--debug shows the stack for internal errors only, but bad input stays one line', async () => {
    const f = path.join(dir, 'notes2.txt');
    writeFileSync(f, 'hello');
    const r = await runMsb(['inspect', f, '--json', '--debug']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /notes2\.txt/);
  });
});
