import React, { useMemo, useRef } from 'react';
import { useTerminalSize, useView } from './input.js';
import type { ScreenProps, TuiData } from './data.js';
import type { TreeNode } from '../analysis/types.js';
import { bytes, percent } from '../report/format.js';
import { type Line, Frame, beside, fit, plural, seg } from './lines.js';
import { themeFor } from './theme.js';
import { type FileNode, type Mark, type Row, allDirs, ancestors, both, flatten, fromChanges, fromTree, fromWaste, pathFilter, underAny } from './model/files.js';
import { type Rows, imageRows, listRows, treeDirs, treeRows } from './model/rows.js';
import { HistoryIndex } from './model/history.js';
import { type LayerRow, layerRows, rowLayer } from './model/layers.js';
import { findingItems } from './model/findings.js';
import { type InspectView, initialInspect, inspectKey } from './model/inspect-view.js';
import { clamp, follow } from './model/scroll.js';
import { filesPane, historyPane } from './panes/files.js';
import { findingsPane } from './panes/findings.js';
import { helpPane, keyHintLine } from './panes/help.js';
import { indexWidth, instructionPane, layerOverlay, layersPane } from './panes/layers.js';
import { dirAt, dirRows, layerBreakdowns, stageBreakdowns } from './model/map.js';
import { directoryPane, overviewPane } from './panes/map.js';
import { fixPane } from './panes/fix.js';
import { evidenceLines } from './model/evidence.js';
import { evidencePane, wrapEvidence } from './panes/evidence.js';

/**
 * The inspect screen: Layers (with details) and Findings on the left, Files (with the selected file's
 * history) on the right. Holds view state only: keys change it through ./model/inspect-view.ts, the
 * panes in ./panes draw it, and everything derived lives in ./model and is memoized so a key press
 * that only moves a cursor re-renders the visible rows and nothing else.
 */

export type AppProps = ScreenProps<TuiData>;

const MARKS_NOTE = 'marks: + added  ~ modified  - removed  m metadata only  ! wasted';

