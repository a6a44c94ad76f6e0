import { Box } from 'ink';
import React from 'react';
import { bytes, padStart } from '../report/format.js';
import { type Line, LineView, fit, seg } from './lines.js';
import type { Theme } from './theme.js';
import { type LoadingState, summarize } from './model/loading.js';

/** The screen while layers are read: overall progress, rate, and a bar per layer. */
/** `hint: false` leaves out the Ctrl-C line (the diff screen shows two of these, one above the other). */
export function Loading({ reference, state, now, width, height, theme, hint = true }: { reference: string; state: LoadingState; now: number; width: number; height: number; theme: Theme; hint?: boolean }): React.ReactElement {
  const s = summarize(state, now);
  const lines: Line[] = [];
  lines.push([seg('msb ', { bold: true }), seg(`reading ${reference}`)]);
  const of = s.totalBytes !== undefined ? ` of ${bytes(s.totalBytes)}` : '';
  lines.push([seg(`layers ${s.done}/${s.layers} · ${bytes(s.bytesRead)}${of} · ${bytes(s.rate)}/s`)]);
  if (s.download) {
    const tot = s.download.total !== undefined ? ` of ${bytes(s.download.total)}` : '';
    lines.push([seg(`downloading ${bytes(s.download.bytes)}${tot} · ${s.download.active} active`)]);
  }
  lines.push([]);
  const barW = Math.max(10, Math.min(40, width - 40));
  const room = Math.max(1, height - lines.length - (hint ? 2 : 1));
  // Show the layers being read first, then the rest in order, as many as fit.
  const order = [...state.active, ...state.layers.map((_, i) => i).filter((i) => !state.active.includes(i))].slice(0, room).sort((x, y) => x - y);
  const idxW = String(state.layers.length).length;
  for (const i of order) {
    const l = state.layers[i];
    const frac = l.done ? 1 : l.size ? Math.min(1, l.bytesRead / l.size) : 0;
    const fill = Math.round(frac * barW);
    const status = l.done ? 'done' : state.active.includes(i) ? 'reading' : 'waiting';
    lines.push([
      seg(`layer ${padStart(String(i), idxW)} `),
      seg('█'.repeat(fill), { color: theme.accent }),
      seg('░'.repeat(barW - fill), { color: theme.dim }),
      seg(` ${padStart(bytes(l.bytesRead), 9)}${l.size ? ` / ${bytes(l.size)}` : ''} ${status}`),
    ]);
  }
  while (lines.length < height - (hint ? 1 : 0)) lines.push([]);
  if (hint) lines.push([seg('Ctrl-C cancels', { color: theme.dim })]);
  return (
    <Box flexDirection="column" width={width} height={height}>
      {lines.slice(0, height).map((l, i) => (
        <LineView key={i} line={fit(l, width)} />
      ))}
    </Box>
  );
}
