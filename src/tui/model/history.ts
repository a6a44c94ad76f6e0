import type { ChangeKind, LayerStats, WasteItem, WasteKind } from '../../analysis/types.js';
import { ancestors } from './files.js';

/**
 * Per-file history: every layer that touched a path, so each byte traces back to an instruction.
 * Indexed once (one pass over all layers' changes) so looking up the cursor's file is O(depth).
 */

export interface HistoryStep {
  layer: number;
  kind: ChangeKind;
  /** Bytes the layer shipped at the path (for removals: bytes it hid). */
  size: number;
  /** Set when the step happened to a parent directory (e.g. `rm -rf` of the directory). */
  via?: string;
  /** Set when these bytes are not visible in the final image, and why. */
  wasted?: WasteKind;
}

export class HistoryIndex {
  private readonly byPath = new Map<string, Array<{ layer: number; kind: ChangeKind; size: number; dir: boolean }>>();
  private readonly waste = new Map<string, WasteItem[]>();

  constructor(layers: LayerStats[], waste: WasteItem[]) {
    for (const l of layers) {
      for (const c of l.changes) {
        let list = this.byPath.get(c.path);
        if (!list) this.byPath.set(c.path, (list = []));
        list.push({ layer: l.index, kind: c.kind, size: c.size, dir: c.entryKind === 'dir' });
      }
    }
    for (const w of waste) {
      let list = this.waste.get(w.path);
      if (!list) this.waste.set(w.path, (list = []));
      list.push(w);
    }
  }

  /** Steps in layer order: changes at the path itself, and removals or replacements of a parent. */
  of(path: string): HistoryStep[] {
    const steps: HistoryStep[] = [];
    for (const s of this.byPath.get(path) ?? []) {
      const step: HistoryStep = { layer: s.layer, kind: s.kind, size: s.size };
      const w = this.waste.get(path)?.find((x) => x.shippedIn === s.layer);
      if (w && s.kind !== 'removed') step.wasted = w.kind;
      steps.push(step);
    }
    for (const a of ancestors(path)) {
      for (const s of this.byPath.get(a) ?? []) {
        if (s.kind === 'removed' || (!s.dir && s.kind !== 'metadata')) steps.push({ layer: s.layer, kind: 'removed', size: s.size, via: a });
      }
    }
    return steps.sort((x, y) => x.layer - y.layer);
  }
}
