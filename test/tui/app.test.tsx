import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import React from 'react';
import { cleanup } from 'ink-testing-library';
import { KEY, drive, settle } from './drive.js';
import { App } from '../../src/tui/App.js';
import type { TuiData } from '../../src/tui/data.js';
import type { Finding } from '../../src/analysis/findings/types.js';
import { findFindings } from '../../src/analysis/findings/find.js';
import { themeFor } from '../../src/tui/theme.js';
import { bigAnalysis, smallAnalysis } from './synthetic.js';

/** Drives the inspect screen key by key and asserts what the frame shows (80x23: a 24-row terminal). */

afterEach(cleanup);

/** The synthetic image as the pipeline would hand it over: its findings are the grouped waste. */
function data(over: Partial<TuiData> = {}): TuiData {
  const { analysis, origins, contents } = smallAnalysis();
  const found = findFindings({ analysis, contents, origins });
  const findings = over.findings ?? found.findings;
  return { reference: 'demo.tar', platform: 'linux/amd64', analysis, origins, findings, savings: findings.reduce((s, f) => s + f.bytes, 0), ...over };
}
const wasteFindings = () => data().findings;

function open(d = data(), width = 80, height = 23) {
  return drive((onQuit) => <App data={d} width={width} height={height} theme={{}} onQuit={onQuit} />);
}

/** The Files pane's status line and rows (right column, frame lines 2-14 at 80x23), without borders. */
function files(frame: string): string[] {
  return frame.split('\n').slice(2, 15).map((l) => l.slice(36).replace(/^[│║]|[│║]$/g, '').trimEnd());
}
/** Just the file rows' names. */
function names(frame: string): string[] {
  return files(frame).slice(1).filter(Boolean).map((l) => l.trim().split(' ').pop()!);
}

test('first frame: summary with waste, every layer with a waste mark, details, findings, key help', async () => {
  const { frame } = await open();
  const f = frame();
  const lines = f.split('\n');
  assert.equal(lines.length, 23);
  for (const l of lines) assert.equal(l.length, 80, `line is not 80 wide: ${JSON.stringify(l)}`);
  assert.match(lines[0], /^msb 15\.6 kB · 3 layers · wasted 8\.1 kB \(52%\) · 4 files · 3 findings · demo\.tar/);
  assert.match(f, /▶ Layers 3\/3/);
  assert.match(f, / 0 +6\.1 kB ! ADD rootfs/);
  assert.match(f, / 1 +9\.4 kB ! COPY \. \/app/);
  assert.match(f, /›2 +100 B {3}RUN rm -rf/);
  assert.match(f, /layer 2 · 100 B · 1 file · hid/);
  assert.match(f, /Dockerfile line 9 · stage final/);
  assert.match(f, /RUN rm -rf \/root\/\.cache && chmod/);
  assert.match(f, /save 8\.1 kB \(52%\) of 15\.6 kB/);
  assert.match(f, /5 kB L0 waste-overwritten \/a/);
  assert.match(lines[22], /^\? keys  q quit  Tab pane  ↑↓ layer/);
  // image view marks what the selected layer (2) did: passwd re-shipped for metadata only
  // and ! because layer 0's copy of it is wasted
  assert.ok(files(f).some((l) => /^m! +100 B +passwd/.test(l)), f);
});

test('layers: arrows, j/k, Home/End, PgUp/PgDn select a layer and its details follow', async () => {
  const { press } = await open();
  let f = await press(KEY.up);
  assert.match(f, /›1 +9\.4 kB/);
  assert.match(f, /layer 1 · 9\.4 kB · 3 files · ! wa/);
  assert.match(f, /Dockerfile line 7 · stage final/);
  assert.match(f, /COPY \. \/app && pip install -r/);
  f = await press('k');
  assert.match(f, /base image busybox:latest/);
  f = await press('j');
  assert.match(f, /Dockerfile line 7/);
  f = await press(KEY.end);
  assert.match(f, /Dockerfile line 9/);
  f = await press(KEY.home);
  assert.match(f, /layer 0 ·/);
  f = await press(KEY.pgDn);
  assert.match(f, /layer 2 ·/);
  f = await press(KEY.pgUp);
  assert.match(f, /layer 0 ·/);
});

