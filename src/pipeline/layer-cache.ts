import { mkdir, readdir, rename, stat, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { nodeCrypto } from '../lazy-node.js';
import type { LayerBlob } from '../source/types.js';
import { readEntry, readKey, writeEntry } from './layer-cache-format.js';

/**
 * The layer-analysis cache: what walking one layer found (its LayerContents), stored under
 * `$XDG_CACHE_HOME/msb/layers/` beside the blob cache, so a re-inspect reads no layer bytes, `msb
 * diff` walks only the layers that differ, and a base layer walked once serves every image on it.
 *
 * Trust. An entry is named by the layer's diffID, the stored blob's digest and the stored size
 * together, and is written only by a walk whose bytes were checked against the digest that binds
 * them to those names (src/walk/layer.ts, `bind`): the blob digest, hashed over the stored bytes as
 * the walk reads them, or checked by the source as it downloaded (registry blobs); for a blob with
 * no sha256 digest, the diffID. So an entry is a fact msb established itself: "the blob with this
 * digest and size holds these entries"; a hostile archive cannot file its contents under another
 * blob's digest. The diffID in the key stays what the image claims, as it is for a walk without
 * the cache (hashing it too would cost a second pass over every uncompressed byte); `--verify`
 * checks it, and reads every layer instead of the cache.
 * A later image reuses an entry when it names the same three values; its bytes are then those bytes by
 * content address (registry blobs are checked against their digest when downloaded; a local
 * archive is trusted to hold what its names claim, as for any blob not re-read). `--no-cache`
 * neither reads nor writes the cache.
 * Uncompressed layers in a local file are not cached: they are walked by seeking from header to
 * header, which reads less than the cache entry would.
 *
 * Content digests. A cached layer comes from a streamed walk, which hashes every regular file on
 * the way; the entry keeps those digests, so the pipeline's later same-size comparisons (merge,
 * diff) never need to read a cached layer's bytes. Offsets into the layer's file are not stored.
 *
 * Findings' captured contents. The capture budget is per image, so a walk for the cache keeps the
 * content of every file findings want (each still within its per-file limit) and counts the ones
 * over it; the pipeline then applies the image's budget to walked and cached layers alike, in layer
 * order (see applyCapture in pipeline/walk.ts), so the result is the same with or without the cache.
 * What a walk keeps of the entrypoint's own files (EntryHints: their ELF headers, the paths a static
 * program names) depends on the image: an entry walked for an image that runs something else, which
 * lacks them for this one's, is walked again (missesEntrypoint in pipeline/walk.ts) and stored back
 * with both walks' captures (withCaptures), so images that alternate on a layer walk it once.
 *
 * Format (version 2; version 1 had no list of the paths a static entrypoint names, and came from a
 * walk that kept no native extension's header, so its entries lack what findings now read): a gzip stream (its CRC-32 and length detect
 * corruption and truncation) of a header (magic, version, key), records (one per entry, whiteout and opaque directory) and a
 * trailer with the record count. Written to a temp file and renamed into place; read as a stream
 * and returned only once the trailer has checked out, so memory stays one copy of the layer's
 * entries however many files it has. Anything else (another version, a bad checksum, a short file,
 * a different key) is a miss: the layer is walked again and the entry rewritten.
 */

import { LAYER_CACHE_VERSION, type CachedLayer } from './layer-cache-format.js';

export { LAYER_CACHE_VERSION, type CachedLayer };


/** The cache key of a layer, or undefined when it has no diffID to name it by. */
export function layerKey(blob: LayerBlob): string | undefined {
  if (!/^sha256:[0-9a-f]{64}$/.test(blob.diffId)) return undefined;
  return `${blob.diffId}|${blob.digest ?? '-'}|${blob.size ?? blob.location?.size ?? '-'}`;
}

export interface CacheListing {
  file: string;
  key: string;
  bytes: number;
  /** Last use (read or write), ms since the epoch. */
  usedAt: number;
}

/**
 * A layer cache: on disk under `dir` (or memory only when `dir` is undefined), plus a map of what
 * this run has already read or walked, so one run (msb diff, msb scan) reads each layer once.
 */
export class LayerCache {
  private readonly memo = new Map<string, Promise<CachedLayer | undefined>>();
  /** Layers answered from the cache this run, and layers walked and stored. */
  hits = 0;
  stores = 0;
  constructor(readonly dir?: string) {}

  private fileOf(key: string): string {
    return path.join(this.dir!, `v${LAYER_CACHE_VERSION}`, `${nodeCrypto().createHash('sha256').update(key).digest('hex')}.bin.gz`);
  }

  /**
   * This layer's contents: from this run's map, else (when `read`) from disk, else from `walk`,
   * whose result is kept when it returns one (a walk that could not establish the key returns
   * undefined and the caller walks the layer the ordinary way). Concurrent calls for one key share
   * one read or walk. `hit` says no layer byte was read.
   */
  async through(key: string, read: boolean, walk: () => Promise<CachedLayer | undefined>): Promise<{ layer: CachedLayer; hit: boolean } | undefined> {
    const known = read ? this.memo.get(key) : undefined;
    if (known) {
      const c = await known;
      if (c) {
        this.hits++;
        return { layer: c, hit: true };
      }
    }
    const run = (async () => {
      if (read && this.dir) {
        const file = this.fileOf(key);
        const c = await readEntry(file, key).catch(() => undefined);
        if (c) {
          this.hits++;
          // Last use, for `msb cache prune --older-than`.
          const now = new Date();
          await utimes(file, now, now).catch(() => undefined);
          return { layer: c, hit: true };
        }
      }
      const w = await walk();
      if (!w) return undefined;
      await this.put(key, w);
      return { layer: w, hit: false };
    })();
    const settled = run.then((x) => x?.layer, () => undefined);
    this.memo.set(key, settled);
    settled.then(() => this.settled.add(key), () => undefined);
    return run;
  }

  /** Stores a newer walk of a layer over its entry (this run's map and disk); returns it. */
  async replace(key: string, layer: CachedLayer): Promise<CachedLayer> {
    this.memo.set(key, Promise.resolve(layer));
    this.settled.add(key);
    await this.put(key, layer);
    return layer;
  }

  private readonly settled = new Set<string>();

  /**
   * Drops finished layers from this run's map (walks still in flight stay shared). With a
   * directory they are read back from disk when needed again: memory stays that of the images in
   * flight, however many a run reads (msb scan).
   */
  forgetSettled(): void {
    for (const k of this.settled) this.memo.delete(k);
    this.settled.clear();
  }

  /** Keeps a walk: in this run's map, and on disk (a failure to write is not an error of the run). */
  private async put(key: string, layer: CachedLayer): Promise<void> {
    this.stores++;
    if (!this.dir) return;
    const file = this.fileOf(key);
    const tmp = `${file}.${nodeCrypto().randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeEntry(tmp, key, layer);
      await rename(tmp, file);
    } catch {
      await unlink(tmp).catch(() => undefined);
    }
  }

  /** Every entry of the current version (foreign versions and temp files too, for prune). */
  async list(): Promise<CacheListing[]> {
    if (!this.dir) return [];
    const out: CacheListing[] = [];
    let versions: string[];
    try {
      versions = await readdir(this.dir);
    } catch {
      return out;
    }
    for (const v of versions) {
      let names: string[];
      try {
        names = await readdir(path.join(this.dir, v));
      } catch {
        continue;
      }
      for (const n of names) {
        const file = path.join(this.dir, v, n);
        try {
          const st = await stat(file);
          if (!st.isFile()) continue;
          const key = v === `v${LAYER_CACHE_VERSION}` && n.endsWith('.bin.gz') ? await readKey(file) : undefined;
          out.push({ file, key: key ?? '?', bytes: st.size, usedAt: st.mtimeMs });
        } catch {
          continue;
        }
      }
    }
    return out.sort((a, b) => b.usedAt - a.usedAt);
  }
}

