import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allDirs, flatten, fromTree } from '../../src/tui/model/files.js';
import { HistoryIndex } from '../../src/tui/model/history.js';
import { imageRows, treeDirs } from '../../src/tui/model/rows.js';
import { bigAnalysis, smallAnalysis } from './synthetic.js';
import type { Analysis } from '../../src/analysis/types.js';

// The image view's rows are read from the merged tree as they are drawn; they must be exactly the
// rows flattening a FileNode copy of the tree gives, in every order and under any folds.
function same(analysis: Analysis): void {
  const tree = fromTree(analysis.root);
  const dirs = [...allDirs(tree)];
  assert.deepEqual(new Set(treeDirs(analysis.root)), new Set(dirs));
  const folds = [new Set<string>(), new Set(dirs.filter((_, i) => i % 3 === 1)), new Set(dirs)];
  for (const sort of ['name', 'size'] as const) {
    for (const collapsed of folds) {
      const want = flatten(tree, { collapsed, sort });
      const got = imageRows(analysis.root, collapsed, sort);
      assert.equal(got.length, want.length);
      for (let i = 0; i < want.length; i++) {
        const w = want[i];
        const { children, ...node } = w.node;
        const g = got.at(i)!;
        const { children: gc, ...gnode } = g.node;
        assert.deepEqual([gnode, g.depth, g.collapsed, gc !== undefined], [node, w.depth, w.collapsed, children !== undefined]);
        assert.equal(got.indexOf(w.node.path), i);
      }
      assert.equal(got.at(-1), undefined);
      assert.equal(got.at(want.length), undefined);
      assert.equal(got.indexOf('no/such/path'), -1);
      for (const d of collapsed) for (const r of flatten(findDir(tree, d), { collapsed: new Set(), sort })) assert.equal(got.indexOf(r.node.path), -1);
    }
  }
}
const findDir = (tree: ReturnType<typeof fromTree>, path: string) => {
  let n = tree;
  for (const p of path.split('/')) n = n.children!.find((c) => c.name === p)!;
  return n;
};

test('image rows read from the merged tree are the flattened FileNode rows', () => {
  same(smallAnalysis().analysis);
  same(bigAnalysis(3000, 4).analysis);
});

test('history: what a layer did at a path is its last change there', () => {
  const { analysis } = smallAnalysis();
  const h = new HistoryIndex(analysis.layers, analysis.waste);
  for (const l of analysis.layers) {
    const want = new Map(l.changes.map((c) => [c.path, c.kind]));
    for (const c of analysis.layers.flatMap((x) => x.changes)) assert.equal(h.kindIn(c.path, l.index), want.get(c.path));
  }
});
