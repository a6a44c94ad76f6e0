import assert from 'node:assert/strict';
import { afterEach, before, test } from 'node:test';
import React from 'react';
import { cleanup } from 'ink-testing-library';
import { KEY, drive } from './drive.js';
import { DiffApp } from '../../src/tui/DiffApp.js';
import type { DiffData } from '../../src/tui/data.js';
import { compareImages } from '../../src/compare.js';
import { resolveImage } from '../../src/source/resolve.js';
import { historyOrigins } from '../../src/analysis/attribution/index.js';
import { analyze } from '../../src/analysis/merge.js';
import { diffImages } from '../../src/analysis/diff.js';
import type { FileEntry, LayerContents } from '../../src/walk/types.js';
import { fixture } from '../helpers/cli.js';

/**
 * Drives the diff screen key by key on real comparisons of the committed fixture images (read by the
 * real pipeline) and asserts what the 80x23 frame shows.
 */

async function load(a: string, b: string): Promise<DiffData> {
  const x = await resolveImage(fixture(a), {});
  const y = await resolveImage(fixture(b), {});
  try {
    const c = await compareImages(x, y);
    const side = (ins: typeof c.before, reference: string) => ({ reference, analysis: ins.analysis, origins: historyOrigins(ins.image.config, ins.image.layers.length) });
    return { before: side(c.before, a), after: side(c.after, b), diff: c.diff };
  } finally {
    await x.close();
    await y.close();
  }
}

let delMulti: DiffData;
let overChmod: DiffData;
before(async () => {
  delMulti = await load('delete.tar', 'multistage.tar');
  overChmod = await load('overwrite.tar', 'chmod.tar');
});
afterEach(cleanup);

function open(d: DiffData, width = 80, height = 23) {
  return drive((onQuit) => <DiffApp data={d} width={width} height={height} theme={{}} onQuit={onQuit} />);
}

/** At 80x23: header 0-2, Layers (left, 36 wide) and Changes 3-16 / Details 17-21 on the right, keys 22. */
const inner = (l: string) => l.replace(/^[│║]|[│║]$/g, '').trimEnd();
/** Tree rows with runs of spaces folded (indentation and padding are not what these tests check). */
const tree = (f: string) => f.split('\n').slice(5, 16).map((l) => inner(l.slice(36)).trim().replace(/ +/g, ' ')).filter(Boolean);
const status = (f: string) => inner(f.split('\n')[4].slice(36)).trim();
const details = (f: string) => f.split('\n').slice(18, 21).map((l) => inner(l.slice(36)));
const layers = (f: string) => f.split('\n').slice(4, 21).map((l) => inner(l.slice(0, 36))).filter((l) => l.trim());
/** The selected tree row (› is not drawn there: the selected row is the one the Details box names). */
const selected = (f: string) => details(f)[0];

test('first frame: both references, size and visible bytes with signed deltas, waste, shared layers, tree, details, keys', async () => {
  const { frame } = await open(delMulti);
  const f = frame();
  const lines = f.split('\n');
  assert.equal(lines.length, 23);
  // (ink drops trailing spaces, so only the boxed lines are exactly 80 wide)
  for (const l of lines.slice(3, 22)) assert.equal(l.length, 80, `not 80 wide: ${JSON.stringify(l)}`);
  assert.match(lines[0], /^msb diff {2}A delete\.tar {2}→ {2}B multistage\.tar/);
  assert.match(lines[1], /^size 2\.25 MB → 2\.28 MB \(\+35 kB\) · visible 1\.99 MB → 2\.28 MB \(\+295 kB\)/);
  assert.match(lines[2], /^wasted 260 kB → 0 B · layers 4 → 2 \(1 shared\) · \+1 -1 ~0 m0 paths/);
  // layers: A0 and B0 are the same busybox layer (=), the others are not
  const ls = layers(f);
  assert.equal(ls.length, 6);
  assert.match(ls[0], /^›A0= 1\.98 MB ADD file:/);
  assert.match(ls[1], /^ A1 {3}265 kB RUN mkdir -p \/data/);
  assert.match(ls[4], /^ B0= 1\.98 MB ADD file:/);
  assert.match(ls[5], /^ B1 {3}300 kB COPY file:/);
  assert.match(f, /▶ Changes 1\/6/);
  assert.equal(status(f), '2 changed · by path');
  assert.deepEqual(tree(f), ['−5 kB ▾ data/', '- −5 kB keep.bin', '+300 kB ▾ usr/', '+300 kB ▾ local/', '+300 kB ▾ bin/', '+ +300 kB app']);
  assert.match(f, /─ \/data\/ ─/);
  assert.match(details(f)[0], /^directory · −5 kB · \+0 -1 ~0 m0 below/);
  assert.match(details(f)[1], /^A +5 kB/);
  assert.match(details(f)[2], /^B +0 B/);
  assert.match(lines[22], /^\? keys {2}q quit {2}Tab pane {2}↑↓ move {2}←→ fold {2}s sort {2}\/ filter/);
});

