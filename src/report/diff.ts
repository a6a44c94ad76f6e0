import type { DiffResult, InspectResult } from '../pipeline/types.js';
import type { DiffItem, DiffSide, DirectoryDelta } from '../analysis/diff.js';
import type { SourceKind } from '../source/types.js';
import { bytes, padEnd, padStart, truncate } from './format.js';

/** The `msb diff` report: JSON schema (documented in the README) and its text rendering. */
export interface JsonDiffReport {
  schemaVersion: 1;
  before: DiffSide & { reference: string; source: SourceKind; digest?: string };
  after: DiffSide & { reference: string; source: SourceKind; digest?: string };
  summary: {
    /** Bottom layers shared by both images (same diff_id at the same position). */
    sharedLayers: number;
    /** after.totalBytes − before.totalBytes. */
    deltaBytes: number;
    /** after.finalBytes − before.finalBytes. */
    finalDeltaBytes: number;
    addedBytes: number;
    removedBytes: number;
    changedDeltaBytes: number;
    added: number;
    removed: number;
    changed: number;
  };
  directories: DirectoryDelta[];
  changes: DiffItem[];
}

export function buildDiffReport(c: DiffResult): JsonDiffReport {
  const d = c.diff;
  const sideOf = (s: DiffSide, ins: InspectResult) => ({
    reference: ins.image.reference,
    source: ins.image.source,
    ...(ins.image.digest ? { digest: ins.image.digest } : {}),
    ...s,
  });
  const count = (k: DiffItem['change']) => d.items.filter((i) => i.change === k).length;
  return {
    schemaVersion: 1,
    before: sideOf(d.before, c.before),
    after: sideOf(d.after, c.after),
    summary: {
      sharedLayers: d.sharedLayers,
      deltaBytes: d.after.totalBytes - d.before.totalBytes,
      finalDeltaBytes: d.after.finalBytes - d.before.finalBytes,
      addedBytes: d.addedBytes,
      removedBytes: d.removedBytes,
      changedDeltaBytes: d.changedDeltaBytes,
      added: count('added'),
      removed: count('removed'),
      changed: count('changed'),
    },
    directories: d.directories,
    changes: d.items,
  };
}

export function signedBytes(n: number): string {
  return n === 0 ? '±0 B' : `${n > 0 ? '+' : '−'}${bytes(Math.abs(n))}`;
}

const count = (n: number) => `${n.toLocaleString('en-US')} file${n === 1 ? '' : 's'}`;

const MARK: Record<DiffItem['change'], string> = { added: '+', removed: '-', changed: '~' };

export function renderDiffText(r: JsonDiffReport, width = 100, top = 20): string {
  const s = r.summary;
  const out: string[] = [];
  out.push(`msb diff · ${r.before.reference} → ${r.after.reference}`);
  out.push(
    `Size ${bytes(r.before.totalBytes)} → ${bytes(r.after.totalBytes)} (${signedBytes(s.deltaBytes)}) · ` +
      `visible ${bytes(r.before.finalBytes)} → ${bytes(r.after.finalBytes)} · wasted ${bytes(r.before.wastedBytes)} → ${bytes(r.after.wastedBytes)} · ` +
      `layers ${r.before.layers} → ${r.after.layers} (${s.sharedLayers} shared)`,
  );
  out.push(
    `Added ${bytes(s.addedBytes)} in ${count(s.added)} · removed ${bytes(s.removedBytes)} in ${count(s.removed)} · ` +
      `changed ${count(s.changed)} (${signedBytes(s.changedDeltaBytes)})`,
  );
  if (r.changes.length === 0) {
    out.push('', 'The final filesystems are identical.');
    return `${out.join('\n')}\n`;
  }
  out.push('', 'Where the size went');
  for (const d of r.directories.slice(0, 10)) {
    out.push(`  ${padStart(signedBytes(d.deltaBytes), 10)}  ${padEnd(truncate(d.path, 40), 40)}  +${d.added} -${d.removed} ~${d.changed}`);
  }
  out.push('', `Largest changes${r.changes.length > top ? ` (top ${top} of ${r.changes.length.toLocaleString('en-US')})` : ''}`);
  for (const c of r.changes.slice(0, top)) {
    const what = c.change === 'changed' && !c.contentChanged ? 'metadata' : c.change;
    out.push(`  ${MARK[c.change]} ${padStart(signedBytes(c.afterBytes - c.beforeBytes), 10)}  ${padEnd(what, 8)}  ${truncate(c.path, Math.max(20, width - 26))}`);
  }
  return `${out.join('\n')}\n`;
}
