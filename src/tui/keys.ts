import type { Key } from 'ink';
import type { Move } from './model/scroll.js';

/**
 * Every key of both screens (inspect, diff) as data: the action it asks for, the screens and panes
 * where it acts, and what help says about it. Key handling, the `?` overlay and the bottom hint line
 * all read this one table, so a key cannot mean one thing in one screen and another in the other
 * by accident, and help cannot disagree with what a key does.
 */

export type Screen = 'inspect' | 'diff';

export const PANES = { inspect: ['layers', 'files', 'findings'], diff: ['layers', 'changes'] } as const;
export type InspectPane = (typeof PANES.inspect)[number];
export type DiffPane = (typeof PANES.diff)[number];
/** The inspect screen's Map takes the whole body; its keys act as in a pane of its own. */
export type Pane = InspectPane | DiffPane | 'map' | 'fix' | 'evidence';

/** The pane showing the file tree, where `/`, sorting and folding act. */
export const TREE_PANE = { inspect: 'files', diff: 'changes' } as const;
const TREE_TITLE: Record<Screen, string> = { inspect: 'Files', diff: 'Changes' };

/** What a key asks for; each screen's reducer says what that means in its focused pane. */
export type Action =
  | Move
  | 'quit' | 'help' | 'nextPane' | 'prevPane'
  | 'left' | 'right' | 'toggle' | 'open' | 'instruction' | 'cancel'
  | 'layerView' | 'sort' | 'filter' | 'wastedOnly' | 'findingsOnly' | 'foldAll' | 'map' | 'fix' | 'evidence';

/** Actions that close an overlay (help, the layer's full instruction); other keys are ignored under it. */
export const CLOSES_OVERLAY: readonly Action[] = ['help', 'quit', 'cancel', 'open', 'instruction'];

export interface KeyDef {
  /** As help names it; none for an alias help leaves out (g, G, Esc). */
  label?: string;
  match(input: string, key: Key): boolean;
  /** Acts even while a filter is typed or an overlay is open. */
  always?: boolean;
}

const char = (c: string, label?: string): KeyDef => ({ label, match: (input) => input === c });
const named = (label: string | undefined, name: keyof Key): KeyDef => ({ label, match: (_, key) => key[name] === true });

/** Every key either screen knows. */
export const K = {
  tab: { label: 'Tab', match: (_, key) => key.tab && !key.shift },
  shiftTab: { label: 'Shift-Tab', match: (_, key) => key.tab && key.shift },
  up: named('↑', 'upArrow'),
  down: named('↓', 'downArrow'),
  left: named('←', 'leftArrow'),
  right: named('→', 'rightArrow'),
  pageUp: named('PgUp', 'pageUp'),
  pageDown: named('PgDn', 'pageDown'),
  home: named('Home', 'home'),
  end: named('End', 'end'),
  enter: named('Enter', 'return'),
  esc: named(undefined, 'escape'),
  space: char(' ', 'space'),
  ctrlC: { label: 'Ctrl-C', match: (input, key) => key.ctrl && input === 'c', always: true },
  g: char('g'),
  G: char('G'),
  k: char('k', 'k'),
  j: char('j', 'j'),
  h: char('h', 'h'),
  l: char('l', 'l'),
  i: char('i', 'i'),
  c: char('c', 'c'),
  e: char('e', 'e'),
  s: char('s', 's'),
  w: char('w', 'w'),
  x: char('x', 'x'),
  z: char('z', 'z'),
  m: char('m', 'm'),
  f: char('f', 'f'),
  q: char('q', 'q'),
  slash: char('/', '/'),
  question: char('?', '?'),
} satisfies Record<string, KeyDef>;

export interface Binding {
  /** Names the binding in hint lists. */
  id: string;
  /** The help row's key column; every labelled key below shows in it. */
  label: string;
  keys: ReadonlyArray<readonly [KeyDef, Action]>;
  screens: readonly Screen[];
  /** Help text: one for every screen, or per screen. Absent: not a help row (Esc is told in the texts). */
  help?: string | Partial<Record<Screen, string>>;
  /** Panes where the keys act, per screen; absent: every pane of that screen. */
  panes?: Partial<Record<Screen, readonly Pane[]>>;
  /** Short key label for the bottom hint line. */
  hint?: string;
}

const BOTH: readonly Screen[] = ['inspect', 'diff'];
/** Help for a tree-pane key, named after that screen's tree pane. */
const onTree = (what: string): Record<Screen, string> => ({ inspect: `${TREE_TITLE.inspect}: ${what}`, diff: `${TREE_TITLE.diff}: ${what}` });
const treeOnly = { inspect: [TREE_PANE.inspect], diff: [TREE_PANE.diff] };

