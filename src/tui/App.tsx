import { type Key, useApp } from 'ink';
import React, { useMemo, useRef, useState } from 'react';
import { editQuery, moveOf, useKeys, useLatest, useTerminalSize } from './input.js';
import type { ScreenProps, TuiData } from './data.js';
import { bytes, padStart, percent } from '../report/format.js';
import { type Line, Frame, beside, filterLine, fit, framed, helpBox, plural, seg, wrap } from './lines.js';
import { type Theme, changeColour, themeFor } from './theme.js';
import {
  MARK_CHAR, type FileNode, type Mark, type Row, type SortKey, allDirs, ancestors, both, flatten, fromChanges, fromTree, fromWaste, leftOf, pathFilter, rowLabel, toggled, underAny,
} from './model/files.js';
import { HistoryIndex } from './model/history.js';
import { type LayerRow, baseRun, layerRows, rowLayer, rowOfLayer } from './model/layers.js';
import { findingItems, potentialSavings } from './model/findings.js';
import { clamp, follow, move } from './model/scroll.js';

/**
 * The inspect screen: Layers (with details) and Findings on the left, Files (with the selected file's
 * history) on the right. Holds view state only; everything derived lives in ./model and is memoized
 * so a key press that only moves a cursor re-renders the visible rows and nothing else.
 */

export type Pane = 'layers' | 'files' | 'findings';
const PANES: Pane[] = ['layers', 'files', 'findings'];

export type AppProps = ScreenProps<TuiData>;

export const KEYS: Array<[string, string]> = [
  ['Tab / Shift-Tab', 'next / previous pane'],
  ['↑ ↓  k j', 'move'],
  ['PgUp PgDn  Home End', 'page, first, last'],
  ['← →  h l', 'Files: fold / unfold, go to parent'],
  ['space', 'fold directory; fold base-image layers'],
  ['Enter', 'Layers: full instruction; Findings: jump to its layer and path; Files: fold'],
  ['i', 'Layers: full instruction'],
  ['c', 'Files: whole image / only the selected layer'],
  ['s', 'Files: sort by name / size'],
  ['/', 'Files: filter paths (Enter keep, Esc clear)'],
  ['w', 'Files: wasted bytes only'],
  ['x', 'Files: findings only'],
  ['z', 'Files: fold / unfold all'],
  ['?', 'this help'],
  ['q  Ctrl-C', 'quit'],
];

