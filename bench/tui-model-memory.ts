/**
 * Where the terminal UI's memory goes on a large image: the heap after the pipeline's result, then
 * after each view-model the inspect screen builds before its first frame (the Files tree, the
 * per-file history index, the flattened rows, the findings rows). Not a test: prints numbers.
 *   node --expose-gc --import tsx bench/tui-model-memory.ts [IMAGE=bench/out/big.tar]
 */
import { inspect } from '../src/pipeline/inspect.js';
import { resolveImage } from '../src/source/resolve.js';
import { flatten, fromTree, fromWaste } from '../src/tui/model/files.js';
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
  const heap = m.heapUsed + m.external + m.arrayBuffers;
  process.stdout.write(`${what.padEnd(34)} heap+external ${mb(heap).padStart(9)}  (+${mb(heap - last)})  rss ${mb(m.rss)}\n`);
  last = heap;
}

step('start');
const img = await resolveImage(image, {});
const r = await inspect(img);
await img.close();
step(`pipeline result (${r.analysis.files} files)`);
const tree = fromTree(r.analysis.root);
step('Files tree (fromTree)');
const waste = fromWaste(r.analysis.waste);
step('wasted-only tree (fromWaste)');
const history = new HistoryIndex(r.analysis.layers, r.analysis.waste);
step('history index');
const rows = flatten(tree, { collapsed: new Set(), sort: 'name' });
step(`flattened rows (${rows.length})`);
const items = findingItems(r.findings.findings);
step(`findings rows (${items.length})`);
// keep everything reachable until the last measurement
if (!tree || !waste || !history || !rows || !items) process.exit(1);
