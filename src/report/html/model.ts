import type { Finding } from '../../analysis/findings/types.js';
import type { TreeNode } from '../../analysis/types.js';
import prettyBytes from 'pretty-bytes';
import type { InspectResult } from '../../pipeline/types.js';
import { percent } from '../format.js';
import { byText } from '../../text-order.js';

/**
 * What the HTML report's size map draws, computed from an InspectResult: every byte of the image
 * nested by stage → layer (instruction) → directory → file, each file coloured by what msb found
 * (wasted, toolchain, cache, source, leftover, secret, or needed). Wasted copies sit under the layer
 * that shipped them. Small entries are folded into one "smaller files" node per directory so a
 * 200k-file image stays a few hundred kB; bytes are never lost in the folding.
 */

/** Category codes, one letter each to keep the embedded data small. */
export type MapCode = 'n' | 'w' | 't' | 'c' | 's' | 'l' | 'x' | 'a' | 'g';
export const INSPECT_LEGEND: Record<string, string> = { n: 'needed', w: 'wasted', t: 'toolchain', c: 'cache', s: 'source', l: 'leftover', x: 'secret' };
const CODE: Record<string, MapCode> = { toolchain: 't', cache: 'c', source: 's', leftover: 'l', secret: 'x' };

export interface MapNode {
  /** Name (a path component, or a stage / layer label). */
  n: string;
  /** Bytes (for inner nodes: the sum of the children). */
  b: number;
  /** Category of a file (inner nodes: the category of most of their bytes). */
  c?: MapCode;
  /** Index into `findings` of the finding that flags this file. */
  f?: number;
  /** Layer index (stage and layer nodes, and files). */
  l?: number;
  /** Files folded into this node ("N smaller files"). */
  m?: number;
  k?: MapNode[];
}

/** What the page shows; the same page serves msb inspect and msb diff. */
export interface ReportData {
  /** The heading: what was inspected (or compared). */
  title: string;
  /** Label and value pairs for the summary line, already formatted. */
  facts: Array<[string, string]>;
  /** Map category code → its name in the legend (codes are CSS classes c-<code>). */
  legend: Record<string, string>;
  /** Tables below the map: heading, column heads, rows of text. */
  tables: Array<{ id: string; title: string; heads: string[]; rows: string[][] }>;
  tree: MapNode;
  /** For hover: what each layer is (inspect reports). */
  layers?: Array<{ index: number; instruction: string; stage?: string; line?: number; bytes: number; wasted: number; base?: string }>;
  /** For hover: the finding a cell's index names (inspect reports). */
  findings?: Array<{ rule: string; category: string; severity: string; bytes: number; layer: number; line?: number; stage?: string; fix: string; path: string }>;
  notes: string[];
}

/** A node smaller than this share of the image is folded into its directory's "smaller files". */
export const FOLD_SHARE = 1 / 4000;
/** At most this many children shown per directory; the rest fold. */
const MAX_CHILDREN = 120;

export interface Building {
  name: string;
  bytes: number;
  code?: MapCode;
  finding?: number;
  children?: Map<string, Building>;
}

export function add(root: Building, path: string, bytes: number, code: MapCode, finding: number | undefined): void {
  const parts = path.split('/');
  let node = root;
  root.bytes += bytes;
  for (let i = 0; i < parts.length - 1; i++) {
    node.children ??= new Map();
    let next = node.children.get(parts[i]);
    if (!next) node.children.set(parts[i], (next = { name: parts[i], bytes: 0 }));
    next.bytes += bytes;
    node = next;
  }
  node.children ??= new Map();
  const leaf = parts[parts.length - 1];
  const prev = node.children.get(leaf);
  if (prev && !prev.children) prev.bytes += bytes;
  else node.children.set(prev ? `${leaf} (file)` : leaf, { name: leaf, bytes, code, ...(finding !== undefined ? { finding } : {}) });
}

/** Building tree → compact nodes, folding small children; iterative (trees can be deep). */
export function compact(root: Building, min: number): MapNode {
  const out: MapNode = { n: root.name, b: root.bytes };
  const stack: Array<[Building, MapNode]> = [[root, out]];
  while (stack.length) {
    const [b, m] = stack.pop()!;
    if (!b.children) {
      if (b.code) m.c = b.code;
      if (b.finding !== undefined) m.f = b.finding;
      continue;
    }
    const kids = [...b.children.values()].sort((x, y) => y.bytes - x.bytes || byText(x.name, y.name));
    const keep = kids.filter((k, i) => i < MAX_CHILDREN && k.bytes >= min);
    const rest = kids.slice(keep.length);
    m.k = keep.map((k) => {
      const node: MapNode = { n: k.name, b: k.bytes };
      stack.push([k, node]);
      return node;
    });
    if (rest.length) {
      const bytes = rest.reduce((s, k) => s + k.bytes, 0);
      if (bytes > 0) m.k.push({ n: `${rest.length.toLocaleString('en-US')} smaller entries`, b: bytes, m: rest.length, c: mostly(rest) });
    }
  }
  return out;
}

/** The category most of these nodes' bytes have (leaves only; directories count as needed). */
function mostly(nodes: Building[]): MapCode {
  const by = new Map<MapCode, number>();
  for (const n of nodes) by.set(n.code ?? 'n', (by.get(n.code ?? 'n') ?? 0) + n.bytes);
  return [...by].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'n';
}

