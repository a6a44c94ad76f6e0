import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, runMsb } from '../helpers/cli.js';
import { parseEfficiency, parseSize, parseWasteLimit } from '../../src/report/gate.js';

const demo = path.join(ROOT, 'examples/demo-app.tar');

test('the CI gate exits 1 when a limit is crossed and says which', async () => {
  const r = await runMsb(['inspect', demo, '--text', '--max-waste', '10%', '--min-efficiency', '0.5', '--max-size', '10MB']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /PASS {2}size: 6\.67 MB \(limit ≤ 10 MB\)/);
  assert.match(r.stdout, /FAIL {2}wasted share: 43% \(limit ≤ 10%\)/);
  assert.match(r.stdout, /PASS {2}efficiency: 57%/);
  assert.match(r.stdout, /msb gate: FAILED \(1 of 3 checks\)/);
});

test('the CI gate exits 0 when every limit holds; JSON carries the verdict', async () => {
  const r = await runMsb(['inspect', demo, '--json', '--max-waste', '3MB']);
  assert.equal(r.code, 0, r.stderr);
  const gate = JSON.parse(r.stdout).gate;
  assert.deepEqual(gate, { pass: true, checks: [{ name: 'wasted bytes', limit: '≤ 3 MB', actual: '2.9 MB', pass: true }] });
  const fail = await runMsb(['inspect', demo, '--json', '--max-waste', '2.8MB']);
  assert.equal(fail.code, 1);
  assert.equal(JSON.parse(fail.stdout).gate.pass, false);
});

test('gate limits parse sizes, percents and ratios, and reject nonsense with exit 2', async () => {
  assert.equal(parseSize('1.5GiB', 'x'), 1.5 * 1024 ** 3);
  assert.equal(parseSize('500MB', 'x'), 500e6);
  assert.equal(parseSize('1200', 'x'), 1200);
  assert.deepEqual(parseWasteLimit('5%'), { fraction: 0.05 });
  assert.deepEqual(parseWasteLimit('20MB'), { bytes: 20e6 });
  assert.equal(parseEfficiency('95%'), 0.95);
  assert.equal(parseEfficiency('0.9'), 0.9);
  assert.throws(() => parseEfficiency('2'), /between 0 and 1/);
  const r = await runMsb(['inspect', demo, '--max-size', 'big']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^msb: invalid --max-size "big"/);
});

test('--fail-on gates on finding categories or severities; --max-savings on what the fixes would save', async () => {
  const r = await runMsb(['inspect', demo, '--text', '--fail-on', 'secret', '--max-savings', '10MB']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /PASS {2}potential savings: 3\.54 MB \(limit ≤ 10 MB\)/);
  assert.match(r.stdout, /FAIL {2}findings: 2 \(secret-private-key, secret-dotenv\) \(limit none of secret\)/);
  // The clean multi-stage fixture has nothing high and no secret.
  const clean = await runMsb(['inspect', path.join(ROOT, 'test/fixtures/images/multistage.tar'), '--json', '--fail-on', 'secret,high']);
  assert.equal(clean.code, 0, clean.stderr);
  assert.deepEqual(JSON.parse(clean.stdout).gate.checks[0], { name: 'findings', limit: 'none of secret, high', actual: 'none', pass: true });
  const bad = await runMsb(['inspect', demo, '--fail-on', 'bogus']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^msb: invalid --fail-on "bogus"/);
});
