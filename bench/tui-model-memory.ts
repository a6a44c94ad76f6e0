/**
 * Where the terminal UI's memory goes on a large image: the heap after the pipeline's result, then
 * after what the inspect screen does before its first frame (it lets go of the captured file
 * contents; builds the Files rows, read from the merged tree, the per-file history index, the
 * findings rows), then after the views keys open:
 * one layer's changes as a tree, the wasted-only tree. Not a test: prints numbers.
 *   node --expose-gc --import tsx bench/tui-model-memory.ts [IMAGE=bench/out/big.tar]
 */
import { inspect } from '../src/pipeline/inspect.js';
import { resolveImage } from '../src/source/resolve.js';
import { fromChanges, fromWaste } from '../src/tui/model/files.js';
import { imageRows, treeRows } from '../src/tui/model/rows.js';
import { releaseContents } from '../src/tui/data.js';
import { HistoryIndex } from '../src/tui/model/history.js';
import { findingItems } from '../src/tui/model/findings.js';

const image = process.argv[2] ?? 'bench/out/big.tar';
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
let last = 0;
function step(what: string): void {
  gc!();
  gc!();
  const m = process.memoryUsage();
  const heap = m.heapUsed + m.external; // external includes arrayBuffers
  process.stdout.write(`${what.padEnd(34)} heap+external ${mb(heap).padStart(9)}  (+${mb(heap - last)})  rss ${mb(m.rss)}\n`);
  last = heap;
}

step('start');
const img = await resolveImage(image, {});
const r = await inspect(img);
await img.close();
step(`pipeline result (${r.analysis.files} files)`);
releaseContents(r.analysis.root);
step('captured contents released');
const rows = imageRows(r.analysis.root, new Set(), 'name');
for (let i = 0; i < 20; i++) rows.at(i);
step(`Files rows (${rows.length}), 20 drawn`);
const history = new HistoryIndex(r.analysis.layers, r.analysis.waste);
history.of(rows.at(0)!.node.path);
step('history index');
const items = findingItems(r.findings.findings);
step(`findings rows (${items.length})`);
const big = r.analysis.layers.reduce((a, l) => (l.changes.length > a.changes.length ? l : a));
const changes = treeRows(fromChanges(big.changes, big.index), new Set(), 'name');
step(`layer ${big.index}'s changes as rows (${changes.length})`);
const waste = treeRows(fromWaste(r.analysis.waste), new Set(), 'name');
step(`wasted-only rows (${waste.length})`);
// keep everything reachable until the last measurement
if (!rows || !history || !items || !changes || !waste) process.exit(1);