test('layers: Enter (or i) shows the full instruction, Dockerfile line and stage; Esc closes', async () => {
  const d = data();
  d.origins[1] = { ...d.origins[1], instruction: `RUN ${'apt-get install -y build-essential '.repeat(6)}&& make`, endLine: 12, fromStage: 'builder', fromPath: '/out' };
  const { press } = await open(d);
  let f = await press(KEY.up, KEY.enter);
  assert.match(f, /▶ Layer 1/);
  assert.match(f, /Dockerfile line 7-12 · stage final · COPY --from=builder \/out/);
  assert.match(f, /build-essential && make/); // the end of a long instruction is on screen
  assert.match(f, /3 kB ! \/root\/\.cache\/pip\.bin deleted by layer 2: RUN rm -rf/);
  assert.match(f, /largest files it added or changed \(3 files\)/);
  assert.match(f, /6 kB ~ \/app\/big\.bin[^]*3 kB \+ \/root\/\.cache\/pip\.bin[^]*400 B \+ \/app\/main\.js/);
  f = await press(KEY.esc);
  assert.match(f, /▶ Layers/);
  f = await press('i');
  assert.match(f, /▶ Layer 1/);
  f = await press(KEY.enter);
  assert.match(f, /▶ Layers/);
});

test('Tab and Shift-Tab move focus between panes (double border and ▶, not colour)', async () => {
  const { press } = await open();
  let f = await press(KEY.tab);
  assert.match(f, /╔═ ▶ Files/);
  assert.match(f, /┌─ Layers/);
  f = await press(KEY.tab);
  assert.match(f, /╔═ ▶ Findings/);
  f = await press(KEY.tab);
  assert.match(f, /╔═ ▶ Layers/);
  f = await press(KEY.shiftTab);
  assert.match(f, /╔═ ▶ Findings/);
});

