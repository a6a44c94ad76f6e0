import { bytes, padEnd, padStart, percent } from '../../report/format.js';
import { type Line, type ListWindow, framed, seg, shown } from '../lines.js';
import { type Breakdown, type DirRow, type MapCategory, CATEGORY_CHAR, CATEGORY_LABEL, MAP_CATEGORIES, bar } from '../model/map.js';
import type { Theme } from '../theme.js';

/**
 * The Map (key m): a stacked bar per build stage and per layer of bytes by what msb found, then the
 * selected directory's entries by size with the same bars, to drill into like `du`. Each category
 * fills its cells with its own letter, so the map reads at 80x24 and without colour.
 */

const COLOUR: Partial<Record<MapCategory, keyof Theme>> = { waste: 'waste', toolchain: 'modified', cache: 'metadata', source: 'dir', leftover: 'dim', secret: 'removed' };

/** A bar as segments, each category in its colour (the letters carry it without colour). */
function barLine(text: string, theme: Theme): Line {
  const out: Line = [];
  for (const c of MAP_CATEGORIES) {
    const ch = CATEGORY_CHAR[c];
    let n = 0;
    for (const x of text) if (x === ch) n++;
    if (n) out.push(seg(ch.repeat(n), { color: COLOUR[c] ? theme[COLOUR[c]!] : undefined }));
  }
  return out;
}

function breakdownRow(b: Breakdown, labelW: number, barW: number, max: number, theme: Theme): Line {
  const flagged = b.bytes - b.parts.needed;
  return [
    seg(`${padEnd(b.label.length > labelW ? `${b.label.slice(0, labelW - 1)}…` : b.label, labelW)} ${padStart(bytes(b.bytes), 8)} `),
    ...barLine(padEnd(bar(b, barW, max), 0), theme),
    seg(flagged > 0 ? ` ${percent(b.bytes ? flagged / b.bytes : 0)} can go` : '', { color: theme.dim }),
  ];
}

export function legend(theme: Theme): Line {
  return MAP_CATEGORIES.flatMap((c) => [seg(`${CATEGORY_CHAR[c]} `, { color: COLOUR[c] ? theme[COLOUR[c]!] : undefined }), seg(`${CATEGORY_LABEL[c]}  `, { color: theme.dim })]);
}

/** The top block: stages, then as many layers as fit (the biggest when not all do), in layer order. */
export function overviewPane(stages: Breakdown[], layers: Breakdown[], width: number, height: number, theme: Theme): Line[] {
  const inner = width - 2;
  const labelW = Math.min(28, Math.max(12, Math.floor(inner * 0.3)));
  const barW = Math.max(8, inner - labelW - 10 - 14);
  const max = Math.max(1, ...stages.map((s) => s.bytes), ...layers.map((l) => l.bytes));
  const body: Line[] = [legend(theme)];
  const room = height - 2 - body.length;
  const showStages = stages.length > 1 ? stages.slice(0, Math.max(1, Math.floor(room / 3))) : [];
  if (showStages.length) {
    body.push([seg('by stage', { bold: true })]);
    for (const s of showStages) body.push(breakdownRow(s, labelW, barW, max, theme));
  }
  const left = height - 2 - body.length - 1;
  if (left > 0) {
    const keep = new Set([...layers.keys()].sort((a, b) => layers[b].bytes - layers[a].bytes).slice(0, left));
    body.push([seg(keep.size < layers.length ? `by layer (the ${keep.size} biggest of ${layers.length})` : 'by layer', { bold: true })]);
    layers.forEach((l, i) => keep.has(i) && body.push(breakdownRow(l, labelW, barW, max, theme)));
  }
  return framed('Map · where the bytes are', body, width, height, false, theme.accent);
}

/** The bottom block: the directory's entries by size, the selected one highlighted. */
export function directoryPane(path: string, rows: DirRow[], total: number, w: ListWindow, width: number, height: number, theme: Theme): Line[] {
  const inner = width - 2;
  const barW = Math.max(6, Math.min(24, Math.floor(inner * 0.25)));
  const max = Math.max(1, ...rows.map((r) => r.bytes));
  const body: Line[] = [];
  if (rows.length === 0) body.push([seg('empty directory', { color: theme.dim })]);
  for (const i of shown(w, rows.length)) {
    const r = rows[i];
    const sel = i === w.cursor;
    const st = { inverse: sel && w.focused, bold: sel };
    const flagged = r.bytes - r.parts.needed;
    body.push([
      seg(sel ? '›' : ' ', st),
      seg(`${padStart(bytes(r.bytes), 8)} ${padStart(percent(total ? r.bytes / total : 0), 5)} `, st),
      ...barLine(bar(r, barW, max), theme),
      seg(' '.repeat(Math.max(1, barW - bar(r, barW, max).length + 1))),
      seg(`${r.name}${r.dir ? '/' : ''}`, { ...st, color: r.dir ? theme.dir : undefined }),
      seg(flagged > 0 ? `  ${bytes(flagged)} flagged` : '', { color: theme.waste }),
    ]);
  }
  const title = `/${path} · ${bytes(total)} · ${rows.length ? `${w.cursor + 1}/${rows.length}` : '0'}`;
  return framed(title, body, width, height, true, theme.accent);
}
