import { lstat, unlink } from 'node:fs/promises';
import { MsbError, shortDigest } from '../errors.js';
import { defaultCacheDir } from '../source/cache/blob-cache.js';
import type { Part } from './cache-inventory.js';
import type { PrunePlan } from './cache-plan.js';
import type { Io } from './io.js';

/**
 * `msb cache ls|du|prune`: everything in msb's cache directory — tag records (`refs/`, for offline
 * inspects by tag), the layer-analysis cache (`layers/`) and the blob cache (`blobs/`). The disk is
 * read by cache-inventory.ts, the choices are made by cache-plan.ts (pure); this module prints and
 * unlinks. Removing any entry is always safe: msb downloads or walks it again when next needed.
 */

export interface CacheFlags {
  cacheDir?: string;
  olderThan?: string;
  maxSize?: string;
  json?: boolean;
}

const DAY = 86_400_000;
const AGE_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: DAY, w: 7 * DAY };

export function parseAge(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(s);
  if (!m) throw new MsbError(`invalid --older-than "${s}": expected an age like 30d, 12h or 2w`);
  return Number(m[1]) * AGE_UNITS[m[2].toLowerCase()];
}

/** "45s", "12m", "3h", "9d": how long ago, in the largest whole unit up to days. */
export function shortAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

export async function cacheCommand(action: string, flags: CacheFlags, io: Io): Promise<number> {
  if (!['ls', 'du', 'prune'].includes(action)) throw new MsbError(`unknown cache action "${action}": expected ls, du or prune`);
  let cutoff = -Infinity;
  let max = Infinity;
  if (action === 'prune') {
    // Every flag is checked before anything is read or removed.
    if (flags.olderThan === undefined && flags.maxSize === undefined) throw new MsbError('msb cache prune needs --older-than AGE and/or --max-size SIZE');
    const { parseSize } = await import('../report/gate.js');
    if (flags.olderThan !== undefined) cutoff = Date.now() - parseAge(flags.olderThan);
    if (flags.maxSize !== undefined) max = parseSize(flags.maxSize, '--max-size');
  }
  const { scanCache } = await import('./cache-inventory.js');
  const plan = await import('./cache-plan.js');
  const { bytes: fmt } = await import('../report/format.js');
  const dir = flags.cacheDir ?? defaultCacheDir(io.env);
  const inv = await scanCache(dir);
  const out = (s: string) => io.stdout.write(s);
  const now = Date.now();

  if (action === 'ls') {
    const j = plan.lsJson(inv);
    if (flags.json) return out(`${JSON.stringify(j, null, 2)}\n`), 0;
    out(`${j.refs.length} tag record(s) in ${dir}/refs\n`);
    const w = Math.max(9, ...j.refs.map((r) => r.reference.length));
    const pw = Math.max(8, ...j.refs.map((r) => r.platform.length));
    if (j.refs.length) out(`  ${'REFERENCE'.padEnd(w)}  ${'PLATFORM'.padEnd(pw)}  ${'MANIFEST'.padEnd(19)}  FETCHED\n`);
    for (const r of j.refs) {
      const note = r.manifestCached ? '' : '  (manifest no longer cached: no offline use)';
      out(`  ${r.reference.padEnd(w)}  ${r.platform.padEnd(pw)}  ${shortDigest(r.manifestDigest).padEnd(19)}  ${shortAge(now - Date.parse(r.fetchedAt))} ago${note}\n`);
    }
    out(`${inv.layers.length} layer(s), ${fmt(plan.totals(inv).layers.bytes)} in ${dir}/layers\n`);
    for (const l of inv.layers) out(`  ${fmt(l.bytes).padStart(10)}  ${shortAge(now - l.usedAt).padStart(4)}  ${l.key.split('|')[0]}\n`);
    out(`${j.blobs.count} blob(s), ${fmt(j.blobs.bytes)} in ${dir}/blobs\n`);
    if (j.unreadable.length) {
      out(`${j.unreadable.length} unreadable file(s) (msb cache prune removes them)\n`);
      for (const u of j.unreadable) out(`  ${u.file}: ${u.why}\n`);
    }
    return 0;
  }

  if (action === 'du') {
    const t = plan.totals(inv);
    if (flags.json) return out(`${JSON.stringify(t)}\n`), 0;
    out(`${fmt(t.refs.bytes)}\t${t.refs.count} tag record(s)\n`);
    out(`${fmt(t.layers.bytes)}\t${t.layers.count} layer(s)\n`);
    out(`${fmt(t.blobs.bytes)}\t${t.blobs.count} blob(s)\n`);
    if (t.unreadable.count) out(`${fmt(t.unreadable.bytes)}\t${t.unreadable.count} unreadable file(s)\n`);
    out(`${fmt(t.bytes)}\ttotal\t${dir}\n`);
    return 0;
  }

  const p = plan.planPrune(inv, cutoff, max);
  const { removed, freed, spared } = await applyPrune(p);
  p.keptBytes += spared;
  const orphaned = p.orphaned.map(plan.reference);
  if (flags.json) {
    out(`${JSON.stringify({ dir, removed, freedBytes: freed, keptBytes: p.keptBytes, orphanedRefs: orphaned })}\n`);
    return 0;
  }
  out(`removed ${removed.layers} layer(s), ${removed.blobs} blob(s), ${removed.refs} tag record(s), ${removed.unreadable} unreadable file(s): ${fmt(freed)} freed; ${fmt(p.keptBytes)} kept in ${dir}\n`);
  if (orphaned.length) out(`${orphaned.length} of those tag records went because their manifest is no longer cached (no offline use): ${orphaned.join(', ')}\n`);
  return 0;
}

type Entry = { files: string[]; bytes: number; usedAt: number };

/**
 * Unlinks what a prune plan chose (a link itself, never its target). An entry already gone
 * (another msb pruned it) is not counted; one used since the scan (another msb is reading it right
 * now) stays, and its bytes are `spared`.
 */
export async function applyPrune(p: PrunePlan): Promise<{ removed: Record<Part | 'unreadable', number>; freed: number; spared: number }> {
  let freed = 0;
  let spared = 0;
  const remove = async ({ files, bytes, usedAt }: Entry): Promise<boolean> => {
    const times = await Promise.all(files.map((f) => lstat(f).then((st) => st.mtimeMs, () => 0)));
    if (Math.max(...times) > usedAt) {
      spared += bytes;
      return false;
    }
    const [main, ...rest] = files;
    const gone = await unlink(main).then(() => true, () => false);
    for (const f of rest) await unlink(f).catch(() => undefined);
    if (gone) freed += bytes;
    return gone;
  };
  const count = async (items: Entry[]) => {
    let n = 0;
    for (const e of items) if (await remove(e)) n++;
    return n;
  };
  const removed = { layers: await count(p.remove.layers), blobs: await count(p.remove.blobs), refs: await count(p.remove.refs), unreadable: await count(p.unreadable) };
  return { removed, freed, spared };
}
