import React, { useMemo, useRef } from 'react';
import type { DiffData, ScreenProps } from './data.js';
import { bytes } from '../report/format.js';
import { useTerminalSize, useView } from './input.js';
import { type Line, Frame, beside, fit, seg } from './lines.js';
import { themeFor } from './theme.js';
import { type Row, allDirs, both, flatten, pathFilter } from './model/files.js';
import { listRows } from './model/rows.js';
import { type DiffNode, diffLayerRows, diffTree, writtenBy } from './model/diff.js';
import { type DiffView, diffKey, initialDiff } from './model/diff-view.js';
import { clamp, follow } from './model/scroll.js';
import { changeDetails, changesPane, delta } from './panes/changes.js';
import { diffLayerDetails, diffLayersPane } from './panes/diff-layers.js';
import { helpPane, keyHintLine } from './panes/help.js';

/**
 * The diff screen (`msb diff A B`): both images' layers on the left, the changed paths as a tree on
 * the right with the selected path's (or layer's) details below. Holds view state only: keys change
 * it through ./model/diff-view.ts, the panes in ./panes draw it; the tree and the rows come from
 * ./model/diff.ts and ./model/files.ts, memoized.
 */

export type DiffAppProps = ScreenProps<DiffData>;

const NOTES = ['marks: + added  - removed  ~ content changed  m metadata only  = shared layer', 'sizes: B − A per file, directories total what changed below them'];

export function DiffApp({ data, width, height, theme: themeProp, onQuit }: DiffAppProps): React.ReactElement {
  const theme = useMemo(() => themeProp ?? themeFor(), [themeProp]);
  const [W, H] = useTerminalSize(width, height);
  const { diff } = data;
  // Set below, once this render's rows are known: keys move over the rows last drawn.
  const view = useRef<DiffView | null>(null);
  const [s] = useView(initialDiff, (st, input, key) => diffKey(st, input, key, view.current!), onQuit);
  const { focus, query, only, collapsed, sort } = s;

  // ---- derived (memoized) ----
  const lRows = useMemo(
    () => diffLayerRows(data.before.analysis.layers, data.before.origins, data.after.analysis.layers, data.after.origins, diff.sharedLayers),
    [data],
  );
  const tree = useMemo(() => diffTree(diff.items), [diff]);
  const keep = useMemo(() => both(query ? pathFilter(query) : undefined, only ? writtenBy(only.side, only.index) : undefined), [query, only]);
  const rows: Row[] = useMemo(() => flatten(tree, { collapsed, sort, keep }), [tree, collapsed, sort, keep]);
  const lCur = clamp(s.layerCursor, 0, lRows.length - 1);
  const cur = clamp(s.treeCursor, 0, Math.max(0, rows.length - 1));
  const node = rows[cur]?.node as DiffNode | undefined;

  // ---- layout ----
  const headerH = 3;
  const bodyH = Math.max(8, H - headerH - 1);
  const leftW = clamp(Math.floor(W * 0.45), 28, 64);
  const rightW = Math.max(20, W - leftW);
  const detailsH = clamp(Math.floor(bodyH * 0.3), 5, 8);
  const treeH = bodyH - detailsH;
  const pages = { layers: bodyH - 2, changes: treeH - 3 };
  const off = useRef({ layers: 0, changes: 0 });
  off.current.layers = follow(off.current.layers, lCur, pages.layers, lRows.length);
  off.current.changes = follow(off.current.changes, cur, pages.changes, rows.length);

  view.current = { layerRows: lRows, layerPage: pages.layers, changes: { rows: listRows(rows), dirs: () => allDirs(tree), page: pages.changes } };

  // ---- draw ----
  const A = data.before.analysis;
  const B = data.after.analysis;
  const c = tree.counts;
  const header: Line[] = [
    [seg('msb diff  ', { bold: true }), seg('A ', { bold: true }), seg(data.before.reference, { color: theme.accent }), seg('  →  '), seg('B ', { bold: true }), seg(data.after.reference, { color: theme.accent })],
    [seg(`size ${bytes(A.totalBytes)} → ${bytes(B.totalBytes)} (`), ...delta(B.totalBytes - A.totalBytes, theme), seg(`) · visible ${bytes(A.finalBytes)} → ${bytes(B.finalBytes)} (`), ...delta(B.finalBytes - A.finalBytes, theme), seg(')')],
    [
      seg(`wasted ${bytes(A.wastedBytes)} → ${bytes(B.wastedBytes)}`, { color: A.wastedBytes || B.wastedBytes ? theme.waste : undefined }),
      seg(` · layers ${A.layers.length} → ${B.layers.length} (${diff.sharedLayers} shared) · `),
      seg(`+${c.added} -${c.removed} ~${c.modified} m${c.metadata}`, { bold: true }),
      seg(' paths'),
    ],
  ];

  let body: Line[];
  if (s.overlay === 'help') {
    body = helpPane('diff', NOTES, W, bodyH, theme);
  } else {
    const layers = diffLayersPane(data, lRows, { cursor: lCur, offset: off.current.layers, page: pages.layers, focused: focus === 'layers' }, leftW, bodyH, theme);
    const changes = changesPane(data, s, rows, { cursor: cur, offset: off.current.changes, page: pages.changes, focused: focus === 'changes' }, rightW, treeH, theme);
    // The box below the tree: the selected layer while Layers has focus, else the selected path.
    const details = focus === 'layers' && lRows[lCur] ? diffLayerDetails(data, lRows[lCur], rightW, detailsH, theme) : changeDetails(data, node, rightW, detailsH, theme);
    body = beside(layers, [...changes, ...details]);
  }
  const lines = [...header.map((l) => fit(l, W)), ...body, fit(keyHintLine('diff', focus, s.editing, query, theme), W)];
  return <Frame lines={lines} width={W} />;
}
