/**
 * The overlay merge on small, explicit layer lists: the edge cases of whiteout and hardlink
 * semantics that are easiest to pin down in isolation. Real-image behaviour is covered in
 * test/inspect/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../src/analysis/merge.js';
import type { FileEntry, LayerContents } from '../../src/walk/types.js';

function f(path: string, size: number, extra: Partial<FileEntry> = {}): FileEntry {
  return { path, kind: 'file', size, mode: 0o644, uid: 0, gid: 0, mtime: 0, ...extra };
}
function d(path: string): FileEntry {
  return { path, kind: 'dir', size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0 };
}
function layer(index: number, entries: FileEntry[], whiteouts: string[] = [], opaqueDirs: string[] = []): LayerContents {
  return { index, entries, whiteouts, opaqueDirs, compression: 'none', verified: false };
}
function invariant(a: ReturnType<typeof analyze>): void {
  assert.equal(a.totalBytes - a.finalBytes, a.waste.reduce((s, w) => s + w.bytes, 0), 'total - final = sum(waste)');
  assert.equal(a.wastedBytes, a.totalBytes - a.finalBytes);
}

test('an opaque directory hides lower contents but keeps what its own layer adds', () => {
  const a = analyze([
    layer(0, [d('cfg'), f('cfg/a', 10), f('cfg/b', 20)]),
    layer(1, [d('cfg'), f('cfg/new', 5)], [], ['cfg']),
  ]);
  invariant(a);
  assert.equal(a.finalBytes, 5);
  assert.deepEqual(a.waste.map((w) => [w.path, w.kind, w.shippedIn, w.hiddenBy]), [
    ['cfg/b', 'deleted', 0, 1],
    ['cfg/a', 'deleted', 0, 1],
  ]);
});

test('a whited-out directory wastes everything below it, and a later re-add is not waste', () => {
  const a = analyze([
    layer(0, [d('x'), d('x/y'), f('x/y/z', 100), f('x/w', 50)]),
    layer(1, [], ['x']),
    layer(2, [f('x/w', 50)]),
  ]);
  invariant(a);
  assert.equal(a.finalBytes, 50);
  assert.equal(a.wastedBytes, 150);
  assert.ok(a.waste.every((w) => w.kind === 'deleted' && w.hiddenBy === 1));
});

test('bytes stay visible through a surviving hardlink', () => {
  const a = analyze([
    layer(0, [f('h/a', 1000), { ...f('h/b', 0), kind: 'hardlink', linkname: 'h/a' }]),
    layer(1, [], ['h/a']),
  ]);
  invariant(a);
  assert.equal(a.finalBytes, 1000);
  assert.equal(a.wastedBytes, 0);
  assert.equal(a.files, 1);
});

test('same content with a new mode is metadata waste; new content is overwritten', () => {
  const a = analyze([
    layer(0, [f('a', 100, { digest: 'aa' }), f('b', 100, { digest: 'bb' })]),
    layer(1, [f('a', 100, { digest: 'aa', mode: 0o600 }), f('b', 100, { digest: 'cc' })]),
  ]);
  invariant(a);
  const kinds = Object.fromEntries(a.waste.map((w) => [w.path, w.kind]));
  assert.deepEqual(kinds, { a: 'metadata', b: 'overwritten' });
  assert.deepEqual(a.layers[1].changes.map((c) => c.kind), ['metadata', 'modified']);
});

test('a file replacing a directory hides the whole subtree', () => {
  const a = analyze([layer(0, [d('p'), f('p/q', 7)]), layer(1, [f('p', 3)])]);
  invariant(a);
  assert.equal(a.finalBytes, 3);
  assert.deepEqual(a.waste.map((w) => [w.path, w.kind]), [['p/q', 'overwritten']]);
});

test('directory sizes are the visible bytes below them', () => {
  const a = analyze([layer(0, [f('a/b/c', 10), f('a/d', 5), f('e', 1)])]);
  assert.equal(a.root.size, 16);
  assert.equal(a.root.children!.get('a')!.size, 15);
  assert.equal(a.root.children!.get('a')!.children!.get('b')!.size, 10);
});

test('a hardlink to a file of a lower layer keeps those bytes visible', () => {
  const a = analyze([
    layer(0, [f('x/orig', 500)]),
    layer(1, [{ ...f('x/link', 0), kind: 'hardlink', linkname: 'x/orig' }], []),
    layer(2, [], ['x/orig']),
  ]);
  invariant(a);
  assert.equal(a.finalBytes, 500);
  assert.equal(a.wastedBytes, 0);
});
