import { type Pane, type Screen, helpRows, hints } from '../keys.js';
import { type Line, filterLine, helpBox, seg } from '../lines.js';
import type { Theme } from '../theme.js';

/** Key help, drawn from the key table (../keys.ts) so it always says what the keys do. */

/** The `?` overlay: every key of the screen, then `notes` (what the marks mean). */
export function helpPane(screen: Screen, notes: string[], width: number, height: number, theme: Theme): Line[] {
  return helpBox(helpRows(screen), notes, width, height, theme.dim, theme.accent);
}

/** The bottom line: the keys that matter in the focused pane, or the filter being typed. */
export function keyHintLine(screen: Screen, pane: Pane, editing: boolean, query: string, theme: Theme): Line {
  if (editing) return filterLine(query, theme.dim);
  const h = hints(screen, pane);
  return [seg(`${h.lead.join('  ')}  `, { bold: true }), seg(h.pane.join('  '), { color: theme.dim })];
}
