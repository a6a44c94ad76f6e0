import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allDirs, both, flatten, fromChanges, fromTree, fromWaste, pathFilter, underAny, findNode } from '../../src/tui/model/files.js';
import { HistoryIndex } from '../../src/tui/model/history.js';
import { layerRows, rowLayer, rowOfLayer } from '../../src/tui/model/layers.js';
import { findingItems } from '../../src/tui/model/findings.js';
import { findFindings } from '../../src/analysis/findings/find.js';
import { initialLoading, reduceProgress, summarize } from '../../src/tui/model/loading.js';
import { follow, move } from '../../src/tui/model/scroll.js';
import type { Finding } from '../../src/analysis/findings/types.js';
import { smallAnalysis } from './synthetic.js';

const paths = (rows: { node: { path: string } }[]) => rows.map((r) => r.node.path);

test('image tree: sorted by name, directory totals, collapse hides children', () => {
  const { analysis } = smallAnalysis();
  const tree = fromTree(analysis.root);
  assert.deepEqual(paths(flatten(tree, { collapsed: new Set(), sort: 'name' })), ['app', 'app/big.bin', 'app/main.js', 'bin', 'bin/sh', 'etc', 'etc/passwd', 'root']);
  assert.equal(findNode(tree, 'app')!.size, 6400);
  const rows = flatten(tree, { collapsed: new Set(['app']), sort: 'name' });
  assert.deepEqual(paths(rows).slice(0, 2), ['app', 'bin']);
  assert.equal(rows[0].collapsed, true);
  assert.equal(rows.find((r) => r.node.path === 'bin/sh')!.depth, 1);
});

test('sort by size puts the biggest first at every level', () => {
  const { analysis } = smallAnalysis();
  const rows = flatten(fromTree(analysis.root), { collapsed: new Set(), sort: 'size' });
  assert.deepEqual(paths(rows).slice(0, 4), ['app', 'app/big.bin', 'app/main.js', 'bin']);
});

test('path filter keeps matches and their ancestors; matching directories keep their subtree', () => {
  const { analysis } = smallAnalysis();
  const tree = fromTree(analysis.root);
  assert.deepEqual(paths(flatten(tree, { collapsed: new Set(), sort: 'name', keep: pathFilter('PASS') })), ['etc', 'etc/passwd']);
  assert.deepEqual(paths(flatten(tree, { collapsed: new Set(), sort: 'name', keep: pathFilter('/app') })), ['app', 'app/big.bin', 'app/main.js']);
  // collapsed matching directory: shown, children hidden
  assert.deepEqual(paths(flatten(tree, { collapsed: new Set(['etc']), sort: 'name', keep: pathFilter('passwd') })), ['etc']);
  assert.deepEqual(paths(flatten(tree, { collapsed: new Set(), sort: 'name', keep: both(pathFilter('a'), underAny(['/etc'])) })), ['etc', 'etc/passwd']);
  assert.deepEqual(paths(flatten(tree, { collapsed: new Set(), sort: 'name', keep: pathFilter('nothing-here') })), []);
});

test('layer tree marks added, modified, metadata-only and removed paths', () => {
  const { analysis } = smallAnalysis();
  const l1 = flatten(fromChanges(analysis.layers[1].changes, 1), { collapsed: new Set(), sort: 'name' });
  const mark = (rows: typeof l1, p: string) => rows.find((r) => r.node.path === p)?.node.mark;
  assert.equal(mark(l1, 'app/big.bin'), 'modified');
  assert.equal(mark(l1, 'root/.cache/pip.bin'), 'added');
  const l2 = flatten(fromChanges(analysis.layers[2].changes, 2), { collapsed: new Set(), sort: 'name' });
  assert.equal(mark(l2, 'etc/passwd'), 'metadata');
  assert.equal(mark(l2, 'root/.cache'), 'removed');
  assert.equal(l2.find((r) => r.node.path === 'root/.cache')!.node.size, 3000);
});

test('waste tree shows every wasted byte where it was shipped, with how it was hidden', () => {
  const { analysis } = smallAnalysis();
  const rows = flatten(fromWaste(analysis.waste), { collapsed: new Set(), sort: 'size' });
  const by = new Map(rows.map((r) => [r.node.path, r.node]));
  assert.equal(by.get('app/big.bin')!.mark, 'modified');
  assert.equal(by.get('app/big.bin')!.size, 5000);
  assert.equal(by.get('root/.cache/pip.bin')!.mark, 'removed');
  assert.equal(by.get('etc/passwd')!.mark, 'metadata');
  assert.equal(rows[0].node.path, 'app');
  assert.deepEqual([...allDirs(fromWaste(analysis.waste))].sort(), ['app', 'etc', 'root', 'root/.cache']);
});

