import type { LayerOrigin } from '../../analysis/origin.js';
import { bytes, padStart } from '../../report/format.js';
import { type Line, type ListWindow, framed, seg, shown } from '../lines.js';
import { MARK_CHAR, type Mark, type Row, rowLabel } from '../model/files.js';
import type { HistoryIndex } from '../model/history.js';
import type { Rows } from '../model/rows.js';
import type { InspectState } from '../model/inspect-view.js';
import { type Theme, changeColour } from '../theme.js';

/** The inspect screen's right side: the Files tree, and the selected path's history below it. */

export interface FilesShown {
  rows: Rows;
  /** The layer the Files pane is about (its changes, or what it did in the image view). */
  layer: number;
  /** In the image view, what the selected layer did at each path. */
  overlay: (path: string) => Mark | undefined;
  /** Layers whose bytes at a path are wasted, by path (the ! column). */
  wasteAt: ReadonlyMap<string, number[]>;
}

type FilesState = Pick<InspectState, 'mode' | 'wastedOnly' | 'findingsOnly' | 'sort' | 'query' | 'editing'>;

export function filesPane(s: FilesState, f: FilesShown, w: ListWindow, width: number, height: number, theme: Theme): Line[] {
  const { rows, layer } = f;
  const what = s.mode === 'image' ? (s.wastedOnly ? 'wasted bytes' : 'image') : `layer ${layer}`;
  const flags = [`by ${s.sort}`, s.query || s.editing ? `/${s.query}` : '', s.wastedOnly ? 'wasted' : '', s.findingsOnly ? 'findings' : ''].filter(Boolean).join(' · ');
  const body: Line[] = [[seg(`${what} · ${flags}`, { color: theme.dim })]];
  if (rows.length === 0) body.push([seg(s.query || s.wastedOnly || s.findingsOnly ? 'nothing matches' : 'no changes', { color: theme.dim })]);
  for (const i of shown(w, rows.length)) {
    const r = rows.at(i)!;
    const n = r.node;
    const sel = i === w.cursor;
    const mk = n.mark ?? f.overlay(n.path);
    const st = { inverse: sel && w.focused, bold: sel };
    const colour = changeColour(theme, mk);
    const dir = n.children !== undefined;
    body.push([
      seg(mk ? MARK_CHAR[mk] : ' ', { ...st, color: colour, bold: true }),
      // ! : bytes shipped at this path are wasted (in the layer view: the ones this layer shipped)
      seg((s.mode === 'layer' ? f.wasteAt.get(n.path)?.includes(layer) : f.wasteAt.has(n.path)) ? '!' : ' ', { ...st, color: theme.waste, bold: true }),
      seg(`${padStart(bytes(n.size), 8)} `, st),
      seg(rowLabel(r), { ...st, color: colour ?? (dir ? theme.dir : undefined), bold: st.bold || dir }),
    ]);
  }
  return framed(`Files ${rows.length ? `${w.cursor + 1}/${rows.length}` : ''}`.trim(), body, width, height, w.focused, theme.accent);
}

/** Every layer that touched the selected path, with size, waste and instruction. */
export function historyPane(row: Row | undefined, history: HistoryIndex, origins: LayerOrigin[], idxW: number, width: number, height: number, theme: Theme): Line[] {
  const body: Line[] = [];
  if (row) {
    const steps = history.of(row.node.path);
    for (const s of steps.slice(-(height - 2))) {
      body.push([
        seg(`L${padStart(String(s.layer), idxW)} `),
        seg(MARK_CHAR[s.kind], { color: changeColour(theme, s.kind), bold: true }),
        seg(` ${padStart(bytes(s.size), 8)} `),
        ...(s.wasted ? [seg(`! ${s.wasted} `, { color: theme.waste, bold: true })] : []),
        ...(s.via ? [seg(`via /${s.via} `, { color: theme.dim })] : []),
        seg((origins[s.layer]?.instruction || '(no history)').replace(/\s+/g, ' ')),
      ]);
    }
    if (steps.length === 0) body.push([seg('directory implied by its contents', { color: theme.dim })]);
  }
  return framed(row ? `History /${row.node.path}` : 'History', body, width, height, false, theme.accent);
}
