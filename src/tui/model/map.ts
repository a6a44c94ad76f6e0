import type { Finding } from '../../analysis/findings/types.js';
import type { LayerOrigin } from '../../analysis/origin.js';
import type { Analysis, TreeNode } from '../../analysis/types.js';
import { byText } from '../../text-order.js';

/**
 * The Map: where an image's bytes are, as a person would ask it. Every layer's bytes split by what
 * msb found (wasted, toolchain, cache, source, leftover, secret; the rest is needed), summed per
 * build stage; and the final filesystem's directories by size, with the bytes findings flag in each,
 * to drill into like `du`. Pure: it reads the pipeline's result, recomputes no finding.
 */

export const MAP_CATEGORIES = ['needed', 'waste', 'toolchain', 'cache', 'source', 'leftover', 'secret'] as const;
export type MapCategory = (typeof MAP_CATEGORIES)[number];

/** The cell each category fills a bar with: letters, so the map reads without colour (NO_COLOR). */
export const CATEGORY_CHAR: Record<MapCategory, string> = { needed: '█', waste: 'w', toolchain: 't', cache: 'c', source: 's', leftover: 'l', secret: '!' };
export const CATEGORY_LABEL: Record<MapCategory, string> = { needed: 'needed', waste: 'wasted', toolchain: 'toolchain', cache: 'cache', source: 'source', leftover: 'leftover', secret: 'secret' };

export interface Breakdown {
  label: string;
  bytes: number;
  parts: Record<MapCategory, number>;
}

const empty = (): Record<MapCategory, number> => ({ needed: 0, waste: 0, toolchain: 0, cache: 0, source: 0, leftover: 0, secret: 0 });

/** A finding's category on the map (kinds that never carry bytes, such as hardening, count nowhere). */
function mapCategory(f: Finding): MapCategory | undefined {
  if (f.category === 'waste' || f.bytes <= 0) return undefined; // waste comes from the layers' own accounting
  return (MAP_CATEGORIES as readonly string[]).includes(f.category) ? (f.category as MapCategory) : 'leftover';
}

/** One breakdown per layer: its bytes, what of them is wasted, what findings flag, the rest needed. */
export function layerBreakdowns(analysis: Analysis, findings: Finding[], origins: LayerOrigin[]): Breakdown[] {
  const out = analysis.layers.map((l): Breakdown => {
    const parts = empty();
    parts.waste = l.wastedBytes;
    const o = origins[l.index];
    return { label: `L${l.index} ${o?.instruction ?? ''}`.trim(), bytes: l.bytes, parts };
  });
  for (const f of findings) {
    const c = mapCategory(f);
    if (c && out[f.layer]) out[f.layer].parts[c] += f.bytes;
  }
  for (const b of out) {
    const flagged = MAP_CATEGORIES.reduce((s, c) => (c === 'needed' ? s : s + b.parts[c]), 0);
    b.parts.needed = Math.max(0, b.bytes - flagged);
  }
  return out;
}

/** Layers summed per build stage, in layer order: the FROM image's layers as "base". */
export function stageBreakdowns(layers: Breakdown[], origins: LayerOrigin[]): Breakdown[] {
  const byStage = new Map<string, Breakdown>();
  layers.forEach((b, i) => {
    const o = origins[i];
    const label = o?.base !== undefined ? `base ${o.base}` : o?.stage !== undefined ? `stage ${o.stage}` : 'build';
    let s = byStage.get(label);
    if (!s) byStage.set(label, (s = { label, bytes: 0, parts: empty() }));
    s.bytes += b.bytes;
    for (const c of MAP_CATEGORIES) s.parts[c] += b.parts[c];
  });
  return [...byStage.values()];
}

/**
 * A bar of `width` cells for `b`, scaled so `max` bytes fill it: each category gets cells in
 * proportion (largest remainders first, so the cells add up), and any flagged category gets one.
 */
export function bar(b: Breakdown, width: number, max: number): string {
  const cells = max > 0 ? Math.round((b.bytes / max) * width) : 0;
  if (cells <= 0 || b.bytes <= 0) return '';
  const exact = MAP_CATEGORIES.map((c) => ({ c, v: (b.parts[c] / b.bytes) * cells }));
  const n = new Map(exact.map(({ c, v }) => [c, Math.floor(v)]));
  let left = cells - [...n.values()].reduce((s, v) => s + v, 0);
  for (const { c } of [...exact].sort((x, y) => (y.v - Math.floor(y.v)) - (x.v - Math.floor(x.v)))) {
    if (left <= 0) break;
    if (b.parts[c] > 0) {
      n.set(c, n.get(c)! + 1);
      left--;
    }
  }
  // A flagged category too small for a cell still shows, taken from the largest one.
  for (const c of MAP_CATEGORIES) {
    if (c === 'needed' || b.parts[c] <= 0 || n.get(c)! > 0) continue;
    const biggest = MAP_CATEGORIES.reduce((x, y) => (n.get(y)! > n.get(x)! ? y : x));
    if (n.get(biggest)! > 1) {
      n.set(biggest, n.get(biggest)! - 1);
      n.set(c, 1);
    }
  }
  return MAP_CATEGORIES.map((c) => CATEGORY_CHAR[c].repeat(n.get(c)!)).join('');
}

export interface DirRow extends Breakdown {
  name: string;
  /** Path without a leading "/". */
  path: string;
  dir: boolean;
}

/** The directory at `path` of the final filesystem (undefined when there is none). */
export function dirAt(root: TreeNode, path: string): TreeNode | undefined {
  let node: TreeNode | undefined = root;
  for (const part of path ? path.split('/') : []) node = node?.children?.get(part);
  return node?.children ? node : undefined;
}

/**
 * The entries of the directory at `path`, biggest first, each split into what findings flag below it
 * (by category) and the rest (needed). Wasted bytes are not in the final filesystem, so not here.
 */
export function dirRows(root: TreeNode, path: string, findings: Finding[]): DirRow[] {
  const node = dirAt(root, path);
  if (!node) return [];
  const flaggedPaths: Array<[string, number, MapCategory]> = [];
  for (const f of findings) {
    const c = mapCategory(f);
    if (c) for (const p of f.paths) flaggedPaths.push([p.path.replace(/^\/+/, ''), p.bytes, c]);
  }
  const rows: DirRow[] = [];
  for (const [name, child] of node.children!) {
    const p = path ? `${path}/${name}` : name;
    const bytes = child.children || child.kind === 'file' ? child.size : 0;
    const parts = empty();
    for (const [fp, b, c] of flaggedPaths) if (fp === p || fp.startsWith(`${p}/`)) parts[c] += b;
    const flagged = MAP_CATEGORIES.reduce((s, c) => (c === 'needed' ? s : s + parts[c]), 0);
    parts.needed = Math.max(0, bytes - flagged);
    rows.push({ label: name, name, path: p, bytes, dir: !!child.children, parts });
  }
  return rows.sort((a, b) => b.bytes - a.bytes || byText(a.name, b.name));
}

/** The parent of a path ('' is the root). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}