export function App({ data, width, height, theme: themeProp, onQuit }: AppProps): React.ReactElement {
  const { exit } = useApp();
  const theme = useMemo(() => themeProp ?? themeFor(), [themeProp]);
  const [W, H] = useTerminalSize(width, height);
  const { analysis, origins } = data;

  const [focus, setFocus] = useState<Pane>('layers');
  const [help, setHelp] = useState(false);
  /** The selected layer's full instruction over the whole body. */
  const [showLayer, setShowLayer] = useState(false);
  // Layers
  const [baseFolded, setBaseFolded] = useState(true);
  const [layerCursor, setLayerCursor] = useState(() => Math.max(0, analysis.layers.length - 1));
  // Files
  const [mode, setMode] = useState<'image' | 'layer'>('image');
  const [sort, setSort] = useState<SortKey>('name');
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const [query, setQuery] = useState('');
  const [editing, setEditing] = useState(false);
  const [wastedOnly, setWastedOnly] = useState(false);
  const [findingsOnly, setFindingsOnly] = useState(false);
  const [fileCursor, setFileCursor] = useState(0);
  const [reveal, setReveal] = useState<string | null>(null);
  // Findings
  const [findingCursor, setFindingCursor] = useState(0);

  // ---- derived (memoized) ----
  const lRows = useMemo(() => layerRows(analysis.layers, origins, baseFolded), [analysis, origins, baseFolded]);
  const lCur = clamp(layerCursor, 0, lRows.length - 1);
  const layerRow: LayerRow | undefined = lRows[lCur];
  const layer = layerRow ? rowLayer(layerRow) : -1;

  const items = useMemo(() => findingItems(data.findings, analysis, origins), [data.findings, analysis, origins]);
  const savings = useMemo(() => potentialSavings(items), [items]);
  const history = useMemo(() => new HistoryIndex(analysis.layers, analysis.waste), [analysis]);
  /** Layers whose bytes at a path are wasted, by path (for the ! column). */
  const wasteAt = useMemo(() => {
    const m = new Map<string, number[]>();
    for (const w of analysis.waste) {
      const l = m.get(w.path);
      if (l) l.push(w.shippedIn);
      else m.set(w.path, [w.shippedIn]);
    }
    return m;
  }, [analysis]);
  const imageTree = useMemo(() => fromTree(analysis.root), [analysis]);
  const wasteTree = useMemo(() => fromWaste(analysis.waste), [analysis]);

  const tree: FileNode = useMemo(() => {
    if (mode === 'layer') return layer >= 0 ? fromChanges(analysis.layers[layer].changes, layer) : fromChanges([], 0);
    return wastedOnly ? wasteTree : imageTree;
  }, [mode, layer, wastedOnly, imageTree, wasteTree, analysis]);

  /** In the image view, what the selected layer did at each path. */
  const overlay = useMemo(() => {
    const m = new Map<string, Mark>();
    if (mode === 'image' && !wastedOnly && layer >= 0) for (const c of analysis.layers[layer].changes) m.set(c.path, c.kind);
    return m;
  }, [mode, wastedOnly, layer, analysis]);

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

  const rows: Row[] = useMemo(() => flatten(tree, { collapsed, sort, keep }), [tree, collapsed, sort, keep]);

  if (reveal !== null) {
    // After a jump: put the cursor on the path, or on its nearest shown ancestor.
    const want = [reveal, ...ancestors(reveal).reverse()];
    let at = -1;
    for (const p of want) {
      at = rows.findIndex((r) => r.node.path === p);
      if (at >= 0) break;
    }
    setFileCursor(Math.max(0, at));
    setReveal(null);
  }
  const fCur = clamp(fileCursor, 0, Math.max(0, rows.length - 1));
  const fRow: Row | undefined = rows[fCur];
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
  // Findings keep a line for the selected finding's fix while focused.
  // While focused, the list shrinks to what it needs (leaving 2 lines or more) and the selected finding's fix fills the rest.
  const findingRows = focus === 'findings' ? clamp(items.length, 1, Math.max(1, findingsH - 5)) : findingsH - 3;
  const pages = { layers: layersH - 2, files: filesH - 3, findings: Math.max(1, findingRows) };

  // Scroll offsets follow the cursors; kept in refs since they are derived from cursor moves.
  const off = useRef({ layers: 0, files: 0, findings: 0 });
  off.current.layers = follow(off.current.layers, lCur, pages.layers, lRows.length);
  off.current.files = follow(off.current.files, fCurSafe, pages.files, rows.length);
  const fiCur = clamp(findingCursor, 0, Math.max(0, items.length - 1));
  off.current.findings = follow(off.current.findings, fiCur, pages.findings, items.length);

  // ---- keys ----
  const toggleDir = (r: Row | undefined, open?: boolean) => {
    const next = toggled(collapsed, r, open);
    if (next) setCollapsed(next);
  };

  const jump = (i: number) => {
    const it = items[i];
    if (!it) return;
    const base = baseRun(origins);
    const folded = baseFolded && !base.includes(it.layer);
    if (!folded) setBaseFolded(false);
    setLayerCursor(rowOfLayer(layerRows(analysis.layers, origins, folded), it.layer));
    setMode('layer');
    setWastedOnly(false);
    setFindingsOnly(false);
    setQuery('');
    const next = new Set(collapsed);
    for (const a of ancestors(it.path)) next.delete(a);
    setCollapsed(next);
    setReveal(it.path);
    go('files');
  };

  const onKey = useRef<(input: string, key: Key) => void>(() => {});
  const editingRef = useLatest(editing);
  // Focus as of the last key (several keys can be handled before the next render).
  const focusRef = useLatest(focus);
  const go = (f: Pane) => {
    focusRef.current = f;
    setFocus(f);
  };
  onKey.current = (input, key) => {
    if (key.ctrl && input === 'c') {
      (onQuit ?? exit)();
      return;
    }
    if (editingRef.current) {
      editingRef.current = editQuery(input, key, setQuery);
      setEditing(editingRef.current);
      setFileCursor(0);
      return;
    }
    if (help || showLayer) {
      if (input === '?' || input === 'q' || input === 'i' || key.escape || key.return) {
        setHelp(false);
        setShowLayer(false);
      }
      return;
    }
    if (input === 'q') return (onQuit ?? exit)();
    if (input === '?') return setHelp(true);
    if (key.tab) {
      go(PANES[(PANES.indexOf(focusRef.current) + (key.shift ? PANES.length - 1 : 1)) % PANES.length]);
      return;
    }
    const m = moveOf(input, key);
    const focusNow = focusRef.current;
    if (focusNow === 'layers') {
      if (m) setLayerCursor((c) => move(clamp(c, 0, lRows.length - 1), m, pages.layers, lRows.length));
      else if ((key.return || input === 'i') && layerRow?.kind === 'layer') setShowLayer(true);
      else if (input === ' ' || key.return) {
        if (baseRun(origins).length > 1) {
          const fold = !baseFolded;
          setBaseFolded(fold);
          setLayerCursor(rowOfLayer(layerRows(analysis.layers, origins, fold), layer));
        }
      }
    } else if (focusNow === 'findings') {
      if (m) setFindingCursor((c) => move(clamp(c, 0, items.length - 1), m, pages.findings, items.length));
      else if (key.return) jump(fiCur);
    } else if (focusNow === 'files') {
      if (m) setFileCursor((c) => move(clamp(c, 0, rows.length - 1), m, pages.files, rows.length));
      else if (input === ' ' || key.return) toggleDir(fRow);
      else if (key.leftArrow || input === 'h') {
        const to = leftOf(rows, collapsed, fCurSafe);
        if (to?.cursor !== undefined) setFileCursor(to.cursor);
        else if (to?.collapsed) setCollapsed(to.collapsed);
      } else if (key.rightArrow || input === 'l') toggleDir(fRow, true);
    }
    // Files view switches work from any pane: they change what the Files pane shows.
    if (input === 'c') {
      setMode((x) => (x === 'image' ? 'layer' : 'image'));
      setFileCursor(0);
    } else if (input === 's') setSort((x) => (x === 'name' ? 'size' : 'name'));
    else if (input === '/') {
      setEditing(true);
      editingRef.current = true;
      go('files');
    } else if (input === 'w') {
      setWastedOnly((x) => !x);
      setFileCursor(0);
    } else if (input === 'x') {
      setFindingsOnly((x) => !x);
      setFileCursor(0);
    } else if (input === 'z') {
      setCollapsed(collapsed.size > 0 ? new Set() : allDirs(tree));
      setFileCursor(0);
    } else if (key.escape && query) {
      setQuery('');
    }
  };
  useKeys(onKey, editingRef);

  // ---- draw ----
  const a = analysis;
  const header: Line = [
    seg('msb ', { bold: true }),
    seg(`${bytes(a.totalBytes)} · ${a.layers.length} layers · `),
    seg(`wasted ${bytes(a.wastedBytes)} (${percent(a.totalBytes ? a.wastedBytes / a.totalBytes : 0)})`, { color: a.wastedBytes ? theme.waste : undefined, bold: a.wastedBytes > 0 }),
    seg(` · ${plural(a.files, 'file')} · ${plural(data.findings.length, 'finding')} · `),
    seg(`${data.reference}${data.platform ? ` (${data.platform})` : ''}`, { color: theme.accent }),
  ];

  // Layers
  const idxW = String(Math.max(0, a.layers.length - 1)).length;
  const layersBody: Line[] = [];
  for (let i = off.current.layers; i < Math.min(lRows.length, off.current.layers + pages.layers); i++) {
    const r = lRows[i];
    const sel = i === lCur;
    const st = { inverse: sel && focus === 'layers', bold: sel };
    const wasteMark = r.wasted > 0 ? seg('!', { color: theme.waste, bold: true, inverse: st.inverse }) : seg(' ', st);
    if (r.kind === 'base') {
      layersBody.push([
        seg(sel ? '›' : ' ', st),
        seg(`${padStart(`${r.first}-${r.last}`, idxW)} ${padStart(bytes(r.bytes), 8)} `, st),
        wasteMark,
        seg(` ▸ FROM ${r.base} (${r.last - r.first + 1} layers)`, { ...st, color: theme.dim }),
      ]);
    } else {
      const stage = r.stage !== undefined ? ` [${r.stage}]` : r.base !== undefined ? ' [base]' : '';
      const room = leftW - 2 - (idxW + 13) - stage.length;
      const instr = r.instruction.replace(/\s+/g, ' ');
      layersBody.push([
        seg(sel ? '›' : ' ', st),
        seg(`${padStart(String(r.index), idxW)} ${padStart(bytes(r.bytes), 8)} `, st),
        wasteMark,
        seg(` ${instr.length > room ? `${instr.slice(0, Math.max(0, room - 1))}…` : instr.padEnd(room)}`, st),
        seg(stage, { ...st, color: theme.accent }),
      ]);
    }
  }
  const layersBlock = framed(`Layers ${lCur + 1}/${lRows.length}`, layersBody, leftW, layersH, focus === 'layers', theme.accent);

  // Details of the selected layer
  /** Sizes and waste; Dockerfile line, stage, base; the instruction. */
  function layerFacts(i: number): [Line, Line, string] {
    const o = origins[i];
    const l = a.layers[i];
    const first: Line = [
      seg(`layer ${i} · ${bytes(l.bytes)} · ${plural(l.files, 'file')}`, { bold: true }),
      ...(l.wastedBytes ? [seg(` · ! wasted ${bytes(l.wastedBytes)}`, { color: theme.waste, bold: true })] : []),
      ...(l.hidBytes ? [seg(` · hid ${bytes(l.hidBytes)} below`)] : []),
    ];
    const where = [
      o?.line !== undefined ? `Dockerfile line ${o.line}${o.endLine && o.endLine !== o.line ? `-${o.endLine}` : ''}` : '',
      o?.stage !== undefined ? `stage ${o.stage}` : '',
      o?.base !== undefined ? `base image ${o.base}` : '',
      o?.fromStage ? `COPY --from=${o.fromStage}${o.fromPath ? ` ${o.fromPath}` : ''}` : '',
    ].filter(Boolean);
    return [first, where.length ? [seg(where.join(' · '), { color: theme.dim })] : [], o?.instruction || '(no history for this layer)'];
  }
  const innerL = leftW - 2;
  const detailsBody: Line[] = [];
  if (layerRow?.kind === 'base') {
    detailsBody.push([seg(`layers ${layerRow.first}-${layerRow.last} from the base image ${layerRow.base}`, { bold: true })]);
    detailsBody.push([seg(`${bytes(layerRow.bytes)} · space unfolds them`, { color: theme.dim })]);
  } else if (layer >= 0) {
    const [first, second, instr] = layerFacts(layer);
    detailsBody.push(first, ...(second.length ? [second] : []));
    for (const t of wrap(instr, innerL, detailsH - 2 - detailsBody.length)) detailsBody.push([seg(t, { color: theme.accent })]);
  }
  const detailsBlock = framed('Instruction', detailsBody, leftW, detailsH, false, theme.accent);

  // Findings
  const findingsBody: Line[] = [[
    seg('save '),
    seg(bytes(savings), { bold: true, color: savings ? theme.waste : undefined }),
    seg(` (${percent(a.totalBytes ? savings / a.totalBytes : 0)}) of ${bytes(a.totalBytes)}`),
  ]];
  if (items.length === 0) findingsBody.push([seg('nothing to fix: no findings, no waste', { color: theme.dim })]);
  for (let i = off.current.findings; i < Math.min(items.length, off.current.findings + pages.findings); i++) {
    const it = items[i];
    const sel = i === fiCur;
    const st = { inverse: sel && focus === 'findings', bold: sel };
    findingsBody.push([seg(sel ? '›' : ' ', st), seg(`${padStart(bytes(it.bytes), 8)} `, st), seg(`L${it.layer} `, st), seg(it.title, st)]);
  }
  const fi = items[fiCur];
  if (focus === 'findings' && fi) {
    const room = findingsH - 2 - (pages.findings + 1);
    const text = [fi.fix ? `fix: ${fi.fix}` : '', fi.why ?? '', fi.instruction ? `layer ${fi.layer}: ${fi.instruction}` : ''].filter(Boolean).join(' · ');
    wrap(text, innerL, room).forEach((t, i) => (findingsBody[pages.findings + 1 + i] = [seg(t, { color: theme.dim })]));
  }
  const findingsBlock = framed(`Findings ${items.length ? `${fiCur + 1}/${items.length}` : ''}`.trim(), findingsBody, leftW, findingsH, focus === 'findings', theme.accent);

  // Files
  const what = mode === 'image' ? (wastedOnly ? 'wasted bytes' : 'image') : `layer ${layer}`;
  const flags = [`by ${sort}`, query || editing ? `/${query}` : '', wastedOnly ? 'wasted' : '', findingsOnly ? 'findings' : ''].filter(Boolean).join(' · ');
  const innerR = rightW - 2;
  const filesBody: Line[] = [[seg(`${what} · ${flags}`, { color: theme.dim })]];
  if (rows.length === 0) filesBody.push([seg(query || wastedOnly || findingsOnly ? 'nothing matches' : 'no changes', { color: theme.dim })]);
  for (let i = off.current.files; i < Math.min(rows.length, off.current.files + pages.files); i++) {
    const r = rows[i];
    const n = r.node;
    const sel = i === fCurSafe;
    const mk = n.mark ?? overlay.get(n.path);
    const st = { inverse: sel && focus === 'files', bold: sel };
    const colour = changeColour(theme, mk);
    const dir = n.children !== undefined;
    const name = rowLabel(r);
    filesBody.push([
      seg(mk ? MARK_CHAR[mk] : ' ', { ...st, color: colour, bold: true }),
      // ! : bytes shipped at this path are wasted (in the layer view: the ones this layer shipped)
      seg((mode === 'layer' ? wasteAt.get(n.path)?.includes(layer) : wasteAt.has(n.path)) ? '!' : ' ', { ...st, color: theme.waste, bold: true }),
      seg(`${padStart(bytes(n.size), 8)} `, st),
      seg(name, { ...st, color: colour ?? (dir ? theme.dir : undefined), bold: st.bold || dir }),
    ]);
  }
  const filesBlock = framed(`Files ${rows.length ? `${fCurSafe + 1}/${rows.length}` : ''}`.trim(), filesBody, rightW, filesH, focus === 'files', theme.accent);

  // History of the selected file
  const histBody: Line[] = [];
  if (fRow) {
    const steps = history.of(fRow.node.path);
    for (const s of steps.slice(-(historyH - 2))) {
      histBody.push([
        seg(`L${padStart(String(s.layer), idxW)} `),
        seg(MARK_CHAR[s.kind], { color: changeColour(theme, s.kind), bold: true }),
        seg(` ${padStart(bytes(s.size), 8)} `),
        ...(s.wasted ? [seg(`! ${s.wasted} `, { color: theme.waste, bold: true })] : []),
        ...(s.via ? [seg(`via /${s.via} `, { color: theme.dim })] : []),
        seg((origins[s.layer]?.instruction || '(no history)').replace(/\s+/g, ' ')),
      ]);
    }
    if (steps.length === 0) histBody.push([seg('directory implied by its contents', { color: theme.dim })]);
  }
  const histBlock = framed(fRow ? `History /${fRow.node.path}` : 'History', histBody, rightW, historyH, false, theme.accent);

  // Key help
  const keyLine: Line = editing
    ? filterLine(query, theme.dim)
    : [
        seg('? keys  q quit  Tab pane  ', { bold: true }),
        seg(
          focus === 'files'
            ? '↑↓ move  ←→ fold  c layer/image  s sort  / filter  w wasted  x findings'
            : focus === 'findings'
              ? '↑↓ move  Enter jump to file  c layer/image  w wasted  x findings'
              : '↑↓ layer  Enter instruction  space fold base  c layer/image  w wasted',
          { color: theme.dim },
        ),
      ];

  let body: Line[];
  if (help) {
    body = helpBox(KEYS, ['marks: + added  ~ modified  - removed  m metadata only  ! wasted'], W, bodyH, theme.dim, theme.accent);
  } else if (showLayer && layer >= 0) {
    const [first, second, instr] = layerFacts(layer);
    const b: Line[] = [first, ...(second.length ? [second] : []), []];
    const room = bodyH - 3; // inner lines less the closing hint
    const instrLines = wrap(instr, W - 2, Math.max(1, room - b.length - 4));
    for (const t of instrLines) b.push([seg(t, { color: theme.accent })]);
    // Where this layer's bytes went: what of it is wasted (and which layer hid it), then its biggest changes.
    const wasted = analysis.waste.filter((w) => w.shippedIn === layer).slice(0, 5);
    if (wasted.length && b.length < room - 2) {
      b.push([], [seg('wasted bytes this layer shipped', { bold: true })]);
      for (const w of wasted) {
        if (b.length >= room) break;
        b.push([
          seg(`${padStart(bytes(w.bytes), 9)} `, { color: theme.waste, bold: true }),
          seg(`! /${w.path} `),
          seg(`${w.kind} by layer ${w.hiddenBy}: ${(origins[w.hiddenBy]?.instruction ?? '').replace(/\s+/g, ' ')}`, { color: theme.dim }),
        ]);
      }
    }
    const biggest = analysis.layers[layer].changes.filter((c) => c.kind !== 'removed' && c.size > 0).sort((x, y) => y.size - x.size);
    if (biggest.length && b.length < room - 2) {
      b.push([], [seg(`largest files it added or changed (${plural(biggest.length, 'file')})`, { bold: true })]);
      for (const c of biggest) {
        if (b.length >= room) break;
        b.push([seg(`${padStart(bytes(c.size), 9)} `), seg(MARK_CHAR[c.kind], { color: changeColour(theme, c.kind), bold: true }), seg(` /${c.path}`)]);
      }
    }
    b[room] = [seg('Esc / Enter closes', { color: theme.dim })];
    body = framed(`Layer ${layer}`, b, W, bodyH, true, theme.accent);
  } else {
    body = beside([...layersBlock, ...detailsBlock, ...findingsBlock], [...filesBlock, ...histBlock]);
  }
  const lines = [fit(header, W), ...body, fit(keyLine, W)];
  return <Frame lines={lines} width={W} />;
}