test('file history lists every layer that touched a path, waste, and removals of a parent', () => {
  const { analysis } = smallAnalysis();
  const h = new HistoryIndex(analysis.layers, analysis.waste);
  assert.deepEqual(h.of('app/big.bin'), [
    { layer: 0, kind: 'added', size: 5000, wasted: 'overwritten' },
    { layer: 1, kind: 'modified', size: 6000 },
  ]);
  assert.deepEqual(h.of('root/.cache/pip.bin'), [
    { layer: 1, kind: 'added', size: 3000, wasted: 'deleted' },
    { layer: 2, kind: 'removed', size: 3000, via: 'root/.cache' },
  ]);
  assert.deepEqual(h.of('etc/passwd').map((s) => [s.layer, s.kind, s.wasted]), [[0, 'added', 'metadata'], [2, 'metadata', undefined]]);
});

test('layer rows fold the base image layers into one row', () => {
  const { analysis, origins } = smallAnalysis();
  const o = [{ ...origins[0] }, { ...origins[1], base: 'busybox:latest', stage: undefined }, origins[2]];
  const folded = layerRows(analysis.layers, o, true);
  assert.equal(folded.length, 2);
  assert.deepEqual(folded[0], { kind: 'base', first: 0, last: 1, base: 'busybox:latest', bytes: 1100 + 5000 + 9400, wasted: 5000 + 100 + 3000 });
  assert.equal(rowLayer(folded[0]), 1);
  assert.equal(rowOfLayer(folded, 0), 0);
  assert.equal(rowOfLayer(folded, 2), 1);
  assert.equal(layerRows(analysis.layers, o, false).length, 3);
  // a single base layer does not fold
  assert.equal(layerRows(analysis.layers, origins, true).length, 3);
});

test('findings: the pipeline\'s findings as rows, largest first, each with the layer and path to jump to', () => {
  const { analysis, origins, contents } = smallAnalysis();
  const f: Finding = {
    rule: 'pip-cache', category: 'cache', severity: 'medium', bytes: 4000, layer: 1, instruction: origins[1].instruction,
    paths: [{ path: '/root/.cache', bytes: 3000, count: 1 }, { path: '/root/.npm', bytes: 1000, count: 2 }], fix: 'pip install --no-cache-dir', why: 'caches are not needed at run time',
  };
  const waste = findFindings({ analysis, contents, origins }).findings;
  const items = findingItems([f, ...waste]);
  assert.deepEqual(items.map((i) => [i.title, i.bytes, i.layer, i.path]), [
    ['waste-overwritten /app/big.bin', 5000, 0, 'app/big.bin'],
    ['pip-cache /root/.cache (+1 more)', 4000, 1, 'root/.cache'],
    ['waste-deleted /root/.cache/pip.bin', 3000, 1, 'root/.cache/pip.bin'],
    ['waste-metadata /etc/passwd', 100, 0, 'etc/passwd'],
  ]);
  assert.deepEqual(items[1].paths, ['root/.cache', 'root/.npm']);
  assert.deepEqual(findingItems([]), []);
});

test('loading progress: per layer bytes, done count, rate, downloads', () => {
  let s = initialLoading(0, [1000, 2000]);
  s = reduceProgress(s, { type: 'layer', layer: 1, layers: 2, bytesRead: 500, done: false });
  s = reduceProgress(s, { type: 'layer', layer: 0, layers: 2, bytesRead: 1000, done: true });
  assert.deepEqual(s.active, [1]);
  let sum = summarize(s, 2000);
  assert.deepEqual(sum, { done: 1, layers: 2, bytesRead: 1500, rate: 750, totalBytes: 3000 });
  s = reduceProgress(s, { type: 'download', id: 'sha256:a', bytes: 10, total: 100, done: false });
  sum = summarize(s, 1000);
  assert.deepEqual(sum.download, { bytes: 10, total: 100, active: 1 });
});

test('scrolling keeps the cursor in view; moves clamp', () => {
  assert.equal(follow(0, 15, 10, 100), 6);
  assert.equal(follow(6, 3, 10, 100), 3);
  assert.equal(follow(50, 99, 10, 100), 90);
  assert.equal(follow(95, 95, 10, 100), 90);
  assert.equal(move(0, 'up', 10, 5), 0);
  assert.equal(move(0, 'pageDown', 10, 5), 4);
  assert.equal(move(3, 'home', 10, 5), 0);
  assert.equal(move(0, 'end', 10, 5), 4);
  assert.equal(move(0, 'down', 10, 0), 0);
});
