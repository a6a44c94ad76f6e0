import type { Key } from 'ink';
import { type Action, type Pane, type Screen, CLOSES_OVERLAY, PANES, TREE_PANE, actionOf, alwaysAction } from '../keys.js';
import { type SortKey, toggled } from './files.js';
import { type Rows, leftOf } from './rows.js';
import { type Move, clamp, move } from './scroll.js';

/**
 * The key-handling layer both screens share: a key becomes an action through the table in
 * ../keys.ts, and a pure reducer applies it to the view state. What both screens have (panes, help,
 * the file tree with its filter, sort and folds) is handled here; each screen's reducer adds its own.
 */

export interface ViewState<P extends Pane = Pane> {
  focus: P;
  /** An overlay over the body: the key help, or (inspect) the selected layer's full instruction or the Map. */
  overlay: 'help' | 'layer' | 'map' | 'fix' | 'evidence' | null;
  /** A `/` filter is being typed: keys go to it. */
  editing: boolean;
  query: string;
  sort: SortKey;
  collapsed: ReadonlySet<string>;
  /** Cursors as set by keys; drawing clamps them to the rows there are. */
  treeCursor: number;
  layerCursor: number;
}

/** The tree pane as last drawn: what tree keys act on. */
export interface TreeView {
  rows: Rows;
  page: number;
  /** Every directory path of the tree (for "collapse all"). */
  dirs: () => ReadonlySet<string>;
}

export type Step<S> = { state: S; quit?: true };

export const MOVES: readonly Action[] = ['up', 'down', 'pageUp', 'pageDown', 'home', 'end'] satisfies Move[];
export const isMove = (a: Action): a is Move => MOVES.includes(a);

/** A cursor moved by `m` within `count` rows of which `page` show. */
export function moved(cursor: number, m: Move, page: number, count: number): number {
  return move(clamp(cursor, 0, count - 1), m, page, count);
}

/** A key typed into the `/` filter: Enter keeps it, Esc clears it; either ends typing. */
export function typed(query: string, input: string, key: Key): { query: string; editing: boolean } {
  if (key.return) return { query, editing: false };
  if (key.escape) return { query: '', editing: false };
  if (key.backspace || key.delete) return { query: query.slice(0, -1), editing: true };
  if (input && !key.ctrl && !key.meta && !key.tab) return { query: query + input, editing: true };
  return { query, editing: true };
}

/**
 * One key on `screen`: Ctrl-C quits whatever the state; while a filter is typed keys go to it;
 * under an overlay only keys that close it act; otherwise the key's action goes to `apply`.
 */
export function keyStep<S extends ViewState>(screen: Screen, s: S, input: string, key: Key, apply: (s: S, a: Action) => S): Step<S> {
  if (alwaysAction(screen, input, key) === 'quit') return { state: s, quit: true };
  if (s.editing) return { state: { ...s, ...typed(s.query, input, key), treeCursor: 0 } };
  if (s.overlay === 'map' || s.overlay === 'fix' || s.overlay === 'evidence') {
    // The Map, the Fix and the Evidence views are views of their own: their keys go to the screen's reducer as in a pane.
    const a = actionOf(screen, s.overlay, input, key);
    if (a === undefined) return { state: s };
    if (a === 'quit') return { state: s, quit: true };
    return { state: apply(s, a) };
  }
  if (s.overlay) {
    const a = actionOf(screen, undefined, input, key);
    return { state: a && CLOSES_OVERLAY.includes(a) ? { ...s, overlay: null } : s };
  }
  const a = actionOf(screen, s.focus, input, key);
  if (a === undefined) return { state: s };
  if (a === 'quit') return { state: s, quit: true };
  return { state: apply(s, a) };
}

/** The pane after (or before) `focus` in `screen`'s order. */
export function cycled<P extends Pane>(screen: Screen, focus: P, by: 1 | -1): P {
  const panes = PANES[screen] as readonly Pane[];
  return panes[(panes.indexOf(focus) + panes.length + by) % panes.length] as P;
}

/**
 * What both screens do with an action: help, pane switching, and the tree pane (moving, folding,
 * sort, filter, fold all, Esc clearing the filter). Returns `s` itself for an action it leaves to
 * the screen.
 */
export function reduceShared<S extends ViewState>(screen: Screen, s: S, a: Action, t: TreeView): S {
  const treePane = TREE_PANE[screen];
  const cur = clamp(s.treeCursor, 0, Math.max(0, t.rows.length - 1));
  const fold = (open?: boolean): S => {
    const next = toggled(s.collapsed, t.rows.at(cur), open);
    return next ? { ...s, collapsed: next } : s;
  };
  if (a === 'help') return { ...s, overlay: 'help' };
  if (a === 'nextPane' || a === 'prevPane') return { ...s, focus: cycled(screen, s.focus, a === 'nextPane' ? 1 : -1) };
  if (s.focus === treePane) {
    if (isMove(a)) return { ...s, treeCursor: moved(s.treeCursor, a, t.page, t.rows.length) };
    if (a === 'toggle' || a === 'open') return fold();
    if (a === 'right') return fold(true);
    if (a === 'left') {
      const to = leftOf(t.rows, s.collapsed, cur);
      if (to?.cursor !== undefined) return { ...s, treeCursor: to.cursor };
      if (to?.collapsed) return { ...s, collapsed: to.collapsed };
      return s;
    }
  }
  // Tree view switches act from any pane: they change what the tree shows.
  if (a === 'sort') return { ...s, sort: s.sort === 'name' ? 'size' : 'name' };
  if (a === 'filter') return { ...s, editing: true, focus: treePane };
  if (a === 'foldAll') return { ...s, collapsed: s.collapsed.size > 0 ? new Set<string>() : t.dirs(), treeCursor: 0 };
  if (a === 'cancel' && s.query) return { ...s, query: '' };
  return s;
}
