import { type Key, useApp } from 'ink';
import React, { useMemo, useRef, useState } from 'react';
import type { DiffData, DiffSideData, ScreenProps } from './data.js';
import { bytes, padStart } from '../report/format.js';
import { signedBytes } from '../report/diff.js';
import { editQuery, moveOf, useKeys, useLatest, useTerminalSize } from './input.js';
import { type Line, Frame, beside, filterLine, fit, framed, helpBox, plural, seg, wrap } from './lines.js';
import { changeColour, themeFor } from './theme.js';
import { MARK_CHAR, type Row, type SortKey, allDirs, both, flatten, leftOf, pathFilter, rowLabel, toggled } from './model/files.js';
import { type DiffNode, type Side, diffLayerRows, diffTree, writtenBy } from './model/diff.js';
import { clamp, follow, move } from './model/scroll.js';

/**
 * The diff screen (`msb diff A B`): both images' layers on the left, the changed paths as a tree on
 * the right with the selected path's (or layer's) details below. View state only; the tree and the
 * rows come from ./model/diff.ts and ./model/files.ts, memoized.
 */

export type DiffPane = 'layers' | 'changes';
const PANES: DiffPane[] = ['layers', 'changes'];

export type DiffAppProps = ScreenProps<DiffData>;

export const DIFF_KEYS: Array<[string, string]> = [
  ['Tab / Shift-Tab', 'next / previous pane'],
  ['↑ ↓  k j', 'move'],
  ['PgUp PgDn  Home End', 'page, first, last'],
  ['← →  h l', 'Changes: fold / unfold, go to parent'],
  ['space  Enter', 'Changes: fold / unfold a directory'],
  ['Enter', 'Layers: only the paths that layer wrote (Esc: all)'],
  ['s', 'Changes: sort by path / by size of the change'],
  ['/', 'Changes: filter paths (Enter keep, Esc clear)'],
  ['z', 'Changes: fold / unfold all'],
  ['?', 'this help'],
  ['q  Ctrl-C', 'quit'],
];

const LETTER: Record<Side, string> = { before: 'A', after: 'B' };

