import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FileNode, allDirs, flatten, fromChanges, fromTree, fromWaste } from '../../src/tui/model/files.js';
import { HistoryIndex } from '../../src/tui/model/history.js';
import { type Rows, imageRows, treeDirs, treeRows } from '../../src/tui/model/rows.js';
import { bigAnalysis, smallAnalysis } from './synthetic.js';
import type { Analysis } from '../../src/analysis/types.js';
import { releaseContents } from '../../src/tui/data.js';

// The image view's rows are read from the merged tree as they are drawn; they must be exactly the
// rows flattening a FileNode copy of the tree gives, in every order and under any folds.
function same(analysis: Analysis): void {
  const tree = fromTree(analysis.root);
  assert.deepEqual(new Set(treeDirs(analysis.root)), allDirs(tree));
  check(tree, (collapsed, sort) => imageRows(analysis.root, collapsed, sort));
  // A layer's changes and the waste list as trees: their rows are the FileNodes themselves.
  for (const l of analysis.layers) {
    const t = fromChanges(l.changes, l.index);
    check(t, (collapsed, sort) => treeRows(t, collapsed, sort), true);
  }
  const w = fromWaste(analysis.waste);
  check(w, (collapsed, sort) => treeRows(w, collapsed, sort), true);
}

function check(tree: FileNode, rowsOf: (collapsed: ReadonlySet<string>, sort: 'name' | 'size') => Rows, identical = false): void {
  const dirs = [...allDirs(tree)];
  const folds = [new Set<string>(), new Set(dirs.filter((_, i) => i % 3 === 1)), new Set(dirs)];
  for (const sort of ['name', 'size'] as const) {
    for (const collapsed of folds) {
      const want = flatten(tree, { collapsed, sort });
      const got = rowsOf(collapsed, sort);
      assert.equal(got.length, want.length);
      for (let i = 0; i < want.length; i++) {
        const w = want[i];
        const { children, ...node } = w.node;
        const g = got.at(i)!;
        const { children: gc, ...gnode } = g.node;
        assert.deepEqual([gnode, g.depth, g.collapsed, gc !== undefined], [node, w.depth, w.collapsed, children !== undefined]);
        if (identical) assert.equal(g.node, w.node);
        assert.equal(got.indexOf(w.node.path), want.findIndex((r) => r.node.path === w.node.path));
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
  same(bigAnalysis(1500, 4).analysis);
});

test('history: what a layer did at a path is its last change there', () => {
  const { analysis } = smallAnalysis();
  const h = new HistoryIndex(analysis.layers, analysis.waste);
  for (const l of analysis.layers) {
    const want = new Map(l.changes.map((c) => [c.path, c.kind]));
    for (const c of analysis.layers.flatMap((x) => x.changes)) assert.equal(h.kindIn(c.path, l.index), want.get(c.path));
  }
});

test('the screen lets go of captured file contents and keeps everything else', () => {
  const { analysis } = smallAnalysis();
  const app = analysis.root.children!.get('app')!.children!.get('main.js')!;
  app.data!.content = Buffer.from('console.log(1)');
  const before = fromTree(analysis.root);
  releaseContents(analysis.root);
  assert.equal(app.data!.content, undefined);
  assert.deepEqual(fromTree(analysis.root), before);
});
