import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import React from 'react';
import { render } from 'ink-testing-library';
import { DiffScreen, InspectScreen } from '../../src/tui/run.js';
import { diffResults } from '../../src/pipeline/diff.js';
import { fixture } from '../helpers/cli.js';
import { inspect } from '../../src/pipeline/inspect.js';
import { resolveImage } from '../../src/source/resolve.js';
import { buildCli, removeCli, tuiImage } from './build.js';

/**
 * The TUI on a real image built by buildah (test/fixtures/tui): once through ink-testing-library with
 * the real pipeline, and once as a user sees it: the built msb CLI in tmux at 80x24, driven with
 * send-keys and read with capture-pane. tmux runs on a private socket and its server is killed at the end.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let dir = '';
let tar = '';
let cli = '';
/** The CLI is compiled once, for whichever tmux test runs first. */
const getCli = () => (cli ||= buildCli('e2e'));

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'msb-tui-e2e-'));
  tar = tuiImage();
});
after(async () => {
  removeCli('e2e');
  await rm(dir, { recursive: true, force: true });
});

/** Polls the screen until `re` shows; generous, since CI may be building fixtures on both cores. */
async function until(read: () => string, re: RegExp, what: string, seconds = 15): Promise<string> {
  let last = '';
  for (let i = 0; i < seconds * 20; i++) {
    last = read();
    if (re.test(last)) return last;
    await sleep(50);
  }
  assert.fail(`${what}: ${re} not on screen:\n${last}`);
}

