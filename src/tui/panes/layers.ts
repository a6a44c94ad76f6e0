import type { LayerOrigin } from '../../analysis/origin.js';
import type { Analysis } from '../../analysis/types.js';
import { bytes, padStart } from '../../report/format.js';
import { type Line, type ListWindow, framed, plural, seg, shown, wrap } from '../lines.js';
import { MARK_CHAR } from '../model/files.js';
import type { LayerRow } from '../model/layers.js';
import { type Theme, changeColour } from '../theme.js';

/** The inspect screen's layer panes: the list, the selected layer's box below it, and its full view. */

/** Digits of the largest layer index, so indices line up. */
export const indexWidth = (layerCount: number): number => String(Math.max(0, layerCount - 1)).length;

export function layersPane(rows: LayerRow[], w: ListWindow, layerCount: number, width: number, height: number, theme: Theme): Line[] {
  const idxW = indexWidth(layerCount);
  const body: Line[] = shown(w, rows.length).map((i) => {
    const r = rows[i];
    const sel = i === w.cursor;
    const st = { inverse: sel && w.focused, bold: sel };
    const wasteMark = r.wasted > 0 ? seg('!', { color: theme.waste, bold: true, inverse: st.inverse }) : seg(' ', st);
    if (r.kind === 'base') {
      return [
        seg(sel ? '›' : ' ', st),
        seg(`${padStart(`${r.first}-${r.last}`, idxW)} ${padStart(bytes(r.bytes), 8)} `, st),
        wasteMark,
        seg(` ▸ FROM ${r.base} (${r.last - r.first + 1} layers)`, { ...st, color: theme.dim }),
      ];
    }
    const stage = r.stage !== undefined ? ` [${r.stage}]` : r.base !== undefined ? ' [base]' : '';
    const room = width - 2 - (idxW + 13) - stage.length;
    const instr = r.instruction.replace(/\s+/g, ' ');
    return [
      seg(sel ? '›' : ' ', st),
      seg(`${padStart(String(r.index), idxW)} ${padStart(bytes(r.bytes), 8)} `, st),
      wasteMark,
      seg(` ${instr.length > room ? `${instr.slice(0, Math.max(0, room - 1))}…` : instr.padEnd(room)}`, st),
      seg(stage, { ...st, color: theme.accent }),
    ];
  });
  return framed(`Layers ${w.cursor + 1}/${rows.length}`, body, width, height, w.focused, theme.accent);
}

/** Sizes and waste; Dockerfile line, stage, base; the instruction. */
export function layerFacts(a: Analysis, origins: LayerOrigin[], i: number, theme: Theme): [Line, Line, string] {
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

/** The box below the list: the selected layer (or folded base-image row) in short. */
export function instructionPane(a: Analysis, origins: LayerOrigin[], row: LayerRow | undefined, layer: number, width: number, height: number, theme: Theme): Line[] {
  const body: Line[] = [];
  if (row?.kind === 'base') {
    body.push([seg(`layers ${row.first}-${row.last} from the base image ${row.base}`, { bold: true })]);
    body.push([seg(`${bytes(row.bytes)} · space unfolds them`, { color: theme.dim })]);
  } else if (layer >= 0) {
    const [first, second, instr] = layerFacts(a, origins, layer, theme);
    body.push(first, ...(second.length ? [second] : []));
    for (const t of wrap(instr, width - 2, height - 2 - body.length)) body.push([seg(t, { color: theme.accent })]);
  }
  return framed('Instruction', body, width, height, false, theme.accent);
}

/** Enter on a layer, over the whole body: its full instruction, the wasted bytes it shipped, its largest files. */
export function layerOverlay(a: Analysis, origins: LayerOrigin[], layer: number, width: number, height: number, theme: Theme): Line[] {
  const [first, second, instr] = layerFacts(a, origins, layer, theme);
  const b: Line[] = [first, ...(second.length ? [second] : []), []];
  const room = height - 3; // inner lines less the closing hint
  for (const t of wrap(instr, width - 2, Math.max(1, room - b.length - 4))) b.push([seg(t, { color: theme.accent })]);
  // Where this layer's bytes went: what of it is wasted (and which layer hid it), then its biggest changes.
  const wasted = a.waste.filter((w) => w.shippedIn === layer).slice(0, 5);
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
  const biggest = a.layers[layer].changes.filter((c) => c.kind !== 'removed' && c.size > 0).sort((x, y) => y.size - x.size);
  if (biggest.length && b.length < room - 2) {
    b.push([], [seg(`largest files it added or changed (${plural(biggest.length, 'file')})`, { bold: true })]);
    for (const c of biggest) {
      if (b.length >= room) break;
      b.push([seg(`${padStart(bytes(c.size), 9)} `), seg(MARK_CHAR[c.kind], { color: changeColour(theme, c.kind), bold: true }), seg(` /${c.path}`)]);
    }
  }
  b[room] = [seg('Esc / Enter closes', { color: theme.dim })];
  return framed(`Layer ${layer}`, b, width, height, true, theme.accent);
}
