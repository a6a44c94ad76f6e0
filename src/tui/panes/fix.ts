import { bytes } from '../../report/format.js';
import { type Line, framed, seg } from '../lines.js';
import type { FixView } from '../data.js';
import type { Theme } from '../theme.js';

/**
 * The Fix view (key f on the findings): `msb fix`'s patch for the Dockerfile, scrolled, with what
 * each hunk saves in its @@ heading. Added and removed lines carry their +/- marks, so colour is
 * never the only carrier.
 */
export function fixPane(fix: FixView | undefined, scroll: number, width: number, height: number, theme: Theme): Line[] {
  if (!fix || fix.unavailable) {
    const why = fix?.unavailable ?? 'msb fix needs the Dockerfile: run msb inspect IMAGE --dockerfile PATH';
    return framed('Fix', [[seg(why, { color: theme.dim })]], width, height, true, theme.accent);
  }
  const page = Math.max(1, height - 2);
  const body: Line[] = fix.lines.slice(scroll, scroll + page).map((l) => {
    const colour = l.startsWith('+') ? theme.added : l.startsWith('-') ? theme.removed : l.startsWith('@@') || l.startsWith('#') ? theme.accent : undefined;
    return [seg(l, { color: colour, bold: l.startsWith('@@') })];
  });
  const title = `Fix · ${fix.changes} change${fix.changes === 1 ? '' : 's'} · saves ${bytes(fix.bytes)} · ${fix.lines.length ? `${Math.min(scroll + 1, fix.lines.length)}-${Math.min(scroll + page, fix.lines.length)}/${fix.lines.length}` : 'nothing to change'}`;
  return framed(title, body, width, height, true, theme.accent);
}