/** Finding paths (not waste: wasted bytes are placed from the waste list) → [code, finding index]. */
function flaggedPaths(findings: Finding[]): Map<string, [MapCode, number]> {
  const m = new Map<string, [MapCode, number]>();
  findings.forEach((f, i) => {
    const code = CODE[f.category];
    if (!code || f.bytes <= 0) return;
    for (const p of f.paths) m.set(p.path.replace(/^\/+/, ''), [code, i]);
  });
  return m;
}

function flagOf(path: string, flagged: Map<string, [MapCode, number]>): [MapCode, number] | undefined {
  for (let p = path; ; ) {
    const hit = flagged.get(p);
    if (hit) return hit;
    const i = p.lastIndexOf('/');
    if (i < 0) return undefined;
    p = p.slice(0, i);
  }
}

/** Every visible regular file with its path and the layer that last wrote it; iterative. */
function* files(root: TreeNode): Generator<[string, TreeNode]> {
  if (!root.children) return;
  const stack: Array<[string, Iterator<[string, TreeNode]>]> = [['', root.children.entries()]];
  while (stack.length) {
    const [prefix, it] = stack[stack.length - 1];
    const next = it.next();
    if (next.done) {
      stack.pop();
      continue;
    }
    const [name, child] = next.value;
    const path = prefix ? `${prefix}/${name}` : name;
    if (child.children) stack.push([path, child.children.entries()]);
    else if (child.kind === 'file' && child.size > 0) yield [path, child];
  }
}

export const stageLabel = (o: { base?: string; stage?: string } | undefined): string =>
  o?.base !== undefined ? `base image ${o.base}` : o?.stage !== undefined ? `stage ${o.stage}` : 'build';

export function reportData(r: InspectResult): ReportData {
  const findings = r.findings.findings;
  const flagged = flaggedPaths(findings);
  const layerRoots = r.layers.map((l) => ({ name: `L${l.index} ${l.instruction || '(no history)'}`, bytes: 0 }) as Building);
  for (const [path, node] of files(r.analysis.root)) {
    const hit = flagOf(path, flagged);
    add(layerRoots[node.layer] ?? layerRoots[0], path, node.size, hit?.[0] ?? 'n', hit?.[1]);
  }
  for (const w of r.analysis.waste) {
    const root = layerRoots[w.shippedIn];
    if (root) add(root, `wasted (hidden by layer ${w.hiddenBy})/${w.path}`, w.bytes, 'w', undefined);
  }
  const total = Math.max(1, r.summary.totalBytes);
  const min = total * FOLD_SHARE;
  const stages = new Map<string, MapNode>();
  const tree: MapNode = { n: r.image.reference, b: 0, k: [] };
  r.layers.forEach((l, i) => {
    const label = stageLabel(l.origin);
    let stage = stages.get(label);
    if (!stage) {
      stages.set(label, (stage = { n: label, b: 0, k: [] }));
      tree.k!.push(stage);
    }
    const node = compact(layerRoots[i], min);
    node.l = i;
    stage.b += node.b;
    stage.k!.push(node);
  });
  tree.b = tree.k!.reduce((s, k) => s + k.b, 0);
  const c = r.image.config;
  const platform = [c.os, c.architecture, c.variant].filter(Boolean).join('/');
  const s = r.summary;
  const share = (n: number) => (s.totalBytes ? ` (${percent(n / s.totalBytes)})` : '');
  return {
    title: `${r.image.reference}${platform ? ` (${platform})` : ''}`,
    facts: [
      ['size', prettyBytes(s.totalBytes)], ['layers', String(s.layers)], ['files', s.files.toLocaleString('en-US')],
      ['wasted', `${prettyBytes(s.wastedBytes)}${share(s.wastedBytes)}`], ['can go', `${prettyBytes(s.potentialSavingsBytes)}${share(s.potentialSavingsBytes)}`],
      ['findings', String(findings.length)],
    ],
    legend: INSPECT_LEGEND,
    tables: [
      { id: 'findings', title: 'Findings', heads: ['bytes', 'rule', 'severity', 'layer', 'line', 'path', 'fix'], rows: findings.map((f) => [prettyBytes(f.bytes), f.rule, f.severity, String(f.layer), f.line !== undefined ? String(f.line) : '', f.paths[0]?.path ?? '', f.fix]) },
      { id: 'layers', title: 'Layers', heads: ['#', 'bytes', 'wasted', 'stage', 'line', 'instruction'], rows: r.layers.map((l) => [String(l.index), prettyBytes(l.stats.bytes), l.stats.wastedBytes ? prettyBytes(l.stats.wastedBytes) : '', l.origin.base !== undefined ? `base ${l.origin.base}` : l.origin.stage ?? '', l.origin.line !== undefined ? String(l.origin.line) : '', l.instruction]) },
    ],
    tree,
    layers: r.layers.map((l) => ({
      index: l.index,
      instruction: l.instruction,
      ...(l.origin.stage !== undefined ? { stage: l.origin.stage } : {}),
      ...(l.origin.line !== undefined ? { line: l.origin.line } : {}),
      ...(l.origin.base !== undefined ? { base: l.origin.base } : {}),
      bytes: l.stats.bytes,
      wasted: l.stats.wastedBytes,
    })),
    findings: findings.map((f) => ({
      rule: f.rule,
      category: f.category,
      severity: f.severity,
      bytes: f.bytes,
      layer: f.layer,
      ...(f.line !== undefined ? { line: f.line } : {}),
      ...(f.stage !== undefined ? { stage: f.stage } : {}),
      fix: f.fix,
      path: f.paths[0]?.path ?? '',
    })),
    notes: r.image.notes,
  };
}