/** tmux on a private socket: run commands, read the session's screen, send it keys one by one. */
function tmuxOn(sock: string, session: string) {
  const tmux = (...args: string[]) => {
    const r = spawnSync('tmux', ['-S', sock, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args[0]}: ${r.stderr}`);
    return r.stdout;
  };
  const screen = () => tmux('capture-pane', '-p', '-t', session);
  const keys = async (...k: string[]) => {
    for (const key of k) {
      tmux('send-keys', '-t', session, key);
      await sleep(120);
    }
  };
  return { tmux, screen, keys };
}

test('ink: the real pipeline loads the image and shows layers, waste and findings', async () => {
  const image = await resolveImage(tar, {});
  try {
    let done: unknown = 'not yet';
    const r = render(<InspectScreen opts={{ image, inspect: (o) => inspect(image, o) }} onDone={(e) => (done = e)} />);
    const f = await until(() => r.lastFrame() ?? '', /▶ Layers 7\/7/, 'inspect screen', 90);
    assert.match(f, /wasted 2\.9 MB \(45%\)/);
    assert.match(f, /2\.35 MB ! RUN head -c 2097152/);
    assert.match(f, /2\.1 MB L4 waste-deleted \/tmp\/assets/);
    await sleep(100); // keys are subscribed after the first frame
    r.stdin.write('q');
    for (let i = 0; i < 100 && done === 'not yet'; i++) await sleep(20);
    assert.equal(done, undefined);
    r.unmount();
  } finally {
    await image.close();
  }
});

test('tmux 80x24: what a user sees and does in msb inspect', async () => {
  const cli = getCli();
  const sock = join(dir, 'tmux.sock');
  const { tmux, screen, keys } = tmuxOn(sock, 'msb');
  // A person at a terminal: the CI=true of the test run is not theirs (under CI=true msb never opens the UI).
  const cmd = `env -u CI node ${cli} inspect ${tar}; echo "msb exited $?"; sleep 600`;
  tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'msb', '-x', '80', '-y', '24', 'sh', '-c', cmd);
  try {
    let s = await until(screen, /▶ Layers 7\/7/, 'first screen', 90);
    const lines = s.split('\n');
    // (findings and savings depend on which rules are wired in, so only their presence is checked)
    assert.match(lines[0], /^msb 6\.48 MB · 7 layers · wasted 2\.9 MB \(45%\) · 12 files · \d+ findings?/);
    assert.match(s, /›6 +800 kB {3}RUN chmod 755 \/app\//);
    assert.match(s, /4 +2\.35 MB ! RUN head -c 2097152/);
    assert.match(s, /save [\d.]+ MB \(\d+%\) of 6\.48 MB/);
    assert.match(s, /Tab pane/);
    assert.ok(lines.slice(0, 23).every((l) => l.length <= 80));
    assert.match(tmux('capture-pane', '-e', '-p', '-t', 'msb'), /\u001b\[31m!/); // waste mark in red

    // Files: filter to the binary; the selected layer (chmod) re-shipped it for metadata only
    await keys('Tab', '/', 'd', 'e', 'm', 'o', 'Enter', 'Down', 'Down');
    s = await until(screen, /History \/app\/bin\/demo-app/, 'filtered file');
    assert.match(s, /m! +800 kB +demo-app/);
    assert.match(s, /L2 \+ +800 kB ! metadata COPY dir:/);
    assert.match(s, /L6 m +800 kB RUN chmod 755/);

    // Findings: Enter on the deleted download jumps to layer 4's view of /tmp/assets.tar.gz
    await keys('Escape', 'Tab', 'Enter');
    s = await until(screen, /History \/tmp\/assets\.tar\.gz/, 'jump to finding');
    assert.match(s, /▶ Files/);
    assert.match(s, /layer 4 · by name/);
    assert.match(s, /› ?4 +2\.35 MB/);
    assert.match(s, /L5 - +2\.1 MB RUN rm \/tmp\/assets\.tar\.gz/);

    // help overlay, then a resize: the frame follows the terminal
    await keys('?');
    await until(screen, /▶ Keys/, 'help');
    await keys('Escape');
    tmux('resize-window', '-t', 'msb', '-x', '100', '-y', '30');
    s = await until(screen, /^[┌╔].{98}[┐╗]$/m, 'resized to 100 columns');
    // 29 lines (one less than the terminal): header, 27 of panes, key help
    assert.match(s.split('\n')[28], /^\? keys  q quit  Tab pane/, s);

    // q leaves the alternate screen: the shell's screen is back and msb exited 0
    await keys('q');
    s = await until(screen, /msb exited 0/, 'quit');
    assert.doesNotMatch(s, /Layers/);

    // NO_COLOR: the same screen without a single colour; Ctrl-C quits
    tmux('new-session', '-d', '-s', 'plain', '-x', '80', '-y', '24', 'sh', '-c', `NO_COLOR=1 ${cmd}`);
    const plain = () => tmux('capture-pane', '-e', '-p', '-t', 'plain');
    s = await until(plain, /Layers 7\/7/, 'NO_COLOR screen', 90);
    assert.match(s.replace(/\u001b\[[0-9;]*m/g, ''), /! RUN head -c 2097152/);
    assert.doesNotMatch(s, /\u001b\[[0-9;]*(3[0-7]|9[0-7]|38;[25];[0-9;]+)m/);
    tmux('send-keys', '-t', 'plain', 'C-c');
    await until(plain, /msb exited 0/, 'Ctrl-C');
  } finally {
    spawnSync('tmux', ['-S', sock, 'kill-server']);
  }
});

test('ink: msb diff on the real pipeline loads both images and shows the comparison', async () => {
  const a = await resolveImage(fixture('delete.tar'), {});
  const b = await resolveImage(fixture('multistage.tar'), {});
  try {
    let done: unknown = 'not yet';
    const r = render(<DiffScreen opts={{ before: a, after: b, compare: async (x, y) => diffResults(await inspect(a, x), await inspect(b, y)) }} onDone={(e) => (done = e)} />);
    const f = await until(() => r.lastFrame() ?? '', /▶ Changes 1\/6/, 'diff screen');
    assert.match(f, /layers 4 → 2 \(1 shared\) · \+1 -1 ~0 m0 paths/);
    assert.match(f, /B1 {3}300 kB COPY/);
    await sleep(100);
    r.stdin.write('q');
    for (let i = 0; i < 100 && done === 'not yet'; i++) await sleep(20);
    assert.equal(done, undefined);
    r.unmount();
  } finally {
    await a.close();
    await b.close();
  }
});

test('tmux 80x24: msb diff A B in a terminal', async () => {
  const cli = getCli();
  const sock = join(dir, 'tmux-diff.sock');
  const { tmux, screen, keys } = tmuxOn(sock, 'diff');
  const cmd = (env = '') => `cd ${join(import.meta.dirname, '../fixtures/images')} && ${env} env -u CI node ${cli} diff overwrite.tar chmod.tar; echo "msb exited $?"; sleep 600`;
  tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'diff', '-x', '80', '-y', '24', 'sh', '-c', cmd());
  try {
    let s = await until(screen, /▶ Changes 1\/6/, 'diff screen');
    const lines = s.split('\n');
    assert.match(lines[0], /^msb diff {2}A overwrite\.tar {2}→ {2}B chmod\.tar/);
    assert.match(lines[1], /^size 2\.3 MB → 4\.02 MB \(\+1\.72 MB\) · visible 2\.15 MB → 3 MB \(\+850 kB\)/);
    assert.match(lines[2], /^wasted 150 kB → 1\.02 MB · layers 4 → 4 \(1 shared\)/);
    assert.match(s, /A0= 1\.98 MB ADD file:/);
    assert.match(s, /B2 {5}1 MB RUN chmod 600/);
    assert.match(lines[22], /^\? keys {2}q quit {2}Tab pane/);
    assert.ok(lines.slice(0, 23).every((l) => l.length <= 80));
    assert.match(tmux('capture-pane', '-e', '-p', '-t', 'diff'), /\u001b\[32m\+/); // added mark in green

    // sort by the size of the change, filter to .bin, look at the biggest addition
    await keys('s', '/', '.', 'b', 'i', 'n', 'Enter', 'Down');
    s = await until(screen, /─ \/opt\/big\.bin ─/, 'selected big.bin');
    assert.match(s, /by size of change · \/\.bin/);
    assert.match(s, /\+ added · \+1 MB/);
    assert.match(s, /B +1 MB {2}L2 RUN chmod 600/);
    assert.doesNotMatch(s, /app\.conf/);

    // the other pane, the help overlay, then q: the shell's screen is back and msb exited 0
    await keys('Tab');
    await until(screen, /▶ Layers A 4 · B 4/, 'layers pane');
    await keys('?');
    await until(screen, /▶ Keys/, 'help');
    await keys('Escape', 'q');
    s = await until(screen, /msb exited 0/, 'quit');
    assert.doesNotMatch(s, /Changes/);

    // NO_COLOR: marks without a single colour; Ctrl-C quits
    tmux('new-session', '-d', '-s', 'plain', '-x', '80', '-y', '24', 'sh', '-c', cmd('NO_COLOR=1'));
    const plain = () => tmux('capture-pane', '-e', '-p', '-t', 'plain');
    s = await until(plain, /Changes 1\/6/, 'NO_COLOR screen');
    assert.match(s.replace(/\u001b\[[0-9;]*m/g, ''), /- +−100 kB +app\.conf/);
    assert.doesNotMatch(s, /\u001b\[[0-9;]*(3[0-7]|9[0-7]|38;[25];[0-9;]+)m/);
    tmux('send-keys', '-t', 'plain', 'C-c');
    await until(plain, /msb exited 0/, 'Ctrl-C');
  } finally {
    spawnSync('tmux', ['-S', sock, 'kill-server']);
  }
});
