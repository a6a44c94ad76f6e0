import { Box, Text } from 'ink';
import React from 'react';
import { safeText } from '../safe-text.js';

/**
 * Panes are drawn as fixed-size blocks of lines (each a list of styled segments) cut to width here,
 * so nothing wraps and a frame is always exactly the terminal's size whatever the data.
 */
export interface Seg {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}
export type Line = Seg[];

/** Every piece of text the screens draw passes here: control characters become visible (safe-text). */
export function seg(text: string, style: Omit<Seg, 'text'> = {}): Seg {
  return { text: safeText(text), ...style };
}

/** Cuts a line to exactly `width` columns (ellipsis on overflow, space padding otherwise). */
export function fit(line: Line, width: number, pad: Omit<Seg, 'text'> = {}): Line {
  const out: Line = [];
  let used = 0;
  const total = line.reduce((n, s) => n + s.text.length, 0);
  for (const s of line) {
    const room = width - used;
    if (room <= 0) break;
    if (total > width && used + s.text.length >= width) {
      out.push({ ...s, text: `${s.text.slice(0, Math.max(0, room - 1))}…` });
      used = width;
      break;
    }
    out.push(s);
    used += s.text.length;
  }
  if (used < width) out.push({ text: ' '.repeat(width - used), ...pad });
  return out;
}

export function LineView({ line }: { line: Line }): React.ReactElement {
  return (
    <Text wrap="truncate-end">
      {line.map((s, i) => (
        <Text key={i} color={s.color} bold={s.bold} dimColor={s.dim} inverse={s.inverse}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}

/**
 * A bordered pane with its title in the top border. The focused pane gets a double border and a ▶
 * marker, so focus shows without colour.
 */
export function framed(title: string, body: Line[], width: number, height: number, focused: boolean, accent?: string): Line[] {
  const inner = Math.max(0, width - 2);
  const [h, v, tl, tr, bl, br] = focused ? ['═', '║', '╔', '╗', '╚', '╝'] : ['─', '│', '┌', '┐', '└', '┘'];
  const border = { color: focused ? accent : undefined, bold: focused };
  const t = ` ${focused ? '▶ ' : ''}${title} `;
  const tt = t.length > inner - 1 ? `${t.slice(0, Math.max(0, inner - 2))}… ` : t;
  const top: Line = [seg(tl + h, border), seg(tt, { bold: focused }), seg(h.repeat(Math.max(0, inner - 1 - tt.length)) + tr, border)];
  const out: Line[] = [top];
  for (let i = 0; i < height - 2; i++) out.push([seg(v, border), ...fit(body[i] ?? [], inner), seg(v, border)]);
  out.push([seg(bl + h.repeat(inner) + br, border)]);
  return out.slice(0, height);
}

/** Places blocks of lines side by side. */
export function beside(...blocks: Line[][]): Line[] {
  const n = Math.max(...blocks.map((b) => b.length));
  const out: Line[] = [];
  for (let i = 0; i < n; i++) out.push(blocks.flatMap((b) => b[i] ?? []));
  return out;
}

/** Greedy word wrap of plain text into at most `max` lines of `width`, the last one ellipsized. */
export function wrap(text: string, width: number, max: number): string[] {
  if (max <= 0 || width <= 1) return [];
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const lines: string[] = [];
  let cur = '';
  for (let w of words) {
    while (w.length > width) {
      if (cur) {
        lines.push(cur);
        cur = '';
      }
      lines.push(w.slice(0, width));
      w = w.slice(width);
    }
    if (!cur) cur = w;
    else if (cur.length + 1 + w.length <= width) cur += ` ${w}`;
    else {
      lines.push(cur);
      cur = w;
    }
  }
  if (cur) lines.push(cur);
  if (lines.length > max) {
    const kept = lines.slice(0, max);
    const last = kept[max - 1];
    kept[max - 1] = last.length >= width ? `${last.slice(0, width - 1)}…` : `${last}…`;
    return kept;
  }
  return lines;
}

/** A whole screen: lines already cut to width, one Text each. */
export function Frame({ lines, width }: { lines: Line[]; width: number }): React.ReactElement {
  return (
    <Box flexDirection="column" width={width} height={lines.length}>
      {lines.map((l, i) => (
        <LineView key={i} line={l} />
      ))}
    </Box>
  );
}

/** The key-help line while a `/` filter is typed. */
export function filterLine(query: string, dim?: string): Line {
  return [seg('filter /', { bold: true }), seg(query), seg('█'), seg('  Enter keep · Esc clear', { color: dim })];
}

/** The `?` overlay: a key table, then notes (what the marks mean), then how to close it. */
export function helpBox(keys: Array<[string, string]>, notes: string[], width: number, height: number, dim?: string, accent?: string): Line[] {
  const body: Line[] = keys.map(([k, d]) => [seg(k.padEnd(22), { bold: true }), seg(d)]);
  const tail = [...notes, '? / Esc closes this help'];
  // The blank line before the notes goes first when the terminal is short (80x24 has no row to spare).
  if (body.length + 1 + tail.length <= height - 2) body.push([]);
  for (const n of tail) body.push([seg(n, { color: dim })]);
  return framed('Keys', body, width, height, true, accent);
}

/** "1 file", "2,000 files". */
export function plural(n: number, what: string): string {
  return `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;
}

/** A list pane's window: the selected row, the first row shown, how many rows show, whether focused. */
export interface ListWindow {
  cursor: number;
  offset: number;
  page: number;
  focused: boolean;
}

/** Indices of the rows a window shows out of `count`. */
export function shown(w: ListWindow, count: number): number[] {
  const out: number[] = [];
  for (let i = w.offset; i < Math.min(count, w.offset + w.page); i++) out.push(i);
  return out;
}
