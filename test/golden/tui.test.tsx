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
import { inspectImage } from '../../src/inspect.js';
import { attributeImage } from '../../src/attribution.js';
import { findFindings } from '../../src/analysis/findings/find.js';
import { compareImages } from '../../src/compare.js';

const DEMO = 'examples/demo-app.tar';
const MULTI = 'test/fixtures/images/multistage.tar';
let data: TuiData;
let diffData: DiffData;

before(async () => {
  process.chdir(ROOT);
  const image = await resolveImage(DEMO, {});
  const attribution = await attributeImage(image, { dockerfile: 'examples/demo-app/Dockerfile' });
  const ins = await inspectImage(image);
  const findings = findFindings({ analysis: ins.analysis, contents: ins.contents, origins: attribution.origins }).findings;
  const c = image.config;
  data = { reference: DEMO, platform: [c.os, c.architecture, c.variant].filter(Boolean).join('/'), analysis: ins.analysis, origins: attribution.origins, findings };
  await image.close();
  const a = await resolveImage(MULTI, {});
  const b = await resolveImage(DEMO, {});
  const cmp = await compareImages(a, b);
  diffData = {
    before: { reference: MULTI, analysis: cmp.before.analysis, origins: (await attributeImage(a)).origins },
    after: { reference: DEMO, analysis: cmp.after.analysis, origins: (await attributeImage(b)).origins },
    diff: cmp.diff,
  };
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
