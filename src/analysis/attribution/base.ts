import type { HistoryEntry } from '../../source/types.js';
import type { BaseSignal } from '../origin.js';

/**
 * Finds where the FROM image's history ends and the build's begins, from the image alone. Measured on
 * builds made here (docs/attribution.md): buildah comments each step it adds with `FROM <parent>`, the
 * first with the FROM reference and later ones with a 12-hex image id; BuildKit comments its steps
 * `buildkit.dockerfile.v0`; the legacy builder writes no comment, so a base whose entries have one
 * ends where the comments stop; otherwise only a dominant creation-time gap is left (a heuristic).
 */
export interface BaseBoundary {
  /** Index of the first history entry the build added (0: no base, or not found). */
  historyIndex: number;
  ref?: string;
  signal: BaseSignal;
}

const BUILDKIT = 'buildkit.dockerfile.v0';
const HEX_ID = /^[0-9a-f]{12,64}$/;

/** A gap counts when it is at least this long and this many times longer than any later step's. */
const GAP_MIN_MS = 5000;
const GAP_FACTOR = 5;

export function detectBase(history: ReadonlyArray<HistoryEntry | null | undefined>): BaseBoundary {
  const n = history.length;
  // buildah: walk back over the build's own "FROM <x>" comments to the one naming a reference.
  for (let i = n - 1; i >= 0; i--) {
    const m = /^FROM (\S+)$/.exec(history[i]?.comment ?? '');
    if (!m) break;
    if (!HEX_ID.test(m[1])) return i > 0 ? { historyIndex: i, ref: m[1], signal: 'buildah-comment' } : { historyIndex: 0, signal: 'none' };
  }
  // BuildKit: the trailing run of its comment, when something else precedes it.
  let k = n;
  while (k > 0 && history[k - 1]?.comment === BUILDKIT) k--;
  if (k < n && k > 0) return { historyIndex: k, signal: 'buildkit-comment' };
  // Legacy builder: its steps carry no comment; a base made by another builder (or by a tool like
  // debuerreotype) usually does, so the trailing comment-less run starts the build.
  let c = n;
  while (c > 0 && history[c - 1] && !history[c - 1]!.comment) c--;
  if (c < n && c > 0 && history[c - 1]?.comment) return { historyIndex: c, signal: 'comment-change' };
  const gap = timeGap(history);
  if (gap > 0) return { historyIndex: gap, signal: 'time-gap' };
  return { historyIndex: 0, signal: 'none' };
}

/** Index after the one dominant gap between consecutive creation times, or 0. */
function timeGap(history: ReadonlyArray<HistoryEntry | null | undefined>): number {
  const t = history.map((h) => (h?.created ? Date.parse(h.created) : NaN));
  let best = 0;
  let bestGap = 0;
  const gaps: number[] = [];
  for (let i = 1; i < t.length; i++) {
    const g = t[i] - t[i - 1];
    gaps.push(Number.isFinite(g) ? g : 0);
    if (Number.isFinite(g) && g > bestGap) {
      bestGap = g;
      best = i;
    }
  }
  if (best === 0 || bestGap < GAP_MIN_MS) return 0;
  const others = gaps.filter((_, j) => j + 1 !== best);
  const second = others.length ? Math.max(...others) : 0;
  return bestGap >= GAP_FACTOR * second ? best : 0;
}
