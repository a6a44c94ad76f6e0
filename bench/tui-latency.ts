/**
 * Key-to-frame latency of the TUI on a synthetic 200,000-file image (not a test: prints numbers).
 *   node --import tsx bench/tui-latency.ts [files=200000] [presses=150]
 *   node --import tsx bench/tui-latency.ts --diff [files=200000] [presses=150]
 * (--diff: the msb diff screen on two synthetic images of that many files laid out in 8 and 4
 * layers, so most paths differ.)
 * Renders the real App through ink (the CLI's options: React production build, throttled at 30 fps, full redraws) into an
 * in-memory 80x24 TTY, writes a key, and times until ink writes the next frame. Keys are spaced past
 * the 34 ms frame throttle so each press is measured on its own.
 */
import { EventEmitter } from 'node:events';
import { FakeStdin } from '../scripts/fake-stdin.js';
import { performance } from 'node:perf_hooks';
import { bigAnalysis } from '../test/tui/synthetic.js';

// As the CLI does (src/tui/index.ts): React's production build, set before react loads.
process.env.NODE_ENV ??= 'production';
const React = (await import('react')).default;
const { render } = await import('ink');
const { App } = await import('../src/tui/App.js');
const { DiffApp } = await import('../src/tui/DiffApp.js');
const { diffImages } = await import('../src/analysis/diff.js');

const diffMode = process.argv[2] === '--diff';
const argv = process.argv.slice(diffMode ? 3 : 2);
const files = Number(argv[0] ?? 200_000);
const presses = Number(argv[1] ?? 150);

class Out extends EventEmitter {
  isTTY = true;
  columns = 80;
  rows = 24;
  waiter: ((t: number) => void) | null = null;
  bytes = 0;
  write = (s: string) => {
    this.bytes += s.length;
    if (this.waiter && s.length > 200) {
      const w = this.waiter;
      this.waiter = null;
      w(performance.now());
    }
    return true;
  };
  next(): Promise<number> {
    return new Promise((r) => (this.waiter = r));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (x: number) => `${x.toFixed(1)} ms`;

let t = performance.now();
const { analysis, origins } = bigAnalysis(files, 8);
console.log(`synthetic image: ${analysis.files.toLocaleString('en-US')} files in ${analysis.layers.length} layers (merge ${ms(performance.now() - t)})`);
let screen: React.ReactElement;
if (diffMode) {
  const other = bigAnalysis(files, 4);
  t = performance.now();
  const ids = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `sha256:${tag}${i}`);
  const diff = diffImages({ analysis, diffIds: ids(8, 'a') }, { analysis: other.analysis, diffIds: ids(4, 'b') });
  console.log(`diff: ${diff.items.length.toLocaleString('en-US')} changed paths (${ms(performance.now() - t)})`);
  const side = (a: typeof analysis, o: typeof origins, reference: string) => ({ reference, analysis: a, origins: o });
  screen = React.createElement(DiffApp, { data: { before: side(analysis, origins, 'a'), after: side(other.analysis, other.origins, 'b'), diff }, theme: {} });
} else screen = React.createElement(App, { data: { reference: 'synthetic', platform: '', analysis, origins, findings: [], savings: 0 }, theme: {} });

const out = new Out();
const inp = new FakeStdin();
t = performance.now();
const first = out.next();
const ink = render(screen, {
  stdout: out as unknown as NodeJS.WriteStream,
  stdin: inp as unknown as NodeJS.ReadStream,
  exitOnCtrlC: false,
  patchConsole: false,
});
console.log(`first frame: ${ms((await first) - t)} (${diffMode ? 'changes tree with directory totals' : 'tree, history index'}, flatten of every row)`);
await sleep(100);

async function press(key: string): Promise<number> {
  const f = out.next();
  const t0 = performance.now();
  inp.write(key);
  const t1 = await Promise.race([f, sleep(5000).then(() => NaN)]);
  await sleep(40);
  return t1 - t0;
}

function stats(name: string, xs: number[]) {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  console.log(`${name.padEnd(44)} n=${String(s.length).padStart(3)}  p50 ${ms(q(0.5)).padStart(9)}  p95 ${ms(q(0.95)).padStart(9)}  max ${ms(s[s.length - 1]).padStart(9)}`);
}

const run = async (name: string, keys: string[], n = presses) => {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push(await press(keys[i % keys.length]));
  stats(name, xs);
};

if (diffMode) {
  await run('changes: ↓ one row', ['\u001B[B']);
  await run('changes: PgDn', ['\u001B[6~']);
  await run('changes: End / Home', ['\u001B[F', '\u001B[H'], 20);
  await run('changes: space (fold/unfold a directory)', [' '], 20);
  await run('changes: s (sort by |delta| / path)', ['s'], 10);
  await run('changes: / filter, typing one character', ['/', 'f', '1', '2', '\r', '\u001B'], 30);
  await press('\t');
  await run('layers: ↓/↑', ['\u001B[B', '\u001B[A'], 40);
  await run('layers: Enter (only that layer\'s paths), Esc', ['\r', '\u001B', '\t'], 15);
  console.log(`frames written: ${(out.bytes / 1024).toFixed(0)} KiB; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB (synthetic analyses included)`);
  ink.unmount();
  process.exit(0);
}
await press('\t'); // focus Files
await run('files: ↓ one row', ['\u001B[B']);
await run('files: ↑ one row', ['\u001B[A']);
await run('files: PgDn', ['\u001B[6~']);
await run('files: End / Home (200k rows apart)', ['\u001B[F', '\u001B[H'], 20);
await run('files: space (fold/unfold a directory)', [' '], 20);
await run('files: s (sort by size / name)', ['s'], 10);
await run('files: / filter, typing one character', ['/', 'f', '1', '2', '\r', '\u001B'], 30);
await run('files: w (wasted only on/off)', ['w'], 10);
await press('\u001B[Z'); // back to Layers
await run('layers: ↑/↓ (changes the tree\'s marks)', ['\u001B[A', '\u001B[B'], 40);
await run('c (one layer\'s changes / whole image)', ['c'], 10);
console.log(`frames written: ${(out.bytes / 1024).toFixed(0)} KiB; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB (synthetic analysis included)`);
ink.unmount();
process.exit(0);