test('files: c shows only what the selected layer changed, with text marks', async () => {
  const { press } = await open();
  let f = await press(KEY.up, 'c');
  let rows = files(f);
  assert.match(rows[0], /layer 1 · by name/);
  assert.ok(rows.some((l) => /^~ {2,}6 kB +big\.bin/.test(l)), rows.join('\n'));
  assert.ok(rows.some((l) => /^\+ +400 B +main\.js/.test(l)));
  assert.ok(rows.some((l) => /^\+! +3 kB +pip\.bin/.test(l)), rows.join('\n')); // shipped here, deleted later
  f = await press(KEY.down);
  rows = files(f);
  assert.ok(rows.some((l) => /^- +3 kB +▾ \.cache\//.test(l)), rows.join('\n'));
  f = await press('c');
  assert.match(f, /image · by name/);
});

test('files: cursor, fold with space / arrows / h l, parent jump, sort, fold all', async () => {
  const { press } = await open();
  let f = await press(KEY.tab);
  assert.match(f, /History \/app /);
  f = await press(KEY.down);
  assert.match(f, /History \/app\/big\.bin/);
  // history of the file: shipped in 0 (wasted: overwritten), replaced in 1
  assert.match(f, /L0 \+ +5 kB ! overwritten ADD rootfs/);
  assert.match(f, /L1 ~ +6 kB COPY \. \/app/);
  f = await press('h'); // on a file: go to parent
  assert.match(f, /History \/app /);
  f = await press(' ');
  assert.ok(files(f).some((l) => /▸ app\//.test(l)));
  assert.ok(!/big\.bin/.test(files(f).join('\n')));
  f = await press(KEY.right);
  assert.match(f, /big\.bin/);
  f = await press(KEY.left);
  assert.ok(!/big\.bin/.test(files(f).join('\n')));
  f = await press('l', 's');
  assert.match(f, /image · by size/);
  assert.deepEqual(names(f).slice(0, 5), ['app/', 'big.bin', 'main.js', 'bin/', 'sh']);
  f = await press('z');
  assert.deepEqual(files(f).filter((l) => /▸/.test(l)).length, 4);
  f = await press('z');
  assert.match(f, /big\.bin/);
  f = await press(KEY.enter);
  assert.ok(!/big\.bin/.test(files(f).join('\n')));
});

test('files: / filters paths as you type, Enter keeps it, Esc clears it', async () => {
  const { press } = await open();
  let f = await press('/');
  assert.match(f, /filter \/█/);
  assert.match(f, /╔═ ▶ Files/);
  f = await press('p', 'a', 's', 's');
  assert.match(f, /filter \/pass█/);
  assert.deepEqual(names(f), ['etc/', 'passwd']);
  f = await press('\u007F'); // backspace
  assert.match(f, /filter \/pas█/);
  f = await press(KEY.enter);
  assert.match(f, /image · by name · \/pas/);
  assert.match(f, /Tab pane/);
  f = await press('/', 'zzz', KEY.enter);
  assert.match(f, /nothing matches/);
  f = await press(KEY.esc);
  assert.match(f, /big\.bin/);
});

test('files: w shows wasted bytes only, x findings only', async () => {
  const finding: Finding = {
    rule: 'pip-cache', category: 'cache', severity: 'medium', bytes: 400, layer: 1, instruction: 'COPY', paths: [{ path: '/app/main.js', bytes: 400, count: 1 }], fix: 'f', why: 'w',
  };
  const { press } = await open(data({ findings: [finding, ...wasteFindings()] }));
  let f = await press('w');
  assert.match(f, /wasted bytes · by name · wasted/);
  let rows = files(f);
  assert.ok(rows.some((l) => /^~! +5 kB +big\.bin/.test(l)), rows.join('\n'));
  assert.ok(rows.some((l) => /^-! +3 kB +pip\.bin/.test(l)));
  assert.ok(rows.some((l) => /^m! +100 B +passwd/.test(l)));
  assert.ok(!rows.some((l) => /main\.js|bin\/sh|\bsh$/.test(l)));
  // findings only: the rule's path plus the paths of the waste items listed beside it (pip.bin is
  // deleted, so not in the image)
  f = await press('w', 'x');
  assert.deepEqual(names(f), ['app/', 'big.bin', 'main.js', 'etc/', 'passwd']);
  // in one layer's view, wasted-only keeps what this layer shipped or hid
  f = await press('x', KEY.up, 'c', 'w');
  assert.deepEqual(names(f), ['app/', 'big.bin', 'root/', '.cache/', 'pip.bin']);
});

test('findings: sorted by bytes; Enter jumps to the layer and the path in the tree', async () => {
  const { press } = await open();
  let f = await press(KEY.tab, KEY.tab);
  assert.match(f, /fix: /);
  f = await press(KEY.down);
  assert.match(f, /› +3 kB L1 waste-deleted \/root\//);
  f = await press(KEY.enter);
  assert.match(f, /╔═ ▶ Files/);
  assert.match(f, /layer 1 · by name/);
  assert.match(f, /›1 +9\.4 kB/);
  assert.match(f, /History \/root\/\.cache\/pip\.bin/);
  assert.match(f, /L2 - +3 kB via \/root\/\.cache RUN rm -rf/);
});

test('base image layers fold into one row with space', async () => {
  const d = data();
  d.origins = d.origins.map((o, i) => (i < 2 ? { ...o, base: 'busybox:latest', stage: undefined } : o));
  const { press, frame } = await open(d);
  assert.match(frame(), /0-1 +15\.5 kB ! ▸ FROM busybox:la/);
  let f = await press(KEY.up);
  assert.match(f, /layers 0-1 from the base image/);
  f = await press(' ');
  assert.match(f, / 0 +6\.1 kB ! ADD rootfs/);
  assert.match(f, /›1 +9\.4 kB/);
  f = await press(' ');
  assert.match(f, /›0-1/);
});

test('keys that arrive together (typed faster than read) are each applied', async () => {
  const { press } = await open();
  let f = await press('\t\tjj');
  assert.match(f, /▶ Findings 3\/3/);
  f = await press('/pass\r');
  assert.match(f, /image · by name · \/pass/);
  assert.deepEqual(names(f), ['etc/', 'passwd']);
  assert.match(f, /Tab pane/);
});

test('? shows every key; q and Ctrl-C quit', async () => {
  const { press, quits } = await open();
  let f = await press('?');
  assert.match(f, /▶ Keys/);
  assert.match(f, /Shift-Tab/);
  assert.match(f, /marks: \+ added {2}~ modified {2}- removed {2}m metadata only {2}! wasted/);
  f = await press(KEY.esc);
  assert.match(f, /▶ Layers/);
  await press('q');
  assert.equal(quits(), 1);
  await press('\u0003');
  assert.equal(quits(), 2);
});

test('adapts to the size it is given and stays exactly that size', async () => {
  const { r } = await open(data(), 120, 40);
  let lines = (r.lastFrame() ?? '').split('\n');
  assert.equal(lines.length, 40);
  assert.deepEqual(lines.filter((l) => l.length > 120), []);
  assert.equal(lines[1].length, 120);
  r.rerender(<App data={data()} width={60} height={20} theme={{}} />);
  await settle(r.frames);
  lines = (r.lastFrame() ?? '').split('\n');
  assert.equal(lines.length, 20);
  assert.match(lines[19], /^\? keys  q quit/);
  assert.deepEqual(lines.filter((l) => l.length > 60), []);
  assert.equal(lines[1].length, 60);
  // far too small still draws (cut), never throws
  r.rerender(<App data={data()} width={30} height={6} theme={{}} />);
  await settle(r.frames);
  assert.match(r.lastFrame() ?? '', /^msb /);
});

test('NO_COLOR switches colours off; marks stay', () => {
  assert.deepEqual(themeFor({ NO_COLOR: '1' }), {});
  assert.equal(themeFor({}).added, 'green');
});

test('large trees render only the visible rows', async () => {
  const { analysis, origins } = bigAnalysis(20_000, 4);
  const { press } = await open({ reference: 'big', platform: '', analysis, origins, findings: [], savings: 0 });
  let f = await press(KEY.tab, KEY.end);
  const total = Number(/Files (\d+)\/(\d+)/.exec(f)![2]);
  assert.ok(total > 20_000);
  assert.match(f, new RegExp(`Files ${total}/${total}`));
  assert.equal(f.split('\n').length, 23);
  f = await press(KEY.pgUp, KEY.up);
  assert.match(f, new RegExp(`Files ${total - 13}/${total}`));
});

test('m opens the Map: bars by stage and layer, directories by size to drill into; Esc goes back', async () => {
  const { press } = await open();
  let f = await press('m');
  assert.match(f, /Map · where the bytes are/);
  assert.match(f, /█ needed {2}w wasted/);
  assert.match(f, /stage final +9\.5 kB/);
  assert.match(f, /L1 COPY \. \/app && pip … +9\.4 kB/);
  assert.match(f, /▶ \/ · 7\.5 kB · 1\/4/);
  assert.match(f, /› +6\.4 kB +85% .* app\//);
  assert.match(f, /Enter open directory/);
  f = await press(KEY.down, KEY.enter);
  assert.match(f, /▶ \/bin · 1 kB · 1\/1/);
  assert.match(f, /› +1 kB +100% █+ +sh/);
  f = await press(KEY.left);
  assert.match(f, /▶ \/ · 7\.5 kB · 2\/4/, 'back up with the cursor on the directory we came from');
  f = await press(KEY.esc);
  assert.match(f, /▶ Layers 3\/3/);
  assert.doesNotMatch(f, /Map ·/);
});

test('f on the findings opens the Fix view: the patch scrolls, Esc goes back; without a Dockerfile it says why', async () => {
  const lines = ['# msb fix: 1 change, predicted saving 3 kB', '--- a/Dockerfile', '+++ b/Dockerfile', '@@ -1,2 +1,2 @@ waste-deleted: saves 3 kB', ...Array.from({ length: 40 }, (_, i) => ` line ${i}`)];
  const { press } = await open(data({ fix: { lines, bytes: 3000, changes: 1 } }));
  let f = await press('f');
  assert.doesNotMatch(f, /Fix ·/, 'f acts on the Findings pane only');
  f = await press(KEY.tab, KEY.tab, 'f');
  assert.match(f, /▶ Fix · 1 change · saves 3 kB · 1-19\/44/);
  assert.match(f, /@@ -1,2 \+1,2 @@ waste-deleted: saves 3 kB/);
  assert.match(f, /↑↓ scroll {2}f back/);
  f = await press(KEY.pgDn);
  assert.match(f, /· 20-38\/44/);
  f = await press(KEY.end);
  assert.match(f, /· 26-44\/44/);
  assert.match(f, / line 39/);
  f = await press(KEY.esc);
  assert.match(f, /▶ Findings/);
  const none = await open();
  f = await none.press(KEY.tab, KEY.tab, 'f');
  assert.match(f, /msb fix needs the Dockerfile: run msb inspect IMAGE --dockerfile PATH/);
});

test('e on a finding opens the Evidence view: rule, confidence, what proves it, and what the entrypoint keeps', async () => {
  const finding: Finding = {
    rule: 'toolchain-packages', category: 'toolchain', severity: 'high', bytes: 4000, layer: 1, instruction: 'RUN apt-get install -y gcc',
    paths: Array.from({ length: 30 }, (_, i) => ({ path: `/usr/lib/gcc/f${i}`, bytes: 100, count: 1 })), fix: 'build in a separate stage', why: 'compilers are not needed at run time',
    packages: ['gcc-12', 'cpp-12'],
    evidence: { basis: 'package-database', confidence: 'high', facts: ['gcc-12 owns 30 files', 'outside the runtime set of `/app/server` (3 files, 2 packages kept: the entrypoint needs them)'] },
  };
  const runtime = { resolved: true, command: ['/app/server'], files: ['app/server', 'lib/libc.so.6', 'lib/ld.so'], packages: ['libc6', 'libgcc-s1'], evidence: ['/app/server: ELF, needs libc.so.6 (libc6)'], native: true };
  const { press } = await open(data({ findings: [finding], runtime }));
  let f = await press('e');
  assert.doesNotMatch(f, /Evidence/, 'e acts on the Findings pane only');
  f = await press(KEY.tab, KEY.tab);
  assert.match(f, /e evidence/, 'the hint line names the key');
  f = await press('e');
  assert.match(f, /▶ Evidence · 1-19\/\d+/);
  assert.match(f, /toolchain-packages · toolchain · high · 4 kB/);
  assert.match(f, /confidence high · from the package database/);
  assert.match(f, /layer 1: RUN apt-get install -y gcc/);
  assert.match(f, /• gcc-12 owns 30 files/);
  assert.match(f, /packages \(2\)/);
  assert.match(f, /↑↓ scroll {2}e back/);
  f = await press(KEY.end);
  assert.match(f, /what the image runs: \/app\/server/);
  assert.match(f, /kept: the entrypoint needs them — 2 packages, 3 files/);
  assert.match(f, /• \/app\/server: ELF, needs libc\.so\.6 \(libc6\)/);
  f = await press(KEY.esc);
  assert.match(f, /▶ Findings/);
  assert.doesNotMatch(f, /Evidence/);
  // unresolved entrypoint: said in words, and a low-confidence finding says so
  const low = await open(data({ findings: [{ ...finding, evidence: { ...finding.evidence!, confidence: 'low' } }], runtime: { ...runtime, resolved: false, native: false, note: '/app/server is not in the image' } }));
  f = await low.press(KEY.tab, KEY.tab, 'e');
  assert.match(f, /confidence low/);
  assert.match(f, /low: what the image runs could not be resolved/);
  f = await low.press(KEY.end);
  assert.match(f, /not resolved: build-only verdicts rest on names/);
  assert.match(f, /\/app\/server is not in the image/);
});
