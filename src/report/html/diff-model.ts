import prettyBytes from 'pretty-bytes';
import type { DiffResult, InspectResult } from '../../pipeline/types.js';
import { type Building, type ReportData, FOLD_SHARE, add, compact, stageLabel } from './model.js';

/**
 * The HTML report of `msb diff`: where the second image grew, as a map of the added and grown bytes
 * nested by the stage that wrote them → directory → file, with the growth by stage and by directory
 * and the largest changes as tables. Shrinkage has no area; the tables carry it.
 */

const signed = (n: number) => (n === 0 ? '±0 B' : `${n > 0 ? '+' : '−'}${prettyBytes(Math.abs(n))}`);

/** Bytes per build stage of one image (the FROM image's layers as "base image …"). */
function byStage(r: InspectResult): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of r.layers) m.set(stageLabel(l.origin), (m.get(stageLabel(l.origin)) ?? 0) + l.stats.bytes);
  return m;
}

export function diffReportData(d: DiffResult): ReportData {
  const { before, after, diff } = d;
  const stages = new Map<string, Building>();
  for (const it of diff.items) {
    const grew = it.afterBytes - it.beforeBytes;
    if (grew <= 0 || it.afterLayer === undefined) continue;
    const label = stageLabel(after.layers[it.afterLayer]?.origin);
    let s = stages.get(label);
    if (!s) stages.set(label, (s = { name: label, bytes: 0 }));
    add(s, it.path.replace(/^\/+/, ''), grew, it.change === 'added' ? 'a' : 'g', undefined);
  }
  const grown = [...stages.values()].reduce((t, s) => t + s.bytes, 0);
  const min = Math.max(1, grown) * FOLD_SHARE;
  const tree = { n: `${before.image.reference} → ${after.image.reference}`, b: grown, k: [...stages.values()].map((s) => compact(s, min)) };
  const [bs, as] = [byStage(before), byStage(after)];
  const labels = [...new Set([...bs.keys(), ...as.keys()])];
  const count = (c: string) => diff.items.filter((i) => i.change === c).length.toLocaleString('en-US');
  return {
    title: `${before.image.reference} → ${after.image.reference}`,
    facts: [
      ['size', `${prettyBytes(before.summary.totalBytes)} → ${prettyBytes(after.summary.totalBytes)} (${signed(after.summary.totalBytes - before.summary.totalBytes)})`],
      ['visible', `${prettyBytes(before.summary.finalBytes)} → ${prettyBytes(after.summary.finalBytes)}`],
      ['wasted', `${prettyBytes(before.summary.wastedBytes)} → ${prettyBytes(after.summary.wastedBytes)}`],
      ['shared layers', String(diff.sharedLayers)],
      ['files', `+${count('added')} −${count('removed')} ~${count('changed')}`],
    ],
    legend: { a: 'added', g: 'grew' },
    tables: [
      { id: 'stages', title: 'Growth by stage', heads: ['stage', 'before', 'after', 'change'], rows: labels.map((l) => [l, prettyBytes(bs.get(l) ?? 0), prettyBytes(as.get(l) ?? 0), signed((as.get(l) ?? 0) - (bs.get(l) ?? 0))]) },
      { id: 'directories', title: 'Growth by directory', heads: ['directory', 'change', 'added', 'removed', 'changed'], rows: diff.directories.slice(0, 200).map((x) => [x.path, signed(x.deltaBytes), String(x.added), String(x.removed), String(x.changed)]) },
      { id: 'changes', title: 'Largest changes', heads: ['change', 'path', 'before', 'after'], rows: diff.items.slice(0, 200).map((i) => [i.change === 'changed' && !i.contentChanged ? 'metadata' : i.change, i.path, prettyBytes(i.beforeBytes), prettyBytes(i.afterBytes)]) },
    ],
    tree,
    notes: [...before.image.notes, ...after.image.notes],
  };
}
