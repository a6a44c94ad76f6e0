import type { HistoryEntry, ImageConfig } from '../source/types.js';

/**
 * Pairs layers with their history entries: history lists every build step, and the steps that
 * produced no layer are marked empty_layer. Images with missing history or fewer entries than layers
 * still work: the layers without one get undefined.
 */
export function layerHistory(config: ImageConfig, layerCount: number): (HistoryEntry | undefined)[] {
  const out: (HistoryEntry | undefined)[] = new Array(layerCount).fill(undefined);
  const history = Array.isArray(config.history) ? config.history : [];
  let i = 0;
  for (const h of history) {
    if (!h || h.empty_layer) continue;
    if (i >= layerCount) break;
    out[i++] = h;
  }
  return out;
}