/** In help order. */
export const BINDINGS: readonly Binding[] = [
  { id: 'pane', label: 'Tab / Shift-Tab', keys: [[K.tab, 'nextPane'], [K.shiftTab, 'prevPane']], screens: BOTH, help: 'next / previous pane', hint: 'Tab' },
  { id: 'move', label: '↑ ↓  k j', keys: [[K.up, 'up'], [K.k, 'up'], [K.down, 'down'], [K.j, 'down']], screens: BOTH, help: 'move', hint: '↑↓' },
  {
    id: 'page',
    label: 'PgUp PgDn  Home End',
    keys: [[K.pageUp, 'pageUp'], [K.pageDown, 'pageDown'], [K.home, 'home'], [K.g, 'home'], [K.end, 'end'], [K.G, 'end']],
    screens: BOTH,
    help: 'page, first, last',
  },
  { id: 'fold', label: '← →  h l', keys: [[K.left, 'left'], [K.h, 'left'], [K.right, 'right'], [K.l, 'right']], screens: BOTH, help: onTree('fold / unfold, go to parent'), panes: { ...treeOnly, inspect: [TREE_PANE.inspect, 'map'] }, hint: '←→' },
  { id: 'space', label: 'space', keys: [[K.space, 'toggle']], screens: ['inspect'], help: 'fold directory; fold base-image layers', panes: { inspect: ['layers', 'files'] }, hint: 'space' },
  { id: 'spaceEnter', label: 'space  Enter', keys: [[K.space, 'toggle'], [K.enter, 'open']], screens: ['diff'], help: onTree('fold / unfold a directory'), panes: treeOnly },
  {
    id: 'enter',
    label: 'Enter',
    keys: [[K.enter, 'open']],
    screens: BOTH,
    help: { inspect: 'Layers: full instruction; Findings: jump to its layer and path; Files: fold', diff: 'Layers: only the paths that layer wrote (Esc: all)' },
    panes: { diff: ['layers'] },
    hint: 'Enter',
  },
  { id: 'instruction', label: 'i', keys: [[K.i, 'instruction']], screens: ['inspect'], help: 'Layers: full instruction', panes: { inspect: ['layers'] } },
  { id: 'layerView', label: 'c', keys: [[K.c, 'layerView']], screens: ['inspect'], help: 'Files: whole image / only the selected layer', hint: 'c' },
  { id: 'sort', label: 's', keys: [[K.s, 'sort']], screens: BOTH, help: { inspect: 'Files: sort by name / size', diff: 'Changes: sort by path / by size of the change' }, hint: 's' },
  { id: 'filter', label: '/', keys: [[K.slash, 'filter']], screens: BOTH, help: onTree('filter paths (Enter keep, Esc clear)'), hint: '/' },
  { id: 'wasted', label: 'w', keys: [[K.w, 'wastedOnly']], screens: ['inspect'], help: 'Files: wasted bytes only', hint: 'w' },
  { id: 'findingsOnly', label: 'x', keys: [[K.x, 'findingsOnly']], screens: ['inspect'], help: 'Files: findings only', hint: 'x' },
  { id: 'map', label: 'm', keys: [[K.m, 'map']], screens: ['inspect'], help: 'Map: bytes by stage, layer and what msb found; directories by size (Enter/→ in, ← out, Esc back)', hint: 'm' },
  { id: 'fix', label: 'f', keys: [[K.f, 'fix']], screens: ['inspect'], help: 'Findings: the Dockerfile patch (msb fix) with the bytes each change saves (needs --dockerfile)', panes: { inspect: ['findings', 'fix'] }, hint: 'f' },
  { id: 'evidence', label: 'e', keys: [[K.e, 'evidence']], screens: ['inspect'], help: "Findings: why msb believes it (rule, confidence, the packages and files that prove it) and what the entrypoint keeps", panes: { inspect: ['findings', 'evidence'] }, hint: 'e' },
  { id: 'foldAll', label: 'z', keys: [[K.z, 'foldAll']], screens: BOTH, help: onTree('fold / unfold all'), hint: 'z' },
  { id: 'help', label: '?', keys: [[K.question, 'help']], screens: BOTH, help: 'this help', hint: '?' },
  { id: 'quit', label: 'q  Ctrl-C', keys: [[K.q, 'quit'], [K.ctrlC, 'quit']], screens: BOTH, help: 'quit', hint: 'q' },
  // Esc clears the filter (and in diff the layer's paths-only view); the help texts above say so.
  { id: 'cancel', label: 'Esc', keys: [[K.esc, 'cancel']], screens: BOTH },
];

