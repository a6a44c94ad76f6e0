import type { ChangeKind, LayerStats, WasteItem, WasteKind } from '../../analysis/types.js';
import { ancestors } from './files.js';

/**
 * Per-file history: every layer that touched a path, so each byte traces back to an instruction.
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

/**
 * Indexed once (one pass over every layer's change) so looking up the cursor's file is O(depth).
 * The index is one Map from path to its first step, and the steps are three typed arrays (layer,
 * index into that layer's changes, next step at the same path): on a 200,000-file image an array
 * and an object per path cost ~50 MB, this ~10 MB. Changes are read from the layers when asked.
 */
export class HistoryIndex {
  /** Path → its first step (in layer order); later steps follow `next`. */
  private readonly first = new Map<string, number>();
  private readonly layerOf: Int32Array;
  private readonly changeOf: Int32Array;
  private readonly next: Int32Array;
  private readonly waste = new Map<string, WasteItem[]>();

  constructor(private readonly layers: LayerStats[], waste: WasteItem[]) {
    const n = layers.reduce((s, l) => s + l.changes.length, 0);
    this.layerOf = new Int32Array(n);
    this.changeOf = new Int32Array(n);
    this.next = new Int32Array(n);
    // Walked backwards, each step goes in front of its path's list, so every list reads in layer
    // (and tar) order without a second map of list ends.
    let k = 0;
    for (let li = layers.length - 1; li >= 0; li--) {
      const changes = layers[li].changes;
      for (let ci = changes.length - 1; ci >= 0; ci--, k++) {
        const path = changes[ci].path;
        this.layerOf[k] = li;
        this.changeOf[k] = ci;
        this.next[k] = this.first.get(path) ?? -1;
        this.first.set(path, k);
      }
    }
    for (const w of waste) {
      let list = this.waste.get(w.path);
      if (!list) this.waste.set(w.path, (list = []));
      list.push(w);
    }
  }

  private *steps(path: string): Generator<{ layer: number; kind: ChangeKind; size: number; dir: boolean }> {
    for (let k = this.first.get(path) ?? -1; k >= 0; k = this.next[k]) {
      const l = this.layers[this.layerOf[k]];
      const c = l.changes[this.changeOf[k]];
      yield { layer: l.index, kind: c.kind, size: c.size, dir: c.entryKind === 'dir' };
    }
  }

  /** Steps in layer order: changes at the path itself, and removals or replacements of a parent. */
  of(path: string): HistoryStep[] {
    const steps: HistoryStep[] = [];
    for (const s of this.steps(path)) {
      const step: HistoryStep = { layer: s.layer, kind: s.kind, size: s.size };
      const w = this.waste.get(path)?.find((x) => x.shippedIn === s.layer);
      if (w && s.kind !== 'removed') step.wasted = w.kind;
      steps.push(step);
    }
    for (const a of ancestors(path)) {
      for (const s of this.steps(a)) {
        if (s.kind === 'removed' || (!s.dir && s.kind !== 'metadata')) steps.push({ layer: s.layer, kind: 'removed', size: s.size, via: a });
      }
    }
    return steps.sort((x, y) => x.layer - y.layer);
  }
}
