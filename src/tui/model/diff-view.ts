import type { Key } from 'ink';
import type { Action, DiffPane } from '../keys.js';
import type { DiffLayerRow, Side } from './diff.js';
import { clamp } from './scroll.js';
import { type Step, type TreeView, type ViewState, isMove, keyStep, moved, reduceShared } from './view.js';

/** The diff screen's view state and what its keys do to it (pure; the screen only draws). */

export interface DiffState extends ViewState<DiffPane> {
  /** Enter on a layer: the tree keeps only the paths that layer wrote. */
  only: { side: Side; index: number } | null;
}

export function initialDiff(): DiffState {
  return { focus: 'changes', overlay: null, editing: false, query: '', sort: 'name', collapsed: new Set(), treeCursor: 0, layerCursor: 0, only: null };
}

/** What the screen drew last: the rows keys move over and page by. */
export interface DiffView {
  layerRows: DiffLayerRow[];
  layerPage: number;
  changes: TreeView;
}

export function diffKey(s: DiffState, input: string, key: Key, v: DiffView): Step<DiffState> {
  return keyStep('diff', s, input, key, (st, a) => reduceDiff(st, a, v));
}

export function reduceDiff(s: DiffState, a: Action, v: DiffView): DiffState {
  if (s.focus === 'layers') {
    if (isMove(a)) return { ...s, layerCursor: moved(s.layerCursor, a, v.layerPage, v.layerRows.length) };
    const row = v.layerRows[clamp(s.layerCursor, 0, v.layerRows.length - 1)];
    if (a === 'open') return row ? { ...s, only: { side: row.side, index: row.layer.index }, treeCursor: 0, focus: 'changes' } : s;
  }
  if (a === 'cancel' && (s.query || s.only)) return { ...s, query: '', only: null };
  return reduceShared('diff', s, a, v.changes);
}
