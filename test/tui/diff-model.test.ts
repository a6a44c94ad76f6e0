import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DiffItem } from '../../src/analysis/diff.js';
import type { LayerStats } from '../../src/analysis/types.js';
import { allDirs, flatten, pathFilter } from '../../src/tui/model/files.js';
import { type DiffNode, diffLayerRows, diffMark, diffTree, writtenBy } from '../../src/tui/model/diff.js';

/** The diff screen's view-model on hand-written DiffItems (pure: every case the tree must handle). */

const items: DiffItem[] = [
  { path: '/usr/local/bin/app', change: 'added', beforeBytes: 0, afterBytes: 300_000, contentChanged: true, afterLayer: 1 },
  { path: '/usr/lib/libz.so', change: 'changed', beforeBytes: 90_000, afterBytes: 100_000, contentChanged: true, beforeLayer: 1, afterLayer: 2 },
  { path: '/usr/lib/libc.so', change: 'changed', beforeBytes: 5_000, afterBytes: 5_000, contentChanged: false, beforeLayer: 0, afterLayer: 3 },
  { path: '/data/keep.bin', change: 'removed', beforeBytes: 5_000, afterBytes: 0, contentChanged: true, beforeLayer: 1 },
  { path: '/a.txt', change: 'removed', beforeBytes: 40, afterBytes: 0, contentChanged: true, beforeLayer: 2 },
];

const find = (root: DiffNode, path: string): DiffNode => {
  const rows = flatten(root, { collapsed: new Set(), sort: 'name' });
  const r = rows.find((x) => x.node.path === path);
  assert.ok(r, `no row ${path}`);
  return r.node as DiffNode;
};
const paths = (root: DiffNode, opts: Partial<Parameters<typeof flatten>[1]> = {}) =>
  flatten(root, { collapsed: new Set(), sort: 'name', ...opts }).map((r) => `${'  '.repeat(r.depth)}${r.node.path}`);

test('marks: + added, - removed, ~ content changed, m metadata only', () => {
  assert.deepEqual(items.map(diffMark), ['added', 'modified', 'metadata', 'removed', 'removed']);
});

test('tree of changed paths only, directories with net deltas, before/after totals and counts', () => {
  const t = diffTree(items);
  assert.deepEqual(paths(t), ['a.txt', 'data', '  data/keep.bin', 'usr', '  usr/lib', '    usr/lib/libc.so', '    usr/lib/libz.so', '  usr/local', '    usr/local/bin', '      usr/local/bin/app']);
  const usr = find(t, 'usr');
  assert.equal(usr.delta, 310_000);
  assert.equal(usr.before, 95_000);
  assert.equal(usr.after, 405_000);
  assert.deepEqual(usr.counts, { added: 1, removed: 0, modified: 1, metadata: 1 });
  assert.equal(usr.mark, undefined, 'a directory only there for its contents has no mark');
  assert.equal(find(t, 'data').delta, -5_000);
  assert.equal(find(t, 'usr/lib/libc.so').delta, 0);
  assert.equal(find(t, 'usr/lib/libc.so').mark, 'metadata');
  assert.equal(find(t, 'usr/lib/libz.so').layer, 2, 'the layer that wrote it in the second image');
  assert.equal(t.delta, 310_000 - 5_040);
  assert.deepEqual(t.counts, { added: 1, removed: 2, modified: 1, metadata: 1 });
});

test('sort by |delta| puts large removals next to large additions', () => {
  const t = diffTree(items);
  assert.deepEqual(paths(t, { sort: 'size' }).slice(0, 4), ['usr', '  usr/local', '    usr/local/bin', '      usr/local/bin/app']);
  assert.deepEqual(paths(t, { sort: 'size' }).filter((p) => !p.startsWith(' ')), ['usr', 'data', 'a.txt']);
  // inside usr/lib: +10 kB before ±0
  assert.deepEqual(paths(t, { sort: 'size' }).filter((p) => p.includes('usr/lib/')).map((p) => p.trim()), ['usr/lib/libz.so', 'usr/lib/libc.so']);
});

