import { bytes, padStart, percent } from '../../report/format.js';
import { type Line, type ListWindow, framed, seg, shown, wrap } from '../lines.js';
import type { FindingItem } from '../model/findings.js';
import type { Theme } from '../theme.js';

/**
 * The Findings pane: potential savings, then findings largest first. While focused, the selected
 * finding's fix fills the lines below the list.
 */
export function findingsPane(items: FindingItem[], savings: number, totalBytes: number, w: ListWindow, width: number, height: number, theme: Theme): Line[] {
  const body: Line[] = [[
    seg('save '),
    seg(bytes(savings), { bold: true, color: savings ? theme.waste : undefined }),
    seg(` (${percent(totalBytes ? savings / totalBytes : 0)}) of ${bytes(totalBytes)}`),
  ]];
  if (items.length === 0) body.push([seg('nothing to fix: no findings, no waste', { color: theme.dim })]);
  for (const i of shown(w, items.length)) {
    const it = items[i];
    const sel = i === w.cursor;
    const st = { inverse: sel && w.focused, bold: sel };
    body.push([seg(sel ? '›' : ' ', st), seg(`${padStart(bytes(it.bytes), 8)} `, st), seg(`L${it.layer} `, st), seg(it.title, st)]);
  }
  const fi = items[w.cursor];
  if (w.focused && fi) {
    const room = height - 2 - (w.page + 1);
    const low = fi.finding.evidence?.confidence === 'low' ? 'low confidence (e: why)' : '';
    const text = [low, fi.fix ? `fix: ${fi.fix}` : '', fi.why ?? '', fi.instruction ? `layer ${fi.layer}: ${fi.instruction}` : ''].filter(Boolean).join(' · ');
    wrap(text, width - 2, room).forEach((t, i) => (body[w.page + 1 + i] = [seg(t, { color: theme.dim })]));
  }
  return framed(`Findings ${items.length ? `${w.cursor + 1}/${items.length}` : ''}`.trim(), body, width, height, w.focused, theme.accent);
}
