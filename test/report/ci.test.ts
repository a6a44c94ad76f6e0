import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, test } from 'node:test';
import { run } from '../../src/cli/run.js';
import { fixture, ROOT, runMsb } from '../helpers/cli.js';
import { assertReportSchema, assertSarifSchema } from '../helpers/schemas.js';

/**
 * msb in CI on real images: dive's .dive-ci gate, msb's .msb.yml rules, baselines, and the report
 * formats (SARIF and JSON validated against their schemas, Markdown as a GFM table, Code Climate).
 */

const DEMO = path.join(ROOT, 'examples/demo-app.tar');
const DEMO_DF = ['--dockerfile', 'examples/demo-app/Dockerfile'];
const CLEAN = fixture('multistage.tar');
const tmp = mkdtempSync(path.join(tmpdir(), 'msb-ci-'));
after(() => import('node:fs').then((fs) => fs.rmSync(tmp, { recursive: true, force: true })));

function sink(isTTY = false) {
  const chunks: Buffer[] = [];
  const w = new Writable({ write(c, _e, cb) { chunks.push(Buffer.from(c)); cb(); } });
  return Object.assign(w, { isTTY, columns: 100, text: () => Buffer.concat(chunks).toString('utf8') });
}

/** run() in `cwd`, optionally pretending to be at a terminal on both ends. */
async function runIn(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}, tty = false) {
  const stdout = sink(tty);
  const stderr = sink(false);
  const stdin = Object.assign(Readable.from([]), { isTTY: tty });
  const code = await run(args, { stdout, stderr, stdin, env: { NO_COLOR: '1', PATH: process.env.PATH, ...env }, cwd });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

function dir(name: string, files: Record<string, string>): string {
  const d = path.join(tmp, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(d, f), text);
  return d;
}

const DIVE_CI = 'rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n  highestUserWastedPercent: 0.20\n';

test('.dive-ci in the working directory: the wasteful demo image fails with exit 1, dive-style lines', async () => {
  const cwd = dir('dive-fail', { '.dive-ci': DIVE_CI });
  const r = await runIn(cwd, ['inspect', DEMO, '--ci']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^ {2}FAIL: highestUserWastedPercent: too many bytes wasted/m);
  assert.match(r.stdout, /^ {2}PASS: highestWastedBytes$/m);
  assert.match(r.stdout, /^ {2}FAIL: lowestEfficiency: image efficiency is too low \(efficiency=0\.565535 < threshold=0\.95\)$/m);
  assert.match(r.stdout, /^Result:FAIL \[Total:3\] \[Passed:1\] \[Failed:2\] \[Warn:0\] \[Skipped:0\]$/m);
  // Every failure names its top paths with bytes and the layer that shipped them.
  assert.match(r.stdout, /2\.1 MB {2}\/tmp\/assets\.tar\.gz {2}\(layer 4/);
});

test('.dive-ci.yml: a clean image passes with exit 0; "disabled" is SKIP', async () => {
  const cwd = dir('dive-pass', { '.dive-ci.yml': 'rules:\n  lowestEfficiency: 0.9\n  highestWastedBytes: disabled\n  highestUserWastedPercent: 0.1\n' });
  const r = await runIn(cwd, ['inspect', CLEAN, '--ci']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ {2}SKIP: highestWastedBytes: rule disabled$/m);
  assert.match(r.stdout, /^Result:PASS \[Total:3\] \[Passed:2\] \[Failed:0\] \[Warn:0\] \[Skipped:1\]$/m);
});

test("dive's flags, units (MiB vs MB) and CI=true: no UI even at a terminal", async () => {
  const cwd = dir('flags', {});
  // 2897152 wasted bytes: over 2.7MB (2700000), under 2.8MiB (2936012).
  const over = await runIn(cwd, ['inspect', DEMO, '--highestWastedBytes', '2.7MB', '--lowestEfficiency', 'disabled', '--highestUserWastedPercent', 'disabled'], {}, true);
  assert.equal(over.code, 1, over.stderr);
  assert.match(over.stdout, /FAIL: highestWastedBytes: too many bytes wasted \(wasted-bytes=2897152 > threshold=2700000\)/);
  const under = await runIn(cwd, ['inspect', DEMO, '--highestWastedBytes', '2.8MiB', '--lowestEfficiency', 'disabled', '--highestUserWastedPercent', 'disabled']);
  assert.equal(under.code, 0, under.stdout);
  // CI=true at a "terminal": dive's default rules, the table, no UI.
  const ci = await runIn(cwd, ['inspect', CLEAN], { CI: 'true' }, true);
  assert.equal(ci.code, 0, ci.stderr);
  assert.match(ci.stdout, /msb CI rules from dive's defaults\nResults:\n/);
  const bad = await runIn(cwd, ['inspect', DEMO, '--highestWastedBytes', 'lots']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^msb: invalid --highestWastedBytes "lots"/);
});

test('.msb.yml: percentages with an absolute floor, failOn, and an ignore list with reasons', async () => {
  const cwd = dir('msb-rules', {
    '.msb.yml': [
      'maxWaste: { percent: 5, minBytes: 10MB }   # over 5% but under 10MB: passes',
      'minEfficiency: 50%',
      'failOn: [secret]',
      'ignore:',
      '  - rule: secret-dotenv',
      '    reason: the .env holds only placeholders',
      '  - path: /root/.ssh/**',
      '    reason: a throwaway deploy key for the demo',
      '',
    ].join('\n'),
  });
  const r = await runIn(cwd, ['inspect', DEMO, '--ci', ...DEMO_DF.map((a) => (a.startsWith('examples') ? path.join(ROOT, a) : a))]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /PASS: maxWaste\n {2}PASS: minEfficiency\n {2}PASS: failOn\n/);
  assert.match(r.stdout, /IGNORED: secret-dotenv \/app\/\.env: the \.env holds only placeholders/);
  // Without the ignore list the secrets fail the gate, named with their Dockerfile line.
  const cwd2 = dir('msb-rules-2', { '.msb.yml': 'maxWaste: { percent: 5, minBytes: 1MB }\nfailOn: secret,high\n' });
  const f = await runIn(cwd2, ['inspect', DEMO, '--ci', '--dockerfile', path.join(ROOT, 'examples/demo-app/Dockerfile')]);
  assert.equal(f.code, 1);
  assert.match(f.stdout, /FAIL: maxWaste: 2\.9 MB wasted \(43% of the image\)/);
  assert.match(f.stdout, /FAIL: failOn: 2 findings of secret, high: secret-private-key, secret-dotenv/);
  assert.match(f.stdout, /1\.69 kB {2}secret-private-key \/root\/\.ssh\/id_rsa {2}\(layer 2 · Dockerfile:38 \(stage 1\)/);
});

test('bad config is exit 2 naming the file and line', async () => {
  const cases: Array<[string, string, RegExp]> = [
    ['.msb.yml', 'maxSize: 1GB\nmaxWast: 5%\n', /^msb: \.msb\.yml:2: unknown key "maxWast"/],
    ['.msb.yml', 'maxSize: 1GB\nminEfficiency: 1.5\n', /^msb: \.msb\.yml:2: minEfficiency: expected a ratio/],
    ['.msb.yml', 'ignore:\n  - path: /tmp/**\n', /^msb: \.msb\.yml:2: ignore: an entry needs a reason/],
    ['.msb.yml', 'maxWaste: { percent: 5, floor: 1MB }\n', /^msb: \.msb\.yml:1: maxWaste: unknown key "floor"/],
    ['.msb.yml', 'maxSize: [1\nfailOn: x\n', /^msb: \.msb\.yml:\d: invalid YAML/],
    ['.dive-ci', 'rules:\n  lowestEfficiency: 0.9\n  highestWastedBytes: much\n', /^msb: \.dive-ci:3: rules\.highestWastedBytes: expected a size/],
    ['.dive-ci', 'rules:\n  lowestEfficency: 0.9\n', /^msb: \.dive-ci:2: rules: unknown rule "lowestEfficency"/],
  ];
  for (const [i, [name, text, want]] of cases.entries()) {
    const r = await runIn(dir(`bad-${i}`, { [name]: text }), ['inspect', DEMO, '--ci']);
    assert.equal(r.code, 2, `${text}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, want);
    assert.equal(r.stdout, '');
  }
  const missing = await runIn(tmp, ['inspect', DEMO, '--config', 'nope.yml']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^msb: nope\.yml: cannot read the config file \(no such file\)/);
});

test('one walk, several reports: SARIF, Markdown, Code Climate and JSON files, each valid', async () => {
  const out = dir('out', {});
  const r = await runMsb(['inspect', 'examples/demo-app.tar', ...DEMO_DF, '--ci', '--max-waste', '10%',
    '--format', 'sarif', '-o', path.join(out, 'msb.sarif'),
    '--format', 'markdown', '-o', path.join(out, 'comment.md'),
    '--format', 'codeclimate', '-o', path.join(out, 'gl-code-quality.json'),
    '-o', path.join(out, 'report.json')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /FAIL: maxWaste/);
  assert.deepEqual(readdirSync(out).sort(), ['comment.md', 'gl-code-quality.json', 'msb.sarif', 'report.json'], 'no temporary files left');

  const sarif = JSON.parse(readFileSync(path.join(out, 'msb.sarif'), 'utf8'));
  assertSarifSchema(sarif);
  const run0 = sarif.runs[0];
  assert.ok(run0.tool.driver.rules.length >= 5);
  const key = run0.results.find((x: { ruleId: string }) => x.ruleId === 'secret-private-key');
  assert.equal(key.level, 'error');
  assert.deepEqual(key.locations[0].physicalLocation, { artifactLocation: { uri: 'examples/demo-app/Dockerfile', uriBaseId: '%SRCROOT%' }, region: { startLine: 38, endLine: 41 } });
  assert.match(key.message.text, /^1\.69 kB in \/root\/\.ssh\/id_rsa: .*Fix: /);
  assert.match(key.partialFingerprints['msbFinding/v1'], /^[0-9a-f]{32}$/);

  const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
  assertReportSchema(report);
  assert.equal(report.ci.pass, false);

  const md = readFileSync(path.join(out, 'comment.md'), 'utf8');
  assert.match(md, /^### msb: `examples\/demo-app\.tar` — ❌ failed \(1 of 1 rules\)$/m);
  assert.match(md, /^\| severity \| rule \| path \| bytes \| where \| fix \|\n\| --- \| --- \| --- \| ---: \| --- \| --- \|\n\| high \| `secret-private-key` \| `\/root\/\.ssh\/id_rsa` \| 1\.69 kB \| examples\/demo-app\/Dockerfile:38 \(stage 1\) \|/m);
  assert.match(md, /<details><summary>6 more findings<\/summary>\n\n\| severity/);
  // Every findings row has the header's six cells (escaped pipes inside cells do not count).
  const rows = md.split('\n').filter((l) => /^\| (high|medium|low) \|/.test(l));
  assert.equal(rows.length, 11);
  for (const row of rows) assert.equal(row.replace(/\\\|/g, '').split('|').length, 8, row);

  const cc = JSON.parse(readFileSync(path.join(out, 'gl-code-quality.json'), 'utf8'));
  assert.equal(cc.length, 11);
  for (const issue of cc) {
    assert.equal(issue.type, 'issue');
    assert.match(issue.fingerprint, /^[0-9a-f]{32}$/);
    assert.ok(['info', 'minor', 'major', 'critical', 'blocker'].includes(issue.severity));
    assert.equal(issue.location.path, 'examples/demo-app/Dockerfile');
    assert.ok(issue.location.lines.begin >= 1);
  }
  assert.equal(new Set(cc.map((i: { fingerprint: string }) => i.fingerprint)).size, cc.length);
});

test('SARIF without a Dockerfile: logical locations only, still valid; fingerprints stable across runs', async () => {
  const a = await runMsb(['inspect', 'examples/demo-app.tar', '--format', 'sarif']);
  const b = await runMsb(['inspect', 'examples/demo-app.tar', '--format', 'sarif']);
  assert.equal(a.code, 0, a.stderr);
  const sa = JSON.parse(a.stdout);
  assertSarifSchema(sa);
  for (const x of sa.runs[0].results) {
    assert.equal(x.locations[0].physicalLocation, undefined);
    assert.match(x.locations[0].logicalLocations[0].name, /^layer \d+$/);
  }
  const fp = (s: string) => JSON.parse(s).runs[0].results.map((x: { partialFingerprints: object }) => x.partialFingerprints);
  assert.deepEqual(fp(a.stdout), fp(b.stdout));
  for (const img of ['multistage.tar', 'delete.tar', 'chmod.tar']) {
    const r = await runMsb(['inspect', fixture(img), '--format', 'sarif']);
    assertSarifSchema(JSON.parse(r.stdout), img);
  }
});

test('baseline: a saved JSON report catches growth and new findings without the old image', async () => {
  const base = path.join(tmp, 'baseline.json');
  const saved = await runMsb(['inspect', fixture('multistage.tar'), '--json', '-o', base]);
  assert.equal(saved.code, 0, saved.stderr);
  assertReportSchema(JSON.parse(readFileSync(base, 'utf8')));
  const grew = await runMsb(['inspect', 'examples/demo-app.tar', '--baseline', base, '--max-growth', '10%,1MB', '--max-new-findings', '0']);
  assert.equal(grew.code, 1, grew.stderr);
  assert.match(grew.stdout, /^Baseline: .*baseline\.json: size \+4\.39 MB, waste \+2\.9 MB, 9 new findings$/m);
  assert.match(grew.stdout, /FAIL: maxGrowth: image grew by \+4\.39 MB \(\+192\.2%\)/);
  assert.match(grew.stdout, /FAIL: maxNewFindings: 9 new findings/);
  // The same image against its own report: no growth, nothing new.
  const own = path.join(tmp, 'demo.json');
  await runMsb(['inspect', 'examples/demo-app.tar', '--json', '-o', own]);
  const same = await runMsb(['inspect', 'examples/demo-app.tar', '--baseline', own, '--max-growth', '1%', '--max-new-findings', '0', '--format', 'markdown']);
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stdout, /\| vs .*demo\.json \| size \+0 B \(\+0\.0%\), waste \+0 B, 0 new findings \|/);
  // An image works as the baseline too.
  const img = await runMsb(['inspect', 'examples/demo-app.tar', '--baseline', fixture('multistage.tar'), '--max-growth', '5MB']);
  assert.equal(img.code, 0, img.stdout);
  assert.match(img.stdout, /PASS: maxGrowth/);
});

test('bad outputs: unknown --format, -o into a missing or non-directory place: exit 2, no file', async () => {
  const f = await runMsb(['inspect', 'examples/demo-app.tar', '--format', 'pdf']);
  assert.equal(f.code, 2);
  assert.equal(f.stderr, 'msb: unknown --format "pdf": expected one of text, json, markdown, sarif, codeclimate, html\n');
  const notDir = path.join(tmp, 'a-file');
  writeFileSync(notDir, 'x');
  for (const target of [path.join(tmp, 'no/such/dir/out.sarif'), path.join(notDir, 'out.sarif')]) {
    const r = await runMsb(['inspect', 'examples/demo-app.tar', '--format', 'sarif', '-o', target]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^msb: cannot write .*out\.sarif: (no such directory|not a directory)\n$/);
    assert.equal(existsSync(target), false);
  }
  const two = await runMsb(['inspect', 'examples/demo-app.tar', '--format', 'sarif', '--format', 'markdown']);
  assert.equal(two.code, 2);
  assert.match(two.stderr, /only one report can go to stdout/);
});

test('the existing gate flags keep their output without --ci', async () => {
  const r = await runMsb(['inspect', 'examples/demo-app.tar', '--text', '--max-size', '1MB'], { env: { CI: 'true' } });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /FAIL {2}size: 6\.67 MB \(limit ≤ 1 MB\)\nmsb gate: FAILED \(1 of 1 checks\)\n$/);
});
