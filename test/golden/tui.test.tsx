/**
 * Golden frames of the terminal UI on the bundled example image (80x24, no colour): every pane and
 * the help, then the diff screen. The data comes from the real pipeline, as `msb inspect` builds it.
 */
import { after, before, test } from 'node:test';
import React from 'react';
import { cleanup } from 'ink-testing-library';
import { KEY, drive } from '../tui/drive.js';
import { App } from '../../src/tui/App.js';
import { DiffApp } from '../../src/tui/DiffApp.js';
import type { DiffData, TuiData } from '../../src/tui/data.js';
import { matchGolden } from './golden.js';
import { ROOT } from '../helpers/cli.js';
import { resolveImage } from '../../src/source/resolve.js';
import { inspect } from '../../src/pipeline/inspect.js';
import { diffResults } from '../../src/pipeline/diff.js';
import { diffData as toDiffData, tuiData } from '../../src/tui/data.js';
import { planFixes } from '../../src/fix/plan.js';
import { renderFixDiff } from '../../src/report/fix.js';
import { readFileSync } from 'node:fs';

const DEMO = 'examples/demo-app.tar';
const MULTI = 'test/fixtures/images/multistage.tar';
let data: TuiData;
let diffData: DiffData;

before(async () => {
  process.chdir(ROOT);
  const image = await resolveImage(DEMO, {});
  const result = await inspect(image, { dockerfile: 'examples/demo-app/Dockerfile' });
  const text = readFileSync('examples/demo-app/Dockerfile', 'utf8');
  const plan = planFixes(result, text);
  const lines = renderFixDiff('examples/demo-app/Dockerfile', text, plan).trimEnd().split('\n');
  data = { ...tuiData(result), fix: { lines, bytes: plan.bytes, changes: plan.hunks.flatMap((h) => h.rewrites).length } };
  await image.close();
  const a = await resolveImage(MULTI, {});
  const b = await resolveImage(DEMO, {});
  diffData = toDiffData(await diffResults(await inspect(a), await inspect(b)));
  await a.close();
  await b.close();
});
after(cleanup);

const inspectShots: Array<[string, string[]]> = [
  ['layers', []],
  ['layers-up', [KEY.up, KEY.up]],
  ['layer-instruction', [KEY.up, KEY.enter]],
  ['files', [KEY.tab]],
  ['files-sorted-down', [KEY.tab, 's', KEY.down, KEY.down, KEY.down]],
  ['files-filter', [KEY.tab, '/', ...'bin', KEY.enter, KEY.down]],
  ['files-wasted', [KEY.tab, 'w']],
  ['files-layer', [KEY.up, 'c', KEY.tab, KEY.down]],
  ['findings', [KEY.tab, KEY.tab]],
  ['findings-down', [KEY.tab, KEY.tab, KEY.down, KEY.down]],
  ['findings-jump', [KEY.tab, KEY.tab, KEY.enter]],
  ['back-tab', [KEY.shiftTab]],
  ['help', ['?']],
  ['map', ['m']],
  ['fix', [KEY.tab, KEY.tab, 'f']],
  ['fix-scrolled', [KEY.tab, KEY.tab, 'f', KEY.pgDn]],
  ['map-drill', ['m', KEY.down, KEY.enter]],
];

for (const [name, keys] of inspectShots) {
  test(`golden TUI frame: inspect ${name}`, async () => {
    const { press, r } = await drive((onQuit) => <App data={data} width={80} height={23} theme={{}} onQuit={onQuit} />);
    const frame = await press(...keys);
    r.unmount();
    matchGolden(`tui/inspect-${name}.txt`, `${frame}\n`);
  });
}

const diffShots: Array<[string, string[]]> = [
  ['changes', []],
  ['sorted', ['s', KEY.down, KEY.down]],
  ['layers', [KEY.tab, KEY.down]],
  ['layer-enter', [KEY.tab, KEY.down, KEY.enter]],
  ['back-tab', [KEY.shiftTab]],
  ['help', ['?']],
];

for (const [name, keys] of diffShots) {
  test(`golden TUI frame: diff ${name}`, async () => {
    const { press, r } = await drive((onQuit) => <DiffApp data={diffData} width={80} height={23} theme={{}} onQuit={onQuit} />);
    const frame = await press(...keys);
    r.unmount();
    matchGolden(`tui/diff-${name}.txt`, `${frame}\n`);
  });
}