export function App({ data, width, height, theme: themeProp, onQuit }: AppProps): React.ReactElement {
  const theme = useMemo(() => themeProp ?? themeFor(), [themeProp]);
  const [W, H] = useTerminalSize(width, height);
  const { analysis, origins } = data;
  // Set below, once this render's rows are known: keys move over the rows last drawn.
  const view = useRef<InspectView | null>(null);
  const [s, set] = useView(() => initialInspect(analysis.layers.length), (st, input, key) => inspectKey(st, input, key, view.current!), onQuit);
  const { focus, mode, wastedOnly, findingsOnly, query, collapsed, sort } = s;

  // ---- derived (memoized) ----
  const lRows = useMemo(() => layerRows(analysis.layers, origins, s.baseFolded), [analysis, origins, s.baseFolded]);
  const lCur = clamp(s.layerCursor, 0, lRows.length - 1);
  const layerRow: LayerRow | undefined = lRows[lCur];
  const layer = layerRow ? rowLayer(layerRow) : -1;

  const items = useMemo(() => findingItems(data.findings), [data.findings]);
  const savings = data.savings;
  const history = useMemo(() => new HistoryIndex(analysis.layers, analysis.waste), [analysis]);
  const wasteAt = useMemo(() => {
    const m = new Map<string, number[]>();
    for (const w of analysis.waste) {
      const l = m.get(w.path);
      if (l) l.push(w.shippedIn);
      else m.set(w.path, [w.shippedIn]);
    }
    return m;
  }, [analysis]);
  // In the image view, what the selected layer did at a path (looked up for the rows drawn).
  const overlay = useMemo(
    () => (mode === 'image' && !wastedOnly && layer >= 0 ? (path: string): Mark | undefined => history.kindIn(path, layer) : () => undefined),
    [mode, wastedOnly, layer, history],
  );

  const keep = useMemo(() => {
    let k = query ? pathFilter(query) : undefined;
    if (findingsOnly) k = both(k, underAny(items.flatMap((i) => i.paths)));
    if (wastedOnly && mode === 'layer') {
      const exact = new Set<string>();
      const above = new Set<string>();
      for (const w of analysis.waste) {
        if (w.shippedIn !== layer && w.hiddenBy !== layer) continue;
        exact.add(w.path);
        for (const a of ancestors(w.path)) above.add(a);
      }
      k = both(k, (n) => exact.has(n.path) || (!n.children?.length && above.has(n.path)));
    }
    return k;
  }, [query, findingsOnly, items, wastedOnly, mode, layer, analysis]);

  // Rows are made as they are drawn (a filter lists them all); the merged image's are read from
  // its tree, and a FileNode per file is made only when a filter has to visit every one.
  const imageFiltered = mode === 'image' && !wastedOnly && keep !== undefined;
  // Made the first time a filter needs it, then kept: remaking it for every filter typed costs
  // ~0.5 s on a 200,000-file image.
  const treeCache = useRef<{ root: TreeNode; tree: FileNode } | null>(null);
  if (imageFiltered && treeCache.current?.root !== analysis.root) treeCache.current = { root: analysis.root, tree: fromTree(analysis.root) };
  const imageTree = imageFiltered ? treeCache.current!.tree : undefined;
  const wasteTree = useMemo(() => (wastedOnly ? fromWaste(analysis.waste) : undefined), [wastedOnly, analysis]);
  const tree: FileNode | undefined = useMemo(() => {
    if (mode === 'layer') return layer >= 0 ? fromChanges(analysis.layers[layer].changes, layer) : fromChanges([], 0);
    return wastedOnly ? wasteTree : imageTree;
  }, [mode, layer, wastedOnly, imageTree, wasteTree, analysis]);
  const rows: Rows = useMemo(
    () => (!tree ? imageRows(analysis.root, collapsed, sort) : keep ? listRows(flatten(tree, { collapsed, sort, keep })) : treeRows(tree, collapsed, sort)),
    [tree, collapsed, sort, keep, analysis],
  );

  if (s.reveal !== null) {
    // After a jump: put the cursor on the path, or on its nearest shown ancestor.
    let at = -1;
    for (const p of [s.reveal, ...ancestors(s.reveal).reverse()]) {
      at = rows.indexOf(p);
      if (at >= 0) break;
    }
    set({ ...s, treeCursor: Math.max(0, at), reveal: null });
  }
  // The Map's data is only computed once it is opened.
  const mapOpen = s.overlay === 'map';
  const breakdowns = useMemo(() => (mapOpen ? layerBreakdowns(analysis, data.findings, origins) : []), [mapOpen, analysis, data.findings, origins]);
  const stages = useMemo(() => stageBreakdowns(breakdowns, origins), [breakdowns, origins]);
  const mapRows = useMemo(() => (mapOpen ? dirRows(analysis.root, s.mapPath, data.findings) : []), [mapOpen, analysis, s.mapPath, data.findings]);
  if (s.mapReveal !== null) {
    set({ ...s, mapCursor: Math.max(0, mapRows.findIndex((r) => r.path === s.mapReveal)), mapReveal: null });
  }

  const fCur = clamp(s.treeCursor, 0, Math.max(0, rows.length - 1));
  const fRow: Row | undefined = rows.at(fCur);
  const fCurSafe = fRow ? fCur : 0;

  // ---- layout ----
  const bodyH = Math.max(8, H - 2);
  const leftW = clamp(Math.floor(W * 0.45), 28, 70);
  const rightW = Math.max(20, W - leftW);
  const detailsH = clamp(Math.floor(bodyH * 0.25), 5, 8);
  const layersH = Math.max(4, Math.floor((bodyH - detailsH) * 0.6));
  const findingsH = Math.max(3, bodyH - layersH - detailsH);
  const historyH = clamp(Math.floor(bodyH * 0.3), 4, 10);
  const filesH = bodyH - historyH;
  // While focused, the findings list shrinks to what it needs (leaving 2 lines or more) and the selected finding's fix fills the rest.
  const findingRows = focus === 'findings' ? clamp(items.length, 1, Math.max(1, findingsH - 5)) : findingsH - 3;
  const pages = { layers: layersH - 2, files: filesH - 3, findings: Math.max(1, findingRows) };

  // Scroll offsets follow the cursors; kept in a ref since they are derived from cursor moves.
  const off = useRef({ layers: 0, files: 0, findings: 0 });
  off.current.layers = follow(off.current.layers, lCur, pages.layers, lRows.length);
  off.current.files = follow(off.current.files, fCurSafe, pages.files, rows.length);
  const fiCur = clamp(s.findingCursor, 0, Math.max(0, items.length - 1));
  off.current.findings = follow(off.current.findings, fiCur, pages.findings, items.length);
  const overviewH = clamp(Math.floor(bodyH * 0.5), 5, 4 + stages.length + breakdowns.length + 2);
  const mapPage = Math.max(1, bodyH - overviewH - 2);
  const mCur = clamp(s.mapCursor, 0, Math.max(0, mapRows.length - 1));
  const offMap = useRef(0);
  offMap.current = follow(offMap.current, mCur, mapPage, mapRows.length);

  // The Evidence view's lines are only built while it is open.
  const evOpen = s.overlay === 'evidence';
  const evItem = items[fiCur];
  const evLines = useMemo(() => (evOpen ? wrapEvidence(evidenceLines(evItem?.finding, data.runtime), W - 2) : []), [evOpen, evItem, data.runtime, W]);

  view.current = {
    layers: analysis.layers, origins, layerRows: lRows, layerPage: pages.layers, items, findingPage: pages.findings,
    files: { rows, page: pages.files, dirs: () => (tree ? allDirs(tree) : treeDirs(analysis.root)) },
    mapRows, mapPage, fixLines: data.fix?.lines.length ?? 0, fixPage: Math.max(1, bodyH - 2),
    evidenceLines: evLines.length, evidencePage: Math.max(1, bodyH - 2),
  };

  // ---- draw ----
  const a = analysis;
  const header: Line = [
    seg('msb ', { bold: true }),
    seg(`${bytes(a.totalBytes)} · ${a.layers.length} layers · `),
    seg(`wasted ${bytes(a.wastedBytes)} (${percent(a.totalBytes ? a.wastedBytes / a.totalBytes : 0)})`, { color: a.wastedBytes ? theme.waste : undefined, bold: a.wastedBytes > 0 }),
    seg(` · ${plural(a.files, 'file')} · ${plural(data.findings.length, 'finding')} · `),
    seg(`${data.reference}${data.platform ? ` (${data.platform})` : ''}`, { color: theme.accent }),
  ];

  let body: Line[];
  if (s.overlay === 'help') {
    body = helpPane('inspect', [MARKS_NOTE], W, bodyH, theme);
  } else if (s.overlay === 'fix') {
    body = fixPane(data.fix, s.fixScroll, W, bodyH, theme);
  } else if (evOpen) {
    body = evidencePane(evLines, s.evidenceScroll, W, bodyH, theme);
  } else if (mapOpen) {
    const dirTotal = dirAt(a.root, s.mapPath)?.size ?? 0;
    body = [
      ...overviewPane(stages, breakdowns, W, overviewH, theme),
      ...directoryPane(s.mapPath, mapRows, dirTotal, { cursor: mCur, offset: offMap.current, page: mapPage, focused: true }, W, bodyH - overviewH, theme),
    ];
  } else if (s.overlay === 'layer' && layer >= 0) {
    body = layerOverlay(a, origins, layer, W, bodyH, theme);
  } else {
    const idxW = indexWidth(a.layers.length);
    const left = [
      ...layersPane(lRows, { cursor: lCur, offset: off.current.layers, page: pages.layers, focused: focus === 'layers' }, a.layers.length, leftW, layersH, theme),
      ...instructionPane(a, origins, layerRow, layer, leftW, detailsH, theme),
      ...findingsPane(items, savings, a.totalBytes, { cursor: fiCur, offset: off.current.findings, page: pages.findings, focused: focus === 'findings' }, leftW, findingsH, theme),
    ];
    const files = { cursor: fCurSafe, offset: off.current.files, page: pages.files, focused: focus === 'files' };
    const right = [
      ...filesPane(s, { rows, layer, overlay, wasteAt }, files, rightW, filesH, theme),
      ...historyPane(fRow, history, origins, idxW, rightW, historyH, theme),
    ];
    body = beside(left, right);
  }
  const lines = [fit(header, W), ...body, fit(keyHintLine('inspect', mapOpen ? 'map' : s.overlay === 'fix' || s.overlay === 'evidence' ? s.overlay : focus, s.editing, query, theme), W)];
  return <Frame lines={lines} width={W} />;
}
