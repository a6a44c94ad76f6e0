import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildCli, removeCli, repo, tuiImage } from './build.js';
import { fixture } from '../helpers/cli.js';

/**
 * `msb --help`, `--json` and `--text` never import ink or react: they run the built CLI under a hook
 * that makes any such import throw.
 */

const hook = join(import.meta.dirname, 'forbid-ink.mjs');
let tar = '';
let cli = '';

before(() => {
  cli = buildCli('lazy');
  tar = tuiImage();
});

after(() => removeCli('lazy'));

// Without the test run's CI=true: under it, `msb inspect X` with no report format is the CI gate (docs/ci.md).
const msb = (...args: string[]) => spawnSync('node', ['--import', hook, cli, ...args], { encoding: 'utf8', env: { ...process.env, CI: '' } });

test('the hook does catch an ink import', () => {
  const r = spawnSync('node', ['--import', hook, '--input-type=module', '-e', "await import('ink')"], { encoding: 'utf8', cwd: repo });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /forbidden import: ink/);
});

test('--help, --json and --text run without ink', () => {
  assert.ok(existsSync(tar));
  const help = msb('--help');
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /Usage: msb/);
  const json = msb('inspect', '--json', tar);
  assert.equal(json.status, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).summary.layers, 7);
  const text = msb('inspect', '--text', tar);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /wasted 2\.9 MB/);
  // not a TTY and no flag: the text report, still without ink
  const piped = msb('inspect', tar);
  assert.equal(piped.status, 0, piped.stderr);
  assert.match(piped.stdout, /^msb · /);
});

test('msb diff --json, --text and piped output run without ink', () => {
  const [a, b] = [fixture('delete.tar'), fixture('multistage.tar')];
  const json = msb('diff', '--json', a, b);
  assert.equal(json.status, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).summary.sharedLayers, 1);
  const text = msb('diff', '--text', a, b);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^msb diff · /);
  const piped = msb('diff', a, b);
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(piped.stdout, text.stdout);
});
