import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import React from 'react';
import { cleanup, render } from 'ink-testing-library';
import { DiffScreen, InspectScreen, type RunDiffTuiOptions, type RunTuiOptions } from '../../src/tui/run.js';
import type { Image } from '../../src/source/types.js';
import type { InspectProgress } from '../../src/pipeline/types.js';
import { MsbError } from '../../src/errors.js';

/**
 * The loading phase: per-layer progress while the pipeline runs, and Ctrl-C aborting it through the
 * AbortSignal. The pipeline is a stand-in that reports progress and waits for the signal (a real
 * image reads too fast to cancel reliably); e2e.test.tsx runs the real one.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
afterEach(cleanup);

async function until(frame: () => string | undefined, re: RegExp): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const f = frame() ?? '';
    if (re.test(f)) return f;
    await sleep(25);
  }
  assert.match(frame() ?? '', re);
  return '';
}

/** An image whose layers are never read: the inspect function below stands in for a slow pipeline. */
function stubImage(sizes: number[], reference = 'slow.tar'): Image {
  return {
    reference, source: 'docker-archive', tags: [], config: {}, notes: [],
    layers: sizes.map((size, index) => ({ index, diffId: `sha256:${index}`, name: `layer ${index}`, location: { file: 'x', offset: 0, size }, open: async () => { throw new Error('not read'); } })),
    close: async () => {},
  };
}

test('shows per-layer progress with rate, then Ctrl-C aborts the read and reports "cancelled" (exit 130)', async () => {
  let signal: AbortSignal | undefined;
  let report: ((p: InspectProgress) => void) | undefined;
  const opts: RunTuiOptions = {
    image: stubImage([4_000_000, 1_000_000]),
    inspect: ({ signal: s, onProgress }) => {
      signal = s;
      report = onProgress;
      return new Promise((_, reject) => s!.addEventListener('abort', () => reject(new Error('aborted'))));
    },
  };
  let done: unknown = 'not yet';
  const r = render(<InspectScreen opts={opts} onDone={(e) => (done = e)} />);
  await until(r.lastFrame, /reading slow\.tar/);
  report!({ layer: 0, layers: 2, bytesRead: 2_000_000, done: false });
  report!({ layer: 1, layers: 2, bytesRead: 1_000_000, done: true });
  const f = await until(r.lastFrame, /layers 1\/2 · 3 MB of 5 MB/);
  assert.match(f, /layer 0 █+░+ +2 MB \/ 4 MB reading/);
  assert.match(f, /layer 1 █+ +1 MB \/ 1 MB done/);
  assert.match(f, /MB\/s/);
  assert.match(f, /Ctrl-C cancels/);
  r.stdin.write('\u0003');
  for (let i = 0; i < 100 && done === 'not yet'; i++) await sleep(20);
  assert.equal(signal!.aborted, true);
  assert.ok(done instanceof MsbError);
  assert.equal((done as MsbError).message, 'cancelled');
  assert.equal((done as MsbError).exitCode, 130);
});

test('a failing read ends the screen with that error (the CLI prints it as one line)', async () => {
  const opts: RunTuiOptions = { image: stubImage([10]), inspect: async () => { throw new MsbError('x.tar: layer 0: unexpected end of data'); } };
  let done: unknown = 'not yet';
  render(<InspectScreen opts={opts} onDone={(e) => (done = e)} />);
  for (let i = 0; i < 100 && done === 'not yet'; i++) await sleep(20);
  assert.ok(done instanceof MsbError);
  assert.equal((done as MsbError).message, 'x.tar: layer 0: unexpected end of data');
  assert.equal((done as MsbError).exitCode, 2);
});

test('msb diff: progress of both images, one above the other; Ctrl-C aborts the comparison (exit 130)', async () => {
  let signals: Array<AbortSignal | undefined> = [];
  let reports: Array<((p: InspectProgress) => void) | undefined> = [];
  const opts: RunDiffTuiOptions = {
    before: stubImage([3_000_000, 1_000_000], 'old.tar'),
    after: stubImage([3_000_000, 2_000_000, 500_000], 'new.tar'),
    compare: (a, b) => {
      signals = [a.signal, b.signal];
      reports = [a.onProgress, b.onProgress];
      return new Promise((_, reject) => a.signal!.addEventListener('abort', () => reject(new Error('aborted'))));
    },
  };
  let done: unknown = 'not yet';
  const r = render(<DiffScreen opts={opts} onDone={(e) => (done = e)} />);
  await until(r.lastFrame, /reading old\.tar[^]*reading new\.tar/);
  reports[0]!({ layer: 0, layers: 2, bytesRead: 3_000_000, done: true });
  reports[0]!({ layer: 1, layers: 2, bytesRead: 1_000_000, done: true });
  reports[1]!({ layer: 0, layers: 3, bytesRead: 1_500_000, done: false });
  const f = await until(r.lastFrame, /layers 0\/3 · 1\.5 MB of 5\.5 MB/);
  const [top, bottom] = f.split('reading new.tar');
  assert.match(top, /layers 2\/2 · 4 MB of 4 MB/);
  assert.match(top, /layer 1 █+ +1 MB \/ 1 MB done/);
  assert.doesNotMatch(top, /Ctrl-C/);
  assert.match(bottom, /layer 0 █+░+ +1\.5 MB \/ 3 MB reading/);
  assert.match(bottom, /layer 2 ░+ +0 B \/ 500 kB waiting/);
  assert.match(bottom, /Ctrl-C cancels/);
  r.stdin.write('\u0003');
  for (let i = 0; i < 100 && done === 'not yet'; i++) await sleep(20);
  assert.equal(signals[0]!.aborted, true);
  assert.equal(signals[1], signals[0], 'one signal for both images');
  assert.ok(done instanceof MsbError);
  assert.equal((done as MsbError).exitCode, 130);
});

test('msb diff: a failing read ends the screen with that error', async () => {
  const opts: RunDiffTuiOptions = { before: stubImage([10]), after: stubImage([10]), compare: async () => { throw new MsbError('new.tar: layer 0: unexpected end of data'); } };
  let done: unknown = 'not yet';
  render(<DiffScreen opts={opts} onDone={(e) => (done = e)} />);
  for (let i = 0; i < 100 && done === 'not yet'; i++) await sleep(20);
  assert.ok(done instanceof MsbError);
  assert.equal((done as MsbError).message, 'new.tar: layer 0: unexpected end of data');
});