export function DiffApp({ data, width, height, theme: themeProp, onQuit }: DiffAppProps): React.ReactElement {
  const { exit } = useApp();
  const theme = useMemo(() => themeProp ?? themeFor(), [themeProp]);
  const [W, H] = useTerminalSize(width, height);
  const { diff } = data;

  const [focus, setFocus] = useState<DiffPane>('changes');
  const [help, setHelp] = useState(false);
  const [layerCursor, setLayerCursor] = useState(0);
  const [sort, setSort] = useState<SortKey>('name');
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const [query, setQuery] = useState('');
  const [editing, setEditing] = useState(false);
  const [cursor, setCursor] = useState(0);
  /** Enter on a layer: the tree keeps only the paths that layer wrote. */
  const [only, setOnly] = useState<{ side: Side; index: number } | null>(null);

  // ---- derived (memoized) ----
  const lRows = useMemo(
    () => diffLayerRows(data.before.analysis.layers, data.before.origins, data.after.analysis.layers, data.after.origins, diff.sharedLayers),
    [data],
  );
  const tree = useMemo(() => diffTree(diff.items), [diff]);
  const keep = useMemo(() => both(query ? pathFilter(query) : undefined, only ? writtenBy(only.side, only.index) : undefined), [query, only]);
  const rows: Row[] = useMemo(() => flatten(tree, { collapsed, sort, keep }), [tree, collapsed, sort, keep]);
  const lCur = clamp(layerCursor, 0, lRows.length - 1);
  const cur = clamp(cursor, 0, Math.max(0, rows.length - 1));
  const row = rows[cur];
  const node = row?.node as DiffNode | undefined;

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

  // ---- keys ----
  const onKey = useRef<(input: string, key: Key) => void>(() => {});
  const editingRef = useLatest(editing);
  // Focus as of the last key (several keys can be handled before the next render).
  const focusRef = useLatest(focus);
  const go = (f: DiffPane) => {
    focusRef.current = f;
    setFocus(f);
  };
  const fold = (open?: boolean) => {
    const next = toggled(collapsed, row, open);
    if (next) setCollapsed(next);
  };
  onKey.current = (input, key) => {
    if (key.ctrl && input === 'c') return (onQuit ?? exit)();
    if (editingRef.current) {
      editingRef.current = editQuery(input, key, setQuery);
      setEditing(editingRef.current);
      setCursor(0);
      return;
    }
    if (help) {
      if (input === '?' || input === 'q' || key.escape || key.return) setHelp(false);
      return;
    }
    if (input === 'q') return (onQuit ?? exit)();
    if (input === '?') return setHelp(true);
    if (key.tab) return go(PANES[(PANES.indexOf(focusRef.current) + 1) % PANES.length]);
    const m = moveOf(input, key);
    if (focusRef.current === 'layers') {
      if (m) setLayerCursor((c) => move(clamp(c, 0, lRows.length - 1), m, pages.layers, lRows.length));
      else if (key.return && lRows[lCur]) {
        setOnly({ side: lRows[lCur].side, index: lRows[lCur].layer.index });
        setCursor(0);
        go('changes');
      }
    } else if (m) setCursor((c) => move(clamp(c, 0, rows.length - 1), m, pages.changes, rows.length));
    else if (input === ' ' || key.return) fold();
    else if (key.rightArrow || input === 'l') fold(true);
    else if (key.leftArrow || input === 'h') {
      const to = leftOf(rows, collapsed, cur);
      if (to?.cursor !== undefined) setCursor(to.cursor);
      else if (to?.collapsed) setCollapsed(to.collapsed);
    }
    // The Changes view switches work from either pane.
    if (input === 's') setSort((x) => (x === 'name' ? 'size' : 'name'));
    else if (input === '/') {
      setEditing(true);
      editingRef.current = true;
      go('changes');
    } else if (input === 'z') {
      setCollapsed(collapsed.size > 0 ? new Set() : allDirs(tree));
      setCursor(0);
    } else if (key.escape && (query || only)) {
      setQuery('');
      setOnly(null);
    }
  };
  useKeys(onKey, editingRef);

  // ---- draw ----
  const A = data.before.analysis;
  const B = data.after.analysis;
  const delta = (n: number): Line => [seg(signedBytes(n), { bold: n !== 0, color: n > 0 ? theme.added : n < 0 ? theme.removed : undefined })];
  const c = tree.counts;
  const header: Line[] = [
    [seg('msb diff  ', { bold: true }), seg('A ', { bold: true }), seg(data.before.reference, { color: theme.accent }), seg('  →  '), seg('B ', { bold: true }), seg(data.after.reference, { color: theme.accent })],
    [seg(`size ${bytes(A.totalBytes)} → ${bytes(B.totalBytes)} (`), ...delta(B.totalBytes - A.totalBytes), seg(`) · visible ${bytes(A.finalBytes)} → ${bytes(B.finalBytes)} (`), ...delta(B.finalBytes - A.finalBytes), seg(')')],
    [
      seg(`wasted ${bytes(A.wastedBytes)} → ${bytes(B.wastedBytes)}`, { color: A.wastedBytes || B.wastedBytes ? theme.waste : undefined }),
      seg(` · layers ${A.layers.length} → ${B.layers.length} (${diff.sharedLayers} shared) · `),
      seg(`+${c.added} -${c.removed} ~${c.modified} m${c.metadata}`, { bold: true }),
      seg(' paths'),
    ],
  ];

  // Layers of both images
  const idxW = String(Math.max(A.layers.length, B.layers.length) - 1).length;
  const layersBody: Line[] = [];
  for (let i = off.current.layers; i < Math.min(lRows.length, off.current.layers + pages.layers); i++) {
    const r = lRows[i];
    const sel = i === lCur;
    const st = { inverse: sel && focus === 'layers', bold: sel };
    layersBody.push([
      seg(sel ? '›' : ' ', st),
      seg(`${LETTER[r.side]}${padStart(String(r.layer.index), idxW)}`, { ...st, bold: true }),
      // = : the same layer (diff_id) at the same place in both images
      seg(r.shared ? '=' : ' ', { ...st, color: r.shared ? theme.dim : undefined, bold: true }),
      seg(`${padStart(bytes(r.layer.bytes), 8)} `, st),
      seg(r.layer.instruction.replace(/\s+/g, ' '), { ...st, color: r.shared ? theme.dim : undefined }),
    ]);
  }
  const layersBlock = framed(`Layers A ${A.layers.length} · B ${B.layers.length}`, layersBody, leftW, bodyH, focus === 'layers', theme.accent);

  // Changes tree
  const innerR = rightW - 2;
  const status = [sort === 'name' ? 'by path' : 'by size of change', query || editing ? `/${query}` : '', only ? `${LETTER[only.side]}${only.index} only` : ''].filter(Boolean).join(' · ');
  const onlyShared = only !== null && only.index < diff.sharedLayers;
  const treeBody: Line[] = [[seg(`${diff.items.length.toLocaleString('en-US')} changed · ${status}`, { color: theme.dim })]];
  if (rows.length === 0) {
    const why = !diff.items.length ? 'the final filesystems are identical' : onlyShared ? 'a shared layer: nothing it wrote differs' : 'nothing matches';
    treeBody.push([seg(why, { color: theme.dim })]);
  }
  for (let i = off.current.changes; i < Math.min(rows.length, off.current.changes + pages.changes); i++) {
    const r = rows[i];
    const n = r.node as DiffNode;
    const sel = i === cur;
    const st = { inverse: sel && focus === 'changes', bold: sel };
    const dir = n.children !== undefined;
    const colour = changeColour(theme, n.mark);
    treeBody.push([
      seg(n.mark ? MARK_CHAR[n.mark] : ' ', { ...st, color: colour, bold: true }),
      seg(` ${padStart(signedBytes(n.delta), 9)} `, st),
      seg(rowLabel(r), { ...st, color: colour ?? (dir ? theme.dir : undefined), bold: st.bold || dir }),
    ]);
  }
  const treeBlock = framed(`Changes ${rows.length ? `${cur + 1}/${rows.length}` : ''}`.trim(), treeBody, rightW, treeH, focus === 'changes', theme.accent);

  // Details: the selected layer while Layers has focus, else the selected path
  const detailsBody: Line[] = [];
  const side = (s: Side): DiffSideData => data[s];
  const instruction = (s: Side, layer: number) => (side(s).origins[layer]?.instruction || '(no history)').replace(/\s+/g, ' ');
  let detailsTitle = 'Details';
  if (focus === 'layers' && lRows[lCur]) {
    const r = lRows[lCur];
    const l = side(r.side).analysis.layers[r.layer.index];
    detailsTitle = `Layer ${LETTER[r.side]}${r.layer.index}`;
    detailsBody.push([
      seg(`${LETTER[r.side]}${r.layer.index} · ${bytes(l.bytes)} · ${plural(l.files, 'file')}`, { bold: true }),
      seg(r.shared ? ` · = ${r.side === 'before' ? 'B' : 'A'}${r.layer.index} shared` : ''),
    ]);
    for (const t of wrap(instruction(r.side, r.layer.index), innerR, detailsH - 2 - detailsBody.length)) detailsBody.push([seg(t, { color: theme.accent })]);
  } else if (node) {
    detailsTitle = `/${node.path}${node.children ? '/' : ''}`;
    const it = node.item;
    const what = it ? { added: 'added', removed: 'removed', modified: 'content changed', metadata: 'metadata only' }[node.mark!] : 'directory';
    detailsBody.push([
      seg(node.mark ? `${MARK_CHAR[node.mark]} ` : '', { color: changeColour(theme, node.mark), bold: true }),
      seg(`${what} · `, { bold: true }),
      ...delta(node.delta),
      seg(node.children ? ` · +${node.counts.added} -${node.counts.removed} ~${node.counts.modified} m${node.counts.metadata} below` : ''),
    ]);
    const sideLine = (s: Side, size: number, layer: number | undefined, present: boolean): Line => [
      seg(`${LETTER[s]} `, { bold: true }),
      seg(present ? padStart(bytes(size), 9) : padStart('—', 9)),
      ...(layer !== undefined ? [seg(`  L${layer} `, { bold: true }), seg(instruction(s, layer), { color: theme.dim })] : [seg(present ? '' : '  not in this image', { color: theme.dim })]),
    ];
    if (node.children) {
      detailsBody.push(sideLine('before', node.before, undefined, true), sideLine('after', node.after, undefined, true));
    } else if (it) {
      detailsBody.push(sideLine('before', it.beforeBytes, it.beforeLayer, it.change !== 'added'), sideLine('after', it.afterBytes, it.afterLayer, it.change !== 'removed'));
    }
  }
  const detailsBlock = framed(detailsTitle, detailsBody, rightW, detailsH, false, theme.accent);

  const keyLine: Line = editing
    ? filterLine(query, theme.dim)
    : [
        seg('? keys  q quit  Tab pane  ', { bold: true }),
        seg(focus === 'changes' ? '↑↓ move  ←→ fold  s sort  / filter  z fold all' : '↑↓ layer  Enter its paths only  s sort  / filter', { color: theme.dim }),
      ];

  let body: Line[];
  if (help) {
    body = helpBox(DIFF_KEYS, ['marks: + added  - removed  ~ content changed  m metadata only  = shared layer', 'sizes: B − A per file, directories total what changed below them'], W, bodyH, theme.dim, theme.accent);
  } else {
    body = beside(layersBlock, [...treeBlock, ...detailsBlock]);
  }
  const lines = [...header.map((l) => fit(l, W)), ...body, fit(keyLine, W)];
  return <Frame lines={lines} width={W} />;
}
