import type { ImageConfig } from '../../source/types.js';

/**
 * For each layer, the index of its history entry (-1 when the history runs short). History lists
 * every build step; the ones that made no layer are marked empty_layer; null entries are skipped.
 */
export function layerHistoryIndex(config: ImageConfig, layerCount: number): number[] {
  const out = new Array<number>(layerCount).fill(-1);
  const history = Array.isArray(config.history) ? config.history : [];
  let l = 0;
  for (let i = 0; i < history.length && l < layerCount; i++) {
    const h = history[i];
    if (!h || h.empty_layer) continue;
    out[l++] = i;
  }
  return out;
}