test('moving: ↓ j ↑ k End Home PgDn PgUp; details show before/after size and the layer with its instruction', async () => {
  const { press } = await open(delMulti);
  let f = await press(KEY.down);
  assert.match(f, /─ \/data\/keep\.bin ─/);
  assert.match(selected(f), /^- removed · −5 kB/);
  assert.match(details(f)[1], /^A +5 kB {2}L1 RUN mkdir -p \/data\/dir/);
  assert.match(details(f)[2], /^B +— {2}not in this image/);
  f = await press(KEY.end);
  assert.match(f, /Changes 6\/6/);
  assert.match(selected(f), /^\+ added · \+300 kB/);
  assert.match(details(f)[1], /^A +— {2}not in this image/);
  assert.match(details(f)[2], /^B +300 kB {2}L1 COPY/);
  f = await press('k');
  assert.match(f, /─ \/usr\/local\/bin\/ ─/);
  f = await press(KEY.home);
  assert.match(f, /Changes 1\/6/);
  f = await press('j', 'j');
  assert.match(f, /Changes 3\/6/);
  f = await press(KEY.up);
  assert.match(f, /Changes 2\/6/);
  f = await press(KEY.pgDn);
  assert.match(f, /Changes 6\/6/);
  f = await press(KEY.pgUp);
  assert.match(f, /Changes 1\/6/);
});

