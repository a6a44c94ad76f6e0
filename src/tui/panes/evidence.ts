import { type Line, framed, seg, wrap } from '../lines.js';
import type { EvidenceLine } from '../model/evidence.js';
import type { Theme } from '../theme.js';

/** The Evidence view's lines wrapped to `width` (a line that fits keeps its spacing). */
export function wrapEvidence(lines: EvidenceLine[], width: number): EvidenceLine[] {
  const out: EvidenceLine[] = [];
  for (const l of lines) {
    if (l.text.length <= width) {
      out.push(l);
      continue;
    }
    const ind = Math.min(l.indent ?? 0, Math.floor(width / 3));
    wrap(l.text, width - ind, Number.MAX_SAFE_INTEGER).forEach((t, i) => out.push({ text: i ? ' '.repeat(ind) + t : t, style: l.style }));
  }
  return out;
}

/**
 * The Evidence view (key e on the findings): the selected finding's proof and what the entrypoint
 * keeps, scrolled. Low confidence is said in words, so colour is never the only carrier.
 */
export function evidencePane(lines: EvidenceLine[], scroll: number, width: number, height: number, theme: Theme): Line[] {
  const page = Math.max(1, height - 2);
  const style = (s: EvidenceLine['style']) =>
    s === 'title' ? { bold: true, color: theme.accent } : s === 'head' ? { bold: true } : s === 'dim' ? { color: theme.dim } : s === 'warn' ? { color: theme.waste, bold: true } : {};
  const body: Line[] = lines.slice(scroll, scroll + page).map((l) => [seg(l.text, style(l.style))]);
  const at = lines.length ? ` · ${Math.min(scroll + 1, lines.length)}-${Math.min(scroll + page, lines.length)}/${lines.length}` : '';
  return framed(`Evidence${at}`, body, width, height, true, theme.accent);
}
