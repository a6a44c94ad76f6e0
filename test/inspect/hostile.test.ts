/**
 * Hostile input, class by class: each case is a HAND-BUILT layer or archive (test/helpers/handmade.ts)
 * that real tools refuse to produce. Every one must end in exit 0 with a true report, or exit 2 with
 * one `msb:` line; never a stack trace, a hang or a partial result passed off as whole.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { dockerArchive, padded, paxHeader, rawHeader, rawLayer, tarBuffer } from '../helpers/handmade.js';
import { runMsb } from '../helpers/cli.js';
import { walkLayer } from '../../src/walk/layer.js';
import type { LayerBlob } from '../../src/source/types.js';
import type { LayerContents } from '../../src/walk/types.js';
import { analyze } from '../../src/analysis/merge.js';
import { diffImages } from '../../src/analysis/diff.js';
import { fileList } from '../../src/report/attribution.js';
import { safeJson, safeLines, safeText } from '../../src/safe-text.js';

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'msb-hostile-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function archive(layers: Buffer[]): Promise<string> {
  return dockerArchive(path.join(dir, `h${n++}.tar`), layers);
}

/** Exit 0, or exit 2 with one `msb:` line and nothing on stdout. Returns the result. */
async function clean(args: string[]) {
  const r = await runMsb(args);
  assert.ok(r.code === 0 || r.code === 2, `exit ${r.code} for ${args.join(' ')}: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/, 'no stack trace, no internal error');
  if (r.code === 2) {
    assert.equal(r.stdout, '', 'no partial report');
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^msb: /);
  }
  return r;
}

async function bad(layers: Buffer[], pattern: RegExp, flags: string[] = []): Promise<void> {
  const f = await archive(layers);
  const r = await clean(['inspect', f, '--json', ...flags]);
  assert.equal(r.code, 2, `expected bad input: ${r.stdout.slice(0, 200)}`);
  assert.match(r.stderr, pattern);
}

const cut = (b: Buffer, at: number) => b.subarray(0, Math.floor(b.length * at));

describe('stream errors end in one line (class 2)', () => {
  const files = async () => tarBuffer([{ name: 'a.bin', data: Buffer.alloc(300_000, 1) }, { name: 'b.bin', data: Buffer.alloc(100_000, 2) }]);
  for (const flags of [[], ['--verify']]) {
    test(`a gzip layer cut in the middle of a file ${flags.join(' ')}`, async () => {
      await bad([cut(gzipSync(await files()), 0.5)], /layer 0 .*(gzip|truncated)/, flags);
    });
    test(`data cut short behind a pax size ${flags.join(' ')}`, async () => {
      await bad([rawLayer(paxHeader({ size: '50000' }), rawHeader('f', 100), padded(Buffer.alloc(100, 1)))], /layer 0 .*truncated/, flags);
      await bad([gzipSync(rawLayer(paxHeader({ size: '50000' }), rawHeader('f', 100), padded(Buffer.alloc(100, 1))))], /layer 0 .*truncated/, flags);
    });
    test(`".." and absolute names inside a compressed layer ${flags.join(' ')}`, async () => {
      await bad([gzipSync(await tarBuffer([{ name: '../../etc/x', data: 'hi' }]))], /"\.\.\/\.\.\/etc\/x" contains "\.\."/, flags);
      await bad([gzipSync(await tarBuffer([{ name: '/etc/passwd', data: 'hi' }]))], /"\/etc\/passwd" has an absolute path/, flags);
      await bad([await tarBuffer([{ name: 'a/../../x', data: 'hi' }])], /contains "\.\."/, flags);
    });
  }
});

describe('header values are checked, not trusted (class 3)', () => {
  for (const [what, layer, pattern] of [
    ['a pax size of 1 TB on a 3 kB layer', () => rawLayer(paxHeader({ size: String(1e12) }), rawHeader('f', 3000), padded(Buffer.alloc(3000, 1))), /truncated/],
    ['a size that is not a number', () => rawLayer(rawHeader('f', Buffer.from('zzzzzzzzzzz\0')), padded(Buffer.alloc(10))), /invalid size \(NaN\)/],
    ['a negative base-256 size', () => rawLayer(rawHeader('f', Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0])), padded(Buffer.alloc(10))), /invalid size \(-1\)/],
    ['a pax size that is not a decimal', () => rawLayer(paxHeader({ size: '12abc' }), rawHeader('f', 10), padded(Buffer.alloc(10))), /invalid size \(NaN\)/],
  ] as const) {
    for (const flags of [[], ['--verify']]) {
      test(`${what} ${flags.join(' ')}`, async () => {
        await bad([layer()], pattern, flags);
        await bad([gzipSync(layer())], pattern, flags);
      });
    }
  }
  test('a path longer than PATH_MAX is refused (it also bounds how deep a tree can nest)', async () => {
    const deep = Array.from({ length: 3000 }, () => 'd').join('/');
    await bad([await tarBuffer([{ name: `${deep}/f`, data: 'x' }])], /path of 6001 characters; no container runtime can create a path over 4096/);
  });
});

/** A layer blob over a buffer: seekable (a file range) or a plain stream. */
function blobs(data: Buffer): { seek: LayerBlob; stream: LayerBlob } {
  const file = path.join(dir, `layer${n++}.tar`);
  writeFileSync(file, data);
  const base = { index: 0, diffId: '', name: 'hand-built layer' };
  return {
    seek: { ...base, location: { file, offset: 0, size: data.length }, open: async () => Readable.from([readFileSync(file)]) },
    stream: { ...base, open: async () => Readable.from([data.subarray(0, 700), data.subarray(700)]) },
  };
}

/** What a walk says of a layer, without the fields only one reader fills (offsets, digests). */
async function reading(blob: LayerBlob): Promise<string> {
  try {
    const c = await walkLayer(blob);
    return JSON.stringify({ entries: c.entries.map(({ dataOffset: _o, digest: _d, content: _c, ...e }) => e), whiteouts: c.whiteouts, opaque: c.opaqueDirs });
  } catch (e) {
    return `error: ${(e as Error).message.replace(/truncated (tar|layer).*/, 'truncated')}`;
  }
}

describe('one reading of a tar: the seeking and the streaming reader agree (class 5)', () => {
  const corpus: Array<[string, () => Buffer | Promise<Buffer>]> = [
    ['old GNU sparse entry', () => rawLayer(rawHeader('sp', 100, 'S'), padded(Buffer.alloc(100, 2)), rawHeader('ok', 5), padded('hello'))],
    ['old GNU sparse entry with a map extension block', () => {
      const h = rawHeader('sp', 100, 'S');
      h[482] = 1; // isextended
      let sum = 0;
      h.fill(' ', 148, 156);
      for (let i = 0; i < 512; i++) sum += h[i];
      h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
      return rawLayer(h, Buffer.alloc(512), padded(Buffer.alloc(100, 2)), rawHeader('ok', 5), padded('hello'));
    }],
    ['unknown entry type with data', () => rawLayer(rawHeader('u', 100, 'Q'), padded(Buffer.alloc(100, 3)), rawHeader('ok', 5), padded('hello'))],
    ['pax global header', () => rawLayer(paxHeader({ comment: 'hi', uid: '7' }, 'g'), rawHeader('ok', 5), padded('hello'), rawHeader('ok2', 2), padded('hi'))],
    ['pax path, size and linkpath', () => rawLayer(paxHeader({ path: 'long/'.repeat(40) + 'name', size: '7' }), rawHeader('short', 3), padded('seven!!'), paxHeader({ linkpath: 'long/'.repeat(40) + 'name' }), rawHeader('ln', 0, '1'))],
    ['GNU long name', () => rawLayer(rawHeader('././@LongLink', 201, 'L'), padded(`${'n'.repeat(200)}\0`), rawHeader('x', 4), padded('data'))],
    ['no end-of-archive blocks', () => Buffer.concat([rawHeader('ok', 5), padded('hello')])],
    ['one end block then garbage', () => Buffer.concat([rawHeader('ok', 5), padded('hello'), Buffer.alloc(512), Buffer.alloc(512, 0x41)])],
    ['whiteouts and an opaque dir', () => tarBuffer([{ name: 'd/.wh..wh..opq', data: '' }, { name: 'd/.wh.gone', data: '' }, { name: 'd/kept', data: 'k' }])],
    ['truncated in a header', () => Buffer.concat([rawHeader('ok', 5), padded('hello')]).subarray(0, 700)],
    ['bad checksum', () => { const b = rawLayer(rawHeader('ok', 5), padded('hello')); b[10] ^= 1; return b; }],
    ['hardlink and symlink', () => tarBuffer([{ name: 'f', data: 'abc' }, { name: 'h', type: 'link', linkname: 'f' }, { name: 's', type: 'symlink', linkname: '/etc/x' }])],
  ];
  for (const [name, make] of corpus) {
    test(name, async () => {
      const b = blobs(await make());
      const [seek, stream] = [await reading(b.seek), await reading(b.stream)];
      assert.equal(seek, stream);
    });
  }
});

describe('deep trees are walked without recursion (class 1)', () => {
  test('a 12,000-level tree (deeper than the call stack goes) merges, diffs and lists', () => {
    // One file at the bottom: the merge makes every directory above it.
    const deep = Array.from({ length: 12_000 }, () => 'd').join('/');
    const leaf = (size: number, digest: string) => ({ path: `${deep}/f`, kind: 'file' as const, size, mode: 0o644, uid: 0, gid: 0, mtime: 0, digest });
    const layer = (e: object): LayerContents => ({ index: 0, entries: [e as never], whiteouts: [], opaqueDirs: [], compression: 'none', verified: false });
    const a = analyze([layer(leaf(10, 'a'))]);
    assert.equal(a.finalBytes, 10);
    assert.equal(a.root.size, 10);
    const b = analyze([layer(leaf(12, 'b'))]);
    const d = diffImages({ analysis: a, diffIds: ['x'] }, { analysis: b, diffIds: ['y'] });
    assert.equal(d.items.length, 1);
    assert.equal(d.items[0].afterBytes, 12);
    assert.equal(fileList(a.root, []).length, 12_001);
  });
});

describe('terminal escapes from the image are neutralised (class 6)', () => {
  const evil = 'a\u001b]0;pwned\u0007b\u009b2J\u202e';
  test('file names in text, JSON and error lines', async () => {
    const f = await archive([await tarBuffer([{ name: evil, data: 'x'.repeat(2000) }, { name: evil, data: 'y'.repeat(2000) }])]);
    const text = await clean(['inspect', f, '--text']);
    assert.equal(text.code, 0);
    assert.doesNotMatch(text.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    assert.match(text.stdout, /a\\x1b\]0;pwned\\x07b\\x9b2J\\u202e/);
    const json = await clean(['inspect', f, '--json']);
    assert.doesNotMatch(json.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    assert.equal(JSON.parse(json.stdout).waste[0].path, `/${evil}`, 'the JSON value itself is intact');
    const bad = await archive([await tarBuffer([{ name: `/${evil}`, data: 'x' }])]);
    const err = await clean(['inspect', bad, '--json']);
    assert.equal(err.code, 2);
    assert.doesNotMatch(err.stderr, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    assert.match(err.stderr, /\\x1b\]0;pwned\\x07/);
  });
  test('the helpers: visible escapes, newlines kept only in whole reports, JSON stays JSON', () => {
    assert.equal(safeText('ok'), 'ok');
    assert.equal(safeText('a\nb\u001b'), 'a\\x0ab\\x1b');
    assert.equal(safeLines('a\nb\u0007'), 'a\nb\\x07');
    assert.equal(JSON.parse(safeJson(JSON.stringify({ p: evil }))).p, evil);
  });
});
