import type { Key } from 'ink';
import type { Action, InspectPane } from '../keys.js';
import type { LayerOrigin } from '../../analysis/origin.js';
import type { LayerStats } from '../../analysis/types.js';
import { ancestors } from './files.js';
import type { FindingItem } from './findings.js';
import { type LayerRow, baseRun, layerRows, rowLayer, rowOfLayer } from './layers.js';
import { clamp } from './scroll.js';
import { type DirRow, parentPath } from './map.js';
import { type Step, type TreeView, type ViewState, isMove, keyStep, moved, reduceShared } from './view.js';

/** The inspect screen's view state and what its keys do to it (pure; the screen only draws). */

export interface InspectState extends ViewState<InspectPane> {
  /** The leading base-image layers show as one row. */
  baseFolded: boolean;
  /** Files: the merged image, or only what the selected layer changed. */
  mode: 'image' | 'layer';
  wastedOnly: boolean;
  findingsOnly: boolean;
  findingCursor: number;
  /** After a jump: the path the Files cursor goes to once its rows are drawn. */
  reveal: string | null;
  /** The Map: the directory shown ('' is /) and the cursor in it. */
  mapPath: string;
  mapCursor: number;
  /** After going up: the entry the Map cursor goes to once its rows are drawn. */
  mapReveal: string | null;
  /** The Fix view: first line shown. */
  fixScroll: number;
  /** The Evidence view: first line shown. */
  evidenceScroll: number;
}

export function initialInspect(layerCount: number): InspectState {
  return {
    focus: 'layers', overlay: null, editing: false, query: '', sort: 'name', collapsed: new Set(), treeCursor: 0,
    layerCursor: Math.max(0, layerCount - 1), baseFolded: true, mode: 'image', wastedOnly: false, findingsOnly: false, findingCursor: 0, reveal: null,
    mapPath: '', mapCursor: 0, mapReveal: null, fixScroll: 0, evidenceScroll: 0,
  };
}

/** What the screen drew last: the rows keys move over and page by. */
export interface InspectView {
  layers: LayerStats[];
  origins: LayerOrigin[];
  layerRows: LayerRow[];
  layerPage: number;
  items: FindingItem[];
  findingPage: number;
  files: TreeView;
  /** The Map's directory rows as drawn, and how many show. */
  mapRows: DirRow[];
  mapPage: number;
  /** The Fix view's line count and how many show. */
  fixLines: number;
  fixPage: number;
  /** The Evidence view's (wrapped) line count and how many show. */
  evidenceLines: number;
  evidencePage: number;
}

export function inspectKey(s: InspectState, input: string, key: Key, v: InspectView): Step<InspectState> {
  return keyStep('inspect', s, input, key, (st, a) => reduceInspect(st, a, v));
}

export function reduceInspect(s: InspectState, a: Action, v: InspectView): InspectState {
  if (s.overlay === 'map') return reduceMap(s, a, v);
  if (s.overlay === 'fix') return reduceScrolled(s, a, 'fix', 'fixScroll', v.fixLines, v.fixPage);
  if (s.overlay === 'evidence') return reduceScrolled(s, a, 'evidence', 'evidenceScroll', v.evidenceLines, v.evidencePage);
  if (a === 'map') return { ...s, overlay: 'map' };
  if (a === 'fix') return { ...s, overlay: 'fix', fixScroll: 0 };
  if (a === 'evidence' && v.items.length) return { ...s, overlay: 'evidence', evidenceScroll: 0 };
  if (s.focus === 'layers') {
    const row = v.layerRows[clamp(s.layerCursor, 0, v.layerRows.length - 1)];
    if (isMove(a)) return { ...s, layerCursor: moved(s.layerCursor, a, v.layerPage, v.layerRows.length) };
    if ((a === 'open' || a === 'instruction') && row?.kind === 'layer') return { ...s, overlay: 'layer' };
    if (a === 'open' || a === 'toggle') return foldBase(s, v, row);
  } else if (s.focus === 'findings') {
    if (isMove(a)) return { ...s, findingCursor: moved(s.findingCursor, a, v.findingPage, v.items.length) };
    if (a === 'open') return jump(s, v);
  }
  // Files view switches act from any pane: they change what the Files pane shows.
  if (a === 'layerView') return { ...s, mode: s.mode === 'image' ? 'layer' : 'image', treeCursor: 0 };
  if (a === 'wastedOnly') return { ...s, wastedOnly: !s.wastedOnly, treeCursor: 0 };
  if (a === 'findingsOnly') return { ...s, findingsOnly: !s.findingsOnly, treeCursor: 0 };
  return reduceShared('inspect', s, a, v.files);
}

/** The Map: move over a directory's entries, Enter or → opens a directory, ← goes up, Esc or m back. */
function reduceMap(s: InspectState, a: Action, v: InspectView): InspectState {
  if (isMove(a)) return { ...s, mapCursor: moved(s.mapCursor, a, v.mapPage, v.mapRows.length) };
  const row = v.mapRows[clamp(s.mapCursor, 0, Math.max(0, v.mapRows.length - 1))];
  if ((a === 'open' || a === 'right') && row?.dir) return { ...s, mapPath: row.path, mapCursor: 0 };
  // Up a level, the cursor back on the directory we came from.
  if (a === 'left' && s.mapPath) return { ...s, mapPath: parentPath(s.mapPath), mapCursor: 0, mapReveal: s.mapPath };
  if (a === 'cancel' || a === 'map') return { ...s, overlay: null };
  if (a === 'help') return { ...s, overlay: 'help' };
  return s;
}

/** The Fix and Evidence views: arrows and pages scroll the text; Esc or the key that opened it goes back. */
function reduceScrolled(s: InspectState, a: Action, view: 'fix' | 'evidence', field: 'fixScroll' | 'evidenceScroll', lines: number, page: number): InspectState {
  const last = Math.max(0, lines - page);
  const at = s[field];
  if (isMove(a)) {
    const to = a === 'up' ? at - 1 : a === 'down' ? at + 1 : a === 'pageUp' ? at - page : a === 'pageDown' ? at + page : a === 'home' ? 0 : last;
    return { ...s, [field]: clamp(to, 0, last) };
  }
  if (a === 'cancel' || a === view) return { ...s, overlay: null };
  if (a === 'help') return { ...s, overlay: 'help' };
  return s;
}

/** Space (or Enter on the folded row) folds or unfolds the base-image layers, keeping the selected layer. */
function foldBase(s: InspectState, v: InspectView, row: LayerRow | undefined): InspectState {
  if (baseRun(v.origins).length <= 1) return s;
  const fold = !s.baseFolded;
  const layer = row ? rowLayer(row) : -1;
  return { ...s, baseFolded: fold, layerCursor: rowOfLayer(layerRows(v.layers, v.origins, fold), layer) };
}

/** Enter on a finding: its layer selected, Files showing that layer's changes with the path revealed. */
function jump(s: InspectState, v: InspectView): InspectState {
  const it = v.items[clamp(s.findingCursor, 0, Math.max(0, v.items.length - 1))];
  if (!it) return s;
  const folded = s.baseFolded && !baseRun(v.origins).includes(it.layer);
  const collapsed = new Set(s.collapsed);
  for (const a of ancestors(it.path)) collapsed.delete(a);
  return {
    ...s,
    baseFolded: folded,
    layerCursor: rowOfLayer(layerRows(v.layers, v.origins, folded), it.layer),
    mode: 'layer',
    wastedOnly: false,
    findingsOnly: false,
    query: '',
    collapsed,
    reveal: it.path,
    focus: 'files',
  };
}