/** The bottom line: these first on every pane, in bold... */
const LEAD: ReadonlyArray<readonly [string, string]> = [['help', 'keys'], ['quit', 'quit'], ['pane', 'pane']];
/** ...then what matters in the focused pane: [binding id, what it does there]. */
const HINTS: { [S in Screen]: Record<(typeof PANES)[S][number], ReadonlyArray<readonly [string, string]>> & Partial<Record<'map' | 'fix' | 'evidence', ReadonlyArray<readonly [string, string]>>> } = {
  inspect: {
    layers: [['move', 'layer'], ['enter', 'instruction'], ['space', 'fold base'], ['layerView', 'layer/image'], ['wasted', 'wasted']],
    files: [['move', 'move'], ['fold', 'fold'], ['layerView', 'layer/image'], ['sort', 'sort'], ['filter', 'filter'], ['wasted', 'wasted'], ['findingsOnly', 'findings']],
    findings: [['move', 'move'], ['enter', 'jump to file'], ['evidence', 'evidence'], ['fix', 'fix'], ['layerView', 'layer/image'], ['wasted', 'wasted'], ['findingsOnly', 'findings']],
    map: [['move', 'move'], ['enter', 'open directory'], ['fold', 'in / out'], ['map', 'back']],
    fix: [['move', 'scroll'], ['fix', 'back']],
    evidence: [['move', 'scroll'], ['evidence', 'back']],
  },
  diff: {
    layers: [['move', 'layer'], ['enter', 'its paths only'], ['sort', 'sort'], ['filter', 'filter']],
    changes: [['move', 'move'], ['fold', 'fold'], ['sort', 'sort'], ['filter', 'filter'], ['foldAll', 'fold all']],
  },
};

export function bindingsOf(screen: Screen): Binding[] {
  return BINDINGS.filter((b) => b.screens.includes(screen));
}

/** Whether binding `b` acts in `pane` of `screen`. */
export function actsIn(b: Binding, screen: Screen, pane: Pane): boolean {
  const only = b.panes?.[screen];
  return !only || only.includes(pane);
}

/**
 * The action a key asks for in `screen` with `pane` focused; with no pane (an overlay is open) any
 * binding of the screen counts. Keys that act always (Ctrl-C, which also reads as "c") come first,
 * then the first binding in table order wins.
 */
export function actionOf(screen: Screen, pane: Pane | undefined, input: string, key: Key): Action | undefined {
  const always = alwaysAction(screen, input, key);
  if (always) return always;
  for (const b of bindingsOf(screen)) {
    if (pane !== undefined && !actsIn(b, screen, pane)) continue;
    for (const [k, a] of b.keys) if (k.match(input, key)) return a;
  }
  return undefined;
}

/** The action of a key that acts whatever the state (Ctrl-C), if it is one. */
export function alwaysAction(screen: Screen, input: string, key: Key): Action | undefined {
  for (const b of bindingsOf(screen)) for (const [k, a] of b.keys) if (k.always && k.match(input, key)) return a;
  return undefined;
}

export function helpText(b: Binding, screen: Screen): string | undefined {
  return typeof b.help === 'string' ? b.help : b.help?.[screen];
}

/** The `?` overlay's rows: [keys, what they do]. */
export function helpRows(screen: Screen): Array<[string, string]> {
  return bindingsOf(screen).flatMap((b) => {
    const t = helpText(b, screen);
    return t === undefined ? [] : [[b.label, t] as [string, string]];
  });
}

/** The bottom hint line's two parts, "key text" each: the lead (same everywhere) and the focused pane's. */
export function hints(screen: Screen, pane: Pane): { lead: string[]; pane: string[] } {
  const byId = new Map(bindingsOf(screen).map((b) => [b.id, b]));
  const show = ([id, text]: readonly [string, string]) => {
    const b = byId.get(id);
    if (!b?.hint) throw new Error(`hint ${id}: no such binding with a hint on the ${screen} screen`);
    return `${b.hint} ${text}`;
  };
  const paneHints = (HINTS[screen] as Record<string, ReadonlyArray<readonly [string, string]>>)[pane] ?? [];
  return { lead: LEAD.map(show), pane: paneHints.map(show) };
}
