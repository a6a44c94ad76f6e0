/**
 * withCaptures (src/pipeline/walk.ts): a layer walked again for another image's entrypoint is
 * stored back with what both walks kept, never with entries of another tar.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withCaptures } from '../../src/pipeline/walk.js';
import type { CachedLayer } from '../../src/pipeline/layer-cache.js';
import type { FileEntry } from '../../src/walk/types.js';

const file = (path: string, size: number, more: Partial<FileEntry> = {}): FileEntry => ({ path, kind: 'file', size, mode: 0o755, uid: 0, gid: 0, mtime: 0, ...more });
const layer = (entries: FileEntry[], skipped = 0): CachedLayer => ({
  contents: { index: 3, entries, whiteouts: ['gone'], opaqueDirs: [], compression: 'gzip', verified: true },
  skipped,
});
const elf = (n: number) => Buffer.alloc(n, 0x7f);

test("keeps the fresh walk's entries and adds the earlier walk's longer prefixes and named paths", () => {
  const earlier = layer([file('usr/bin/a', 1000, { content: elf(64), named: ['/etc/hosts'] }), file('usr/bin/b', 1000, { content: elf(16) }), file('etc/x', 5)]);
  const fresh = layer([file('usr/bin/a', 1000, { content: elf(16) }), file('usr/bin/b', 1000, { content: elf(256), named: ['/etc/passwd'] }), file('etc/x', 5, { content: Buffer.from('hello') })], 2);
  const got = withCaptures(fresh, earlier);
  const [a, b, x] = got.contents.entries;
  assert.equal(a.content?.length, 64);
  assert.deepEqual(a.named, ['/etc/hosts']);
  assert.equal(b.content?.length, 256, "the fresh walk's longer prefix stays");
  assert.deepEqual(b.named, ['/etc/passwd']);
  assert.equal(x.content?.toString(), 'hello');
  assert.equal(got.skipped, 2);
  assert.deepEqual(got.contents.whiteouts, ['gone']);
  // The fresh walk's own objects are not changed (the run may still hold them).
  assert.equal(fresh.contents.entries[0].content?.length, 16);
});

test('entries that do not line up (another tar): the fresh walk alone', () => {
  const fresh = layer([file('usr/bin/a', 1000)]);
  for (const earlier of [layer([file('usr/bin/a', 1000, { content: elf(64) }), file('b', 1)]), layer([file('usr/bin/z', 1000, { content: elf(64) })]), layer([file('usr/bin/a', 999, { content: elf(64) })])]) {
    assert.equal(withCaptures(fresh, earlier), fresh);
  }
});

test('nothing to add: the fresh walk itself', () => {
  const fresh = layer([file('usr/bin/a', 1000, { content: elf(64) })]);
  assert.equal(withCaptures(fresh, layer([file('usr/bin/a', 1000, { content: elf(16) })])), fresh);
});