test('filter keeps matches and their directories; folding hides children; fold all', () => {
  const t = diffTree(items);
  assert.deepEqual(paths(t, { keep: pathFilter('LIB') }), ['usr', '  usr/lib', '    usr/lib/libc.so', '    usr/lib/libz.so']);
  assert.deepEqual(paths(t, { keep: pathFilter('/keep') }), ['data', '  data/keep.bin']);
  assert.deepEqual(paths(t, { keep: pathFilter('nothing') }), []);
  assert.deepEqual(paths(t, { collapsed: new Set(['usr']) }), ['a.txt', 'data', '  data/keep.bin', 'usr']);
  assert.deepEqual(paths(t, { collapsed: allDirs(t) }), ['a.txt', 'data', 'usr']);
});

test('writtenBy keeps the paths a layer of one image wrote', () => {
  const t = diffTree(items);
  assert.deepEqual(paths(t, { keep: writtenBy('before', 1) }).map((p) => p.trim()), ['data', 'data/keep.bin', 'usr', 'usr/lib', 'usr/lib/libz.so']);
  assert.deepEqual(paths(t, { keep: writtenBy('after', 1) }).map((p) => p.trim()), ['usr', 'usr/local', 'usr/local/bin', 'usr/local/bin/app']);
  assert.deepEqual(paths(t, { keep: writtenBy('after', 9) }), []);
});

test('a path removed and added (type change) is one ~ change; a directory replaced by a file keeps both', () => {
  const t = diffTree([
    { path: '/bin/sh', change: 'removed', beforeBytes: 0, afterBytes: 0, contentChanged: true, beforeLayer: 0 },
    { path: '/bin/sh', change: 'added', beforeBytes: 0, afterBytes: 1_000, contentChanged: true, afterLayer: 2 },
    { path: '/etc/conf/a', change: 'removed', beforeBytes: 10, afterBytes: 0, contentChanged: true, beforeLayer: 1 },
    { path: '/etc/conf', change: 'added', beforeBytes: 0, afterBytes: 30, contentChanged: true, afterLayer: 1 },
  ]);
  const sh = find(t, 'bin/sh');
  assert.equal(sh.mark, 'modified');
  assert.equal(sh.delta, 1_000);
  assert.equal(sh.item?.beforeLayer, 0);
  assert.equal(sh.item?.afterLayer, 2);
  const conf = find(t, 'etc/conf');
  assert.equal(conf.mark, 'added');
  assert.ok(conf.children?.length === 1);
  assert.equal(conf.delta, 20, 'its own +30 and the -10 below it');
});

test('no changes: an empty tree', () => {
  const t = diffTree([]);
  assert.deepEqual(paths(t), []);
  assert.equal(t.delta, 0);
});

test('layer rows: the first image then the second, the shared bottom layers marked in both', () => {
  const L = (index: number, bytes: number): LayerStats => ({ index, bytes, files: 1, wastedBytes: 0, hidBytes: 0, changes: [] });
  const o = (index: number, instruction: string) => ({ index, instruction });
  const rows = diffLayerRows([L(0, 10), L(1, 20), L(2, 5)], [o(0, 'ADD rootfs'), o(1, 'RUN a'), o(2, 'RUN b')], [L(0, 10), L(1, 20), L(2, 7), L(3, 1)], [o(0, 'ADD rootfs'), o(1, 'RUN a'), o(2, 'RUN c')], 2);
  assert.deepEqual(
    rows.map((r) => [r.side, r.layer.index, r.shared, r.layer.instruction]),
    [
      ['before', 0, true, 'ADD rootfs'], ['before', 1, true, 'RUN a'], ['before', 2, false, 'RUN b'],
      ['after', 0, true, 'ADD rootfs'], ['after', 1, true, 'RUN a'], ['after', 2, false, 'RUN c'], ['after', 3, false, '(no history)'],
    ],
  );
});
