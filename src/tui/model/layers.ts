import type { LayerStats } from '../../analysis/types.js';
import type { LayerOrigin } from '../../analysis/origin.js';

/**
 * The Layers pane's rows: one per layer, except that the layers of the FROM image can fold into one
 * row (they are rarely what the user can change).
 */

export type LayerRow =
  | { kind: 'layer'; index: number; bytes: number; wasted: number; instruction: string; stage?: string; base?: string }
  | { kind: 'base'; first: number; last: number; base: string; bytes: number; wasted: number };

/** Indices of the leading run of base-image layers. */
export function baseRun(origins: LayerOrigin[]): number[] {
  const out: number[] = [];
  for (const o of origins) {
    if (o.base === undefined) break;
    out.push(o.index);
  }
  return out;
}

export function layerRows(layers: LayerStats[], origins: LayerOrigin[], baseCollapsed: boolean): LayerRow[] {
  const base = baseRun(origins);
  const rows: LayerRow[] = [];
  let i = 0;
  if (baseCollapsed && base.length > 1) {
    const ls = layers.slice(0, base.length);
    rows.push({
      kind: 'base',
      first: 0,
      last: base.length - 1,
      base: origins[0]?.base || 'base image',
      bytes: ls.reduce((s, l) => s + l.bytes, 0),
      wasted: ls.reduce((s, l) => s + l.wastedBytes, 0),
    });
    i = base.length;
  }
  for (; i < layers.length; i++) {
    const l = layers[i];
    const o = origins[i];
    rows.push({
      kind: 'layer',
      index: l.index,
      bytes: l.bytes,
      wasted: l.wastedBytes,
      instruction: o?.instruction || '(no history)',
      ...(o?.stage !== undefined ? { stage: o.stage } : {}),
      ...(o?.base !== undefined ? { base: o.base } : {}),
    });
  }
  return rows;
}

/** The layer a row stands for (a folded base group stands for its last layer: the image as FROM gave it). */
export function rowLayer(r: LayerRow): number {
  return r.kind === 'layer' ? r.index : r.last;
}

/** The row showing layer `index`. */
export function rowOfLayer(rows: LayerRow[], index: number): number {
  const i = rows.findIndex((r) => (r.kind === 'layer' ? r.index === index : index >= r.first && index <= r.last));
  return i < 0 ? 0 : i;
}
