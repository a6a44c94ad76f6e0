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

/** FNV-1a over the path's UTF-16 units: the index keeps no per-path object, only this number's bucket. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Indexed once (one pass over every layer's change) so looking up the cursor's file is O(depth).
 * The index holds no per-path object: a hash table of typed arrays (bucket heads, then per step its
 * layer, its index in that layer's changes and the next step in the bucket), ~3.5 MB on a
 * 200,000-file image where a Map from path to first step cost 14 MB. Paths are compared against the
 * layers' own change records when asked.
 */
export class HistoryIndex {
  private readonly head: Int32Array;
  private readonly layerOf: Int32Array;
  private readonly changeOf: Int32Array;
  private readonly next: Int32Array;

  constructor(private readonly layers: LayerStats[], private readonly waste: WasteItem[]) {
    const n = layers.reduce((s, l) => s + l.changes.length, 0);
    let size = 1024;
    while (size < n) size *= 2;
    this.head = new Int32Array(size).fill(-1);
    this.layerOf = new Int32Array(n);
    this.changeOf = new Int32Array(n);
    this.next = new Int32Array(n);
    // Walked backwards, each step goes in front of its bucket, so a bucket reads in layer (and tar) order.
    let k = 0;
    for (let li = layers.length - 1; li >= 0; li--) {
      const changes = layers[li].changes;
      for (let ci = changes.length - 1; ci >= 0; ci--, k++) {
        const b = hash(changes[ci].path) & (size - 1);
        this.layerOf[k] = li;
        this.changeOf[k] = ci;
        this.next[k] = this.head[b];
        this.head[b] = k;
      }
    }
  }

  private *steps(path: string): Generator<{ layer: number; kind: ChangeKind; size: number; dir: boolean }> {
    for (let k = this.head[hash(path) & (this.head.length - 1)]; k >= 0; k = this.next[k]) {
      const l = this.layers[this.layerOf[k]];
      const c = l.changes[this.changeOf[k]];
      if (c.path === path) yield { layer: l.index, kind: c.kind, size: c.size, dir: c.entryKind === 'dir' };
    }
  }

  /** What layer `layer` did at `path` (its last change there), if anything. */
  kindIn(path: string, layer: number): ChangeKind | undefined {
    let kind: ChangeKind | undefined;
    for (let k = this.head[hash(path) & (this.head.length - 1)]; k >= 0; k = this.next[k]) {
      if (this.layerOf[k] !== layer) continue;
      const c = this.layers[layer].changes[this.changeOf[k]];
      if (c.path === path) kind = c.kind;
    }
    return kind;
  }

  /** Steps in layer order: changes at the path itself, and removals or replacements of a parent. */
  of(path: string): HistoryStep[] {
    const steps: HistoryStep[] = [];
    const wasted = this.waste.filter((w) => w.path === path);
    for (const s of this.steps(path)) {
      const step: HistoryStep = { layer: s.layer, kind: s.kind, size: s.size };
      const w = wasted.find((x) => x.shippedIn === s.layer);
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