test('folding: ← / h fold an open directory or go to the parent, → / l unfold, space and Enter toggle, z folds all', async () => {
  const { press } = await open(delMulti);
  let f = await press(KEY.left);
  assert.deepEqual(tree(f), ['−5 kB ▸ data/', '+300 kB ▾ usr/', '+300 kB ▾ local/', '+300 kB ▾ bin/', '+ +300 kB app']);
  f = await press(KEY.right);
  assert.match(tree(f)[1], /keep\.bin/);
  f = await press(KEY.end, 'h');
  assert.match(f, /─ \/usr\/local\/bin\/ ─/, 'h on a file goes to its directory');
  f = await press('h');
  assert.match(tree(f).at(-1)!, /▸ bin\//);
  f = await press('l');
  assert.match(tree(f).at(-1)!, /\+ \+300 kB +app/);
  f = await press(' ');
  assert.match(tree(f).at(-1)!, /▸ bin\//);
  f = await press(KEY.enter);
  assert.match(tree(f).at(-1)!, /app/);
  f = await press('z');
  assert.deepEqual(tree(f), ['−5 kB ▸ data/', '+300 kB ▸ usr/']);
  assert.match(f, /Changes 1\/2/);
  f = await press('z');
  assert.equal(tree(f).length, 6);
});

test('s sorts by the size of the change (|delta|, removals too) and back by path', async () => {
  const { press } = await open(overChmod);
  let f = await press();
  assert.deepEqual(tree(f).map((l) => l.split(' ').pop()), ['etc/', 'app.conf', 'opt/', 'big.bin', 'touched.txt', 'x.bin']);
  f = await press('s');
  assert.equal(status(f), '4 changed · by size of change');
  assert.deepEqual(tree(f), ['+950 kB ▾ opt/', '+ +1 MB big.bin', '- −70 kB x.bin', '+ +20 kB touched.txt', '−100 kB ▾ etc/', '- −100 kB app.conf']);
  assert.match(selected(f), /^directory · \+950 kB · \+2 -1 ~0 m0 below/);
  assert.match(details(f)[1], /^A +70 kB/);
  assert.match(details(f)[2], /^B +1\.02 MB/);
  f = await press('s');
  assert.equal(status(f), '4 changed · by path');
});

test('/ filters paths as typed (backspace edits), Enter keeps the filter, Esc clears it; nothing matches says so', async () => {
  const { press } = await open(overChmod);
  let f = await press('/', 'b', 'i', 'g');
  assert.match(f.split('\n')[22], /^filter \/big█ {2}Enter keep · Esc clear/);
  assert.deepEqual(tree(f), ['+950 kB ▾ opt/', '+ +1 MB big.bin']);
  f = await press(KEY.bs, KEY.bs, KEY.bs, 'x', 'y', 'z');
  assert.match(tree(f)[0], /nothing matches/);
  f = await press(KEY.bs, KEY.bs, KEY.bs, '.', 'b', 'i', 'n', KEY.enter);
  assert.match(f.split('\n')[22], /^\? keys/);
  assert.equal(status(f), '4 changed · by path · /.bin');
  assert.deepEqual(tree(f).map((l) => l.split(' ').pop()), ['opt/', 'big.bin', 'x.bin']);
  f = await press(KEY.esc);
  assert.equal(tree(f).length, 6);
  f = await press('/', 'c', 'o', 'n', 'f', KEY.esc);
  assert.equal(tree(f).length, 6, 'Esc while typing clears');
});

test('Tab: the Layers pane, both images, = on shared layers; details show the selected layer', async () => {
  const { press } = await open(overChmod);
  let f = await press(KEY.tab);
  assert.match(f, /▶ Layers A 4 · B 4/);
  assert.match(f, /─ Layer A0 ─/);
  assert.match(details(f)[0], /^A0 · 1\.98 MB · \d+ files · = B0 shared$/);
  assert.match(f.split('\n')[22], /↑↓ layer/);
  f = await press('j', 'j');
  assert.match(layers(f)[2], /^›A2 {3}100 kB RUN head -c 100000/);
  assert.match(details(f)[0], /^A2 · 100 kB · 1 file$/);
  assert.match(details(f).slice(1).join(' '), /^RUN head -c 100000 \/dev\/urandom > \/etc\/app\.conf/, 'the instruction wraps');
  f = await press(KEY.end);
  assert.match(f, /─ Layer B3 ─/);
  assert.match(details(f)[1], /sleep 1 && touch/);
  f = await press(KEY.pgUp, KEY.down, KEY.down, KEY.down, KEY.down);
  assert.match(f, /─ Layer B0 ─/);
  assert.match(details(f)[0], /^B0 · .* = A0 shared$/);
  f = await press(KEY.tab);
  assert.match(f, /▶ Changes/);
  assert.match(f, /─ \/etc\/ ─/);
});

test('Enter on a layer keeps only the paths it wrote (A or B side); a shared layer says nothing differs; Esc shows all', async () => {
  const { press } = await open(overChmod);
  let f = await press(KEY.tab, 'j', 'j', KEY.enter);
  assert.match(f, /▶ Changes 1\/2/, 'Enter goes to the tree');
  assert.equal(status(f), '4 changed · by path · A2 only');
  assert.deepEqual(tree(f), ['−100 kB ▾ etc/', '- −100 kB app.conf']);
  f = await press(KEY.tab, KEY.end, KEY.up, KEY.enter);
  assert.equal(status(f), '4 changed · by path · B2 only');
  assert.deepEqual(tree(f), ['+950 kB ▾ opt/', '+ +1 MB big.bin'], 'big.bin as B has it: written (chmod) by B2');
  f = await press(KEY.tab, KEY.home, KEY.enter);
  assert.equal(status(f), '4 changed · by path · A0 only');
  assert.match(tree(f)[0], /a shared layer: nothing it wrote differs/);
  f = await press(KEY.esc);
  assert.equal(status(f), '4 changed · by path');
  assert.equal(tree(f).length, 6);
});

test('~ content changed on a real rebuild (same app, another builder): equal size, new bytes', async () => {
  const d = await load('multistage.tar', 'multistage.buildkit.tar');
  const { press } = await open(d);
  const f = await press(KEY.end);
  assert.match(f.split('\n')[2], /\+0 -0 ~1 m0 paths/);
  assert.match(tree(f).at(-1)!, /^~ +±0 B +app$/);
  assert.match(selected(f), /^~ content changed · ±0 B/);
  assert.match(details(f)[1], /^A +300 kB {2}L1 /);
  assert.match(details(f)[2], /^B +300 kB {2}L2 /);
});

test('identical images: the tree says so', async () => {
  const d = await load('delete.tar', 'delete-zstd');
  const { frame } = await open(d);
  assert.match(frame(), /layers 4 → 4 \(4 shared\) · \+0 -0 ~0 m0/);
  assert.match(tree(frame())[0], /the final filesystems are identical/);
});

test('m metadata only (hand-made layers: same bytes, mode changed)', async () => {
  const f = (path: string, size: number, digest: string, mode = 0o644): FileEntry => ({ path, kind: 'file', size, mode, uid: 0, gid: 0, mtime: 0, digest });
  const L = (entries: FileEntry[]): LayerContents[] => [{ index: 0, entries, whiteouts: [], opaqueDirs: [], compression: 'none', verified: false }];
  const a = analyze(L([f('opt/run.sh', 500, 'x')]));
  const b = analyze(L([f('opt/run.sh', 500, 'x', 0o755)]));
  const side = (analysis: typeof a, reference: string) => ({ reference, analysis, origins: [{ index: 0, instruction: `COPY run.sh (${reference})` }] });
  const d: DiffData = { before: side(a, 'a'), after: side(b, 'b'), diff: diffImages({ analysis: a, diffIds: ['sha256:a'] }, { analysis: b, diffIds: ['sha256:b'] }) };
  const { press } = await open(d);
  const fr = await press(KEY.end);
  assert.match(tree(fr).at(-1)!, /^m +±0 B +run\.sh$/);
  assert.match(selected(fr), /^m metadata only · ±0 B/);
  assert.match(details(fr)[2], /^B +500 B {2}L0 COPY run\.sh \(b\)/);
});

test('? opens the keys overlay (marks explained), Esc closes; q and Ctrl-C quit', async () => {
  const { press, quits } = await open(delMulti);
  let f = await press('?');
  assert.match(f, /▶ Keys/);
  assert.match(f, /marks: \+ added {2}- removed {2}~ content changed {2}m metadata only {2}= shared layer/);
  assert.match(f, /s +Changes: sort by path/);
  f = await press('q');
  assert.equal(quits(), 0, 'q closes the overlay first');
  assert.match(f, /▶ Changes/);
  await press('?', KEY.esc);
  assert.equal(quits(), 0);
  await press('q');
  assert.equal(quits(), 1);
  await press(KEY.ctrlC);
  assert.equal(quits(), 2);
});

test('fits smaller and larger terminals: every line exactly as wide as the frame', async () => {
  for (const [w, h] of [[60, 16], [140, 40]]) {
    const { frame, r } = await open(overChmod, w, h);
    const lines = frame().split('\n');
    assert.equal(lines.length, h);
    for (const l of lines.slice(3, -1)) assert.equal(l.length, w, `${w}x${h}: ${JSON.stringify(l)}`);
    r.unmount();
  }
  // far too small still draws (cut), never throws
  const { frame } = await open(overChmod, 30, 6);
  assert.match(frame(), /^msb diff/);
});
