import type { BlobItem, Inventory, Item, Part, RefItem } from './cache-inventory.js';

/**
 * The pure half of `msb cache`: the JSON shapes of ls and du, and what prune removes. Removing any
 * entry is safe (msb downloads a blob or walks a layer again when next needed), so prune only has
 * to choose: everything unreadable; entries unused for longer than --older-than; then the least
 * recently used, across layers, blobs and tag records, until the rest fit in --max-size; and last
 * the tag records whose manifest is then no longer cached (they could not serve an offline inspect).
 */

export const reference = (r: RefItem): string => `${r.registry}/${r.repository}:${r.tag}`;

/** A tag record can serve offline only while the manifest (and index) it names are cached. */
export function manifestCached(r: RefItem, blobs: ReadonlySet<string>): boolean {
  return blobs.has(r.digest) && blobs.has(r.manifestDigest);
}

const iso = (t: number) => new Date(t).toISOString();
const sum = (xs: readonly Item[]) => xs.reduce((s, x) => s + x.bytes, 0);

/** `msb cache ls --json` (docs/sources.md, "The cache"). */
export function lsJson(inv: Inventory) {
  const blobs = new Set(inv.blobs.map((b) => b.digest));
  return {
    dir: inv.dir,
    refs: inv.refs.map((r) => ({
      reference: reference(r),
      registry: r.registry,
      repository: r.repository,
      tag: r.tag,
      platform: r.platform,
      digest: r.digest,
      manifestDigest: r.manifestDigest,
      fetchedAt: r.fetchedAt,
      usedAt: iso(r.usedAt),
      manifestCached: manifestCached(r, blobs),
    })),
    layers: inv.layers.map((l) => ({ key: l.key, bytes: l.bytes, usedAt: iso(l.usedAt) })),
    blobs: { count: inv.blobs.length, bytes: sum(inv.blobs) },
    unreadable: inv.unreadable.map((u) => ({ part: u.part, file: u.files[0], bytes: u.bytes, why: u.why })),
  };
}

export interface Totals {
  dir: string;
  layers: { count: number; bytes: number };
  blobs: { count: number; bytes: number };
  refs: { count: number; bytes: number };
  unreadable: { count: number; bytes: number };
  /** All of the above. */
  bytes: number;
}

/** `msb cache du --json`. */
export function totals(inv: Inventory): Totals {
  const t = (xs: readonly Item[]) => ({ count: xs.length, bytes: sum(xs) });
  const parts = { layers: t(inv.layers), blobs: t(inv.blobs), refs: t(inv.refs), unreadable: t(inv.unreadable) };
  return { dir: inv.dir, ...parts, bytes: Object.values(parts).reduce((s, p) => s + p.bytes, 0) };
}

export interface PrunePlan {
  /** Entries to remove, by part (unreadable files separately). */
  remove: Record<Part, Item[]>;
  unreadable: Item[];
  /** Tag records removed because a manifest they name is no longer cached (a subset of remove.refs). */
  orphaned: RefItem[];
  /** Bytes that stay. */
  keptBytes: number;
}

/**
 * What to remove: `cutoff` is the oldest last use kept (ms since the epoch, -Infinity for no age
 * limit), `max` the bytes that may stay (Infinity for no size limit).
 */
export function planPrune(inv: Inventory, cutoff: number, max: number): PrunePlan {
  const plan: PrunePlan = { remove: { layers: [], blobs: [], refs: [] }, unreadable: [...inv.unreadable], orphaned: [], keptBytes: 0 };
  // Most recently used first (a stable sort: ties stay in the order layers, blobs, refs).
  const all: Item[] = [...inv.layers, ...inv.blobs, ...inv.refs].sort((a, b) => b.usedAt - a.usedAt);
  const kept: Item[] = [];
  // Least recently used go first: once one entry does not fit, no older one is kept either.
  let full = false;
  for (const e of all) {
    full ||= plan.keptBytes + e.bytes > max;
    if (e.usedAt >= cutoff && !full) {
      kept.push(e);
      plan.keptBytes += e.bytes;
    } else plan.remove[e.part].push(e);
  }
  const blobs = new Set(kept.filter((e): e is BlobItem => e.part === 'blobs').map((b) => b.digest));
  for (const e of kept) {
    if (e.part !== 'refs' || manifestCached(e as RefItem, blobs)) continue;
    plan.orphaned.push(e as RefItem);
    plan.remove.refs.push(e);
    plan.keptBytes -= e.bytes;
  }
  return plan;
}
