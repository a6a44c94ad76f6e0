import type { DiffData, DiffSideData } from '../data.js';
import { bytes, padStart } from '../../report/format.js';
import { type Line, type ListWindow, framed, plural, seg, shown, wrap } from '../lines.js';
import type { DiffLayerRow, Side } from '../model/diff.js';
import type { Theme } from '../theme.js';

/** The diff screen's layer panes: both images' layers, and the selected layer's box. */

export const LETTER: Record<Side, string> = { before: 'A', after: 'B' };

/** A layer's instruction on one line. */
export function instructionOf(side: DiffSideData, layer: number): string {
  return (side.origins[layer]?.instruction || '(no history)').replace(/\s+/g, ' ');
}

export function diffLayersPane(data: DiffData, rows: DiffLayerRow[], w: ListWindow, width: number, height: number, theme: Theme): Line[] {
  const A = data.before.analysis;
  const B = data.after.analysis;
  const idxW = String(Math.max(A.layers.length, B.layers.length) - 1).length;
  const body: Line[] = shown(w, rows.length).map((i) => {
    const r = rows[i];
    const sel = i === w.cursor;
    const st = { inverse: sel && w.focused, bold: sel };
    return [
      seg(sel ? '›' : ' ', st),
      seg(`${LETTER[r.side]}${padStart(String(r.layer.index), idxW)}`, { ...st, bold: true }),
      // = : the same layer (diff_id) at the same place in both images
      seg(r.shared ? '=' : ' ', { ...st, color: r.shared ? theme.dim : undefined, bold: true }),
      seg(`${padStart(bytes(r.layer.bytes), 8)} `, st),
      seg(r.layer.instruction.replace(/\s+/g, ' '), { ...st, color: r.shared ? theme.dim : undefined }),
    ];
  });
  return framed(`Layers A ${A.layers.length} · B ${B.layers.length}`, body, width, height, w.focused, theme.accent);
}

/** The box under the tree while Layers has focus: the selected layer and its instruction. */
export function diffLayerDetails(data: DiffData, r: DiffLayerRow, width: number, height: number, theme: Theme): Line[] {
  const side = data[r.side];
  const l = side.analysis.layers[r.layer.index];
  const body: Line[] = [[
    seg(`${LETTER[r.side]}${r.layer.index} · ${bytes(l.bytes)} · ${plural(l.files, 'file')}`, { bold: true }),
    seg(r.shared ? ` · = ${r.side === 'before' ? 'B' : 'A'}${r.layer.index} shared` : ''),
  ]];
  for (const t of wrap(instructionOf(side, r.layer.index), width - 2, height - 2 - body.length)) body.push([seg(t, { color: theme.accent })]);
  return framed(`Layer ${LETTER[r.side]}${r.layer.index}`, body, width, height, false, theme.accent);
}
