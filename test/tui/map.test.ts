import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findFindings } from '../../src/analysis/findings/find.js';
import type { Finding } from '../../src/analysis/findings/types.js';
import { CATEGORY_CHAR, bar, dirRows, layerBreakdowns, parentPath, stageBreakdowns } from '../../src/tui/model/map.js';
import { smallAnalysis } from './synthetic.js';

/** The Map's view-model on the synthetic three-layer image (see synthetic.ts for what each layer does). */

const cache: Finding = {
  rule: 'pip-cache', category: 'cache', severity: 'medium', bytes: 400, layer: 1, instruction: 'COPY',
  paths: [{ path: '/app/main.js', bytes: 400, count: 1 }], fix: 'f', why: 'w',
};

test('layer breakdowns: wasted from the layer, flagged from findings, the rest needed; they add up', () => {
  const { analysis, origins, contents } = smallAnalysis();
  const findings = [...findFindings({ analysis, contents, origins }).findings, cache];
  const layers = layerBreakdowns(analysis, findings, origins);
  assert.deepEqual(layers.map((l) => [l.bytes, l.parts.waste, l.parts.cache, l.parts.needed]), [
    [6100, 5100, 0, 1000],
    [9400, 3000, 400, 6000],
    [100, 0, 0, 100],
  ]);
  for (const l of layers) assert.equal(Object.values(l.parts).reduce((a, b) => a + b, 0), l.bytes);
  const stages = stageBreakdowns(layers, origins);
  assert.deepEqual(stages.map((s) => [s.label, s.bytes]), [['base busybox:latest', 6100], ['stage final', 9500]]);
});

test('bars: cells in proportion, adding up to the scaled width; a small flagged part still shows', () => {
  const parts = { needed: 900, waste: 95, toolchain: 0, cache: 5, source: 0, leftover: 0, secret: 0 };
  const b = bar({ label: 'x', bytes: 1000, parts }, 20, 1000);
  assert.equal(b.length, 20);
  assert.equal([...b].filter((c) => c === CATEGORY_CHAR.waste).length, 2);
  assert.equal([...b].filter((c) => c === CATEGORY_CHAR.cache).length, 1, 'a 0.5% cache part gets a cell');
  assert.equal(bar({ label: 'half', bytes: 500, parts: { ...parts, needed: 500, waste: 0, cache: 0 } }, 20, 1000).length, 10);
  assert.equal(bar({ label: 'none', bytes: 0, parts }, 20, 1000), '');
});

test('directories by size with what findings flag below them; parents of paths', () => {
  const { analysis } = smallAnalysis();
  const rows = dirRows(analysis.root, '', [cache]);
  assert.deepEqual(rows.map((r) => [r.name, r.bytes, r.dir, r.bytes - r.parts.needed]), [
    ['app', 6400, true, 400],
    ['bin', 1000, true, 0],
    ['etc', 100, true, 0],
    ['root', 0, true, 0],
  ]);
  assert.deepEqual(dirRows(analysis.root, 'app', [cache]).map((r) => [r.path, r.dir, r.parts.cache]), [['app/big.bin', false, 0], ['app/main.js', false, 400]]);
  assert.deepEqual(dirRows(analysis.root, 'app/big.bin', []), [], 'a file is not a directory');
  assert.equal(parentPath('app/x/y'), 'app/x');
  assert.equal(parentPath('app'), '');
});
