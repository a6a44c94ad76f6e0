import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { MsbError } from '../errors.js';
import { defaultCacheDir } from '../source/cache/blob-cache.js';
import type { Io } from './io.js';

/**
 * `msb cache ls|du|prune`: the layer-analysis cache (`<cache dir>/layers`, pipeline/layer-cache.ts).
 * ls lists entries (most recently used first), du sums them, prune removes entries unused for
 * longer than --older-than and then the least recently used until the rest fit in --max-size.
 * Removing any entry is always safe: the layer is walked again when next needed.
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

export async function cacheCommand(action: string, flags: CacheFlags, io: Io): Promise<number> {
  const { LayerCache } = await import('../pipeline/layer-cache.js');
  const { bytes: formatBytes } = await import('../report/format.js');
  const dir = path.join(flags.cacheDir ?? defaultCacheDir(io.env), 'layers');
  const cache = new LayerCache(dir);
  const list = await cache.list();
  const total = list.reduce((s, e) => s + e.bytes, 0);
  const age = (t: number) => `${Math.max(0, Math.round((Date.now() - t) / DAY))}d`;
  if (action === 'ls') {
    if (flags.json) io.stdout.write(`${JSON.stringify({ dir, entries: list.map((e) => ({ key: e.key, bytes: e.bytes, usedAt: new Date(e.usedAt).toISOString() })) }, null, 2)}\n`);
    else {
      for (const e of list) io.stdout.write(`${formatBytes(e.bytes).padStart(10)}  ${age(e.usedAt).padStart(5)}  ${e.key.split('|')[0]}\n`);
      io.stdout.write(`${list.length} layer(s), ${formatBytes(total)} in ${dir}\n`);
    }
    return 0;
  }
  if (action === 'du') {
    io.stdout.write(flags.json ? `${JSON.stringify({ dir, entries: list.length, bytes: total })}\n` : `${formatBytes(total)}\t${list.length} layer(s)\t${dir}\n`);
    return 0;
  }
  if (action === 'prune') {
    if (flags.olderThan === undefined && flags.maxSize === undefined) throw new MsbError('msb cache prune needs --older-than AGE and/or --max-size SIZE');
    const { parseSize } = await import('../report/gate.js');
    const cutoff = flags.olderThan !== undefined ? Date.now() - parseAge(flags.olderThan) : -Infinity;
    const max = flags.maxSize !== undefined ? parseSize(flags.maxSize, '--max-size') : Infinity;
    let kept = 0;
    let removed = 0;
    let freed = 0;
    // Most recently used first: keep while young enough and within the size.
    for (const e of list) {
      if (e.usedAt >= cutoff && kept + e.bytes <= max && e.key !== '?') {
        kept += e.bytes;
        continue;
      }
      try {
        await unlink(e.file);
        removed++;
        freed += e.bytes;
      } catch {
        // already gone (another msb pruned it)
      }
    }
    io.stdout.write(`removed ${removed} layer(s), ${formatBytes(freed)}; ${formatBytes(kept)} kept in ${dir}\n`);
    return 0;
  }
  throw new MsbError(`unknown cache action "${action}": expected ls, du or prune`);
}
