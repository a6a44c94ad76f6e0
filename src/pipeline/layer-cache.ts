import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { LayerBlob } from '../source/types.js';
import type { EntryKind, FileEntry, LayerContents, Compression } from '../walk/types.js';

/**
 * The layer-analysis cache: what walking one layer found (its LayerContents), stored under
 * `$XDG_CACHE_HOME/msb/layers/` beside the blob cache, so a re-inspect reads no layer bytes, `msb
 * diff` walks only the layers that differ, and a base layer walked once serves every image on it.
 *
 * Trust. An entry is named by the layer's diffID, the stored blob's digest and the stored size
 * together, and is written only by a walk that hashed the layer's bytes and found both digests
 * as claimed (src/walk/layer.ts in verify mode). So an entry is a fact msb established itself:
 * "the blob with this digest and size is the tar with this diffID, and holds these entries".
 * A later image reuses it when it names the same three values; its bytes are then those bytes by
 * content address (registry blobs are checked against their digest when downloaded; a local
 * archive is trusted to hold what its names claim, as for any blob not re-read). `--verify` reads
 * and checks every byte again and never reads the cache; `--no-cache` neither reads nor writes it.
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
 *
 * Format (version 1): a gzip stream (its CRC-32 and length detect corruption and truncation) of a
 * header (magic, version, key), records (one per entry, whiteout and opaque directory) and a
 * trailer with the record count. Written to a temp file and renamed into place; read as a stream
 * and returned only once the trailer has checked out, so memory stays one copy of the layer's
 * entries however many files it has. Anything else (another version, a bad checksum, a short file,
 * a different key) is a miss: the layer is walked again and the entry rewritten.
 */

export const LAYER_CACHE_VERSION = 1;
const MAGIC = 'msb-layer-cache';

/** What a cache entry holds beyond the contents: the walk's count of wanted files over their limit. */
export interface CachedLayer {
  contents: LayerContents;
  /** Files findings wanted that were over their per-file limit (for the report's note). */
  skipped: number;
}

/** The cache key of a layer, or undefined when it has no diffID to name it by. */
export function layerKey(blob: LayerBlob): string | undefined {
  if (!/^sha256:[0-9a-f]{64}$/.test(blob.diffId)) return undefined;
  return `${blob.diffId}|${blob.digest ?? '-'}|${blob.size ?? blob.location?.size ?? '-'}`;
}

const KINDS: EntryKind[] = ['file', 'hardlink', 'symlink', 'dir', 'other'];
const COMPRESSIONS: Compression[] = ['none', 'gzip', 'zstd'];
const R_WHITEOUT = 0xf0;
const R_OPAQUE = 0xf1;
const R_END = 0xff;
const F_LINK = 1;
const F_DIGEST = 2;
const F_CONTENT = 4;

/** Builds records into a buffer (synchronously) and hands it to a sink once it is big enough. */
class Writer {
  private buf = Buffer.allocUnsafe(1 << 17);
  private n = 0;
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + k));
    this.buf.copy(bigger, 0, 0, this.n);
    this.buf = bigger;
  }
  get size(): number {
    return this.n;
  }
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.n));
    this.n = 0;
    return out;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.n++] = v;
  }
  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v >>> 0, this.n);
    this.n += 4;
  }
  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.n);
    this.n += 8;
  }
  bytes(b: Buffer): void {
    this.u32(b.length);
    this.room(b.length);
    b.copy(this.buf, this.n);
    this.n += b.length;
  }
  str(s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    this.u32(len);
    this.room(len);
    this.buf.write(s, this.n, 'utf8');
    this.n += len;
  }
}

/** Reads fields from a stream of chunks; `need(k)` (the only await) buffers k bytes first. */
class Reader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  constructor(private readonly chunks: AsyncIterator<Buffer>) {}
  /** Makes k bytes readable synchronously. */
  async need(k: number): Promise<void> {
    let have = this.buf.length - this.pos;
    if (have >= k) return;
    // Collect, then join once: a big record (a package database) is not copied per chunk.
    const parts: Buffer[] = [this.buf.subarray(this.pos)];
    while (have < k) {
      const next = await this.chunks.next();
      if (next.done) throw new Error('short entry');
      parts.push(next.value);
      have += next.value.length;
    }
    this.buf = Buffer.concat(parts);
    this.pos = 0;
  }
  peekU32(): number {
    return this.buf.readUInt32LE(this.pos);
  }
  u8(): number {
    return this.buf[this.pos++];
  }
  u32(): number {
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  f64(): number {
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  raw(k: number): Buffer {
    const b = Buffer.from(this.buf.subarray(this.pos, this.pos + k));
    this.pos += k;
    return b;
  }
  str(): string {
    const k = this.u32();
    const s = this.buf.toString('utf8', this.pos, this.pos + k);
    this.pos += k;
    return s;
  }
  /** The next length-prefixed record, made readable synchronously; returns its length. */
  async record(): Promise<number> {
    await this.need(4);
    const k = this.u32();
    await this.need(k);
    return k;
  }
  async end(): Promise<boolean> {
    if (this.pos < this.buf.length) return false;
    return (await this.chunks.next()).done === true;
  }
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
    return path.join(this.dir!, `v${LAYER_CACHE_VERSION}`, `${createHash('sha256').update(key).digest('hex')}.bin.gz`);
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
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
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

async function writeEntry(file: string, key: string, { contents: c, skipped }: CachedLayer): Promise<void> {
  const gz = createGzip({ level: 1 });
  const out = createWriteStream(file, { flags: 'wx' });
  const done = pipeline(gz, out);
  const w = new Writer();
  const rec = new Writer();
  const flush = () =>
    new Promise<void>((resolve) => {
      if (gz.write(w.take())) resolve();
      else gz.once('drain', () => resolve());
    });
  // Every record is length-prefixed so the reader can wait once per record, not once per field.
  const emit = () => w.bytes(rec.take());
  rec.str(MAGIC);
  rec.u32(LAYER_CACHE_VERSION);
  rec.str(key);
  rec.u8(COMPRESSIONS.indexOf(c.compression));
  rec.f64(c.tarBytes ?? -1);
  rec.u32(skipped);
  emit();
  let records = 0;
  for (const e of c.entries) {
    const flags = (e.linkname !== undefined ? F_LINK : 0) | (e.digest !== undefined ? F_DIGEST : 0) | (e.content !== undefined ? F_CONTENT : 0);
    rec.u8(KINDS.indexOf(e.kind));
    rec.u8(flags);
    rec.str(e.path);
    rec.f64(e.size);
    rec.u32(e.mode);
    rec.f64(e.uid);
    rec.f64(e.gid);
    rec.f64(e.mtime);
    if (flags & F_LINK) rec.str(e.linkname!);
    if (flags & F_DIGEST) rec.str(e.digest!);
    if (flags & F_CONTENT) rec.bytes(e.content!);
    emit();
    records++;
    if (w.size >= 1 << 16) await flush();
  }
  for (const [t, list] of [[R_WHITEOUT, c.whiteouts], [R_OPAQUE, c.opaqueDirs]] as const) {
    for (const p of list) {
      rec.u8(t);
      rec.str(p);
      emit();
      records++;
    }
  }
  rec.u8(R_END);
  rec.f64(records);
  emit();
  await flush();
  gz.end();
  await done;
}

function gunzipChunks(file: string): { it: AsyncIterator<Buffer>; close(): void } {
  const src = createReadStream(file);
  const gz = createGunzip();
  src.on('error', (e) => gz.destroy(e));
  src.pipe(gz);
  return {
    it: gz[Symbol.asyncIterator]() as AsyncIterator<Buffer>,
    close: () => {
      src.destroy();
      gz.destroy();
    },
  };
}

async function readHeader(r: Reader, key: string | undefined): Promise<{ key: string; compression: Compression; tarBytes: number; skipped: number } | undefined> {
  // A foreign file's first "length" can be anything: refuse a huge one before buffering it.
  await r.need(4);
  if (r.peekU32() > 1 << 16) return undefined;
  await r.record();
  if (r.str() !== MAGIC) return undefined;
  if (r.u32() !== LAYER_CACHE_VERSION) return undefined;
  const k = r.str();
  const compression = COMPRESSIONS[r.u8()];
  const tarBytes = r.f64();
  const skipped = r.u32();
  if (!compression || (key !== undefined && k !== key)) return undefined;
  return { key: k, compression, tarBytes, skipped };
}

async function readKey(file: string): Promise<string | undefined> {
  const g = gunzipChunks(file);
  try {
    return (await readHeader(new Reader(g.it), undefined))?.key;
  } catch {
    return undefined;
  } finally {
    g.close();
  }
}

/** Reads and checks one entry; undefined (or a throw) for anything not exactly right. */
async function readEntry(file: string, key: string): Promise<CachedLayer | undefined> {
  const g = gunzipChunks(file);
  try {
    const r = new Reader(g.it);
    const h = await readHeader(r, key);
    if (!h) return undefined;
    const c: LayerContents = { index: 0, entries: [], whiteouts: [], opaqueDirs: [], compression: h.compression, verified: false };
    if (h.tarBytes >= 0) c.tarBytes = h.tarBytes;
    let records = 0;
    for (;;) {
      await r.record();
      const t = r.u8();
      if (t === R_END) {
        if (r.f64() !== records) return undefined;
        break;
      }
      records++;
      if (t === R_WHITEOUT) c.whiteouts.push(r.str());
      else if (t === R_OPAQUE) c.opaqueDirs.push(r.str());
      else {
        const kind = KINDS[t];
        if (!kind) return undefined;
        const flags = r.u8();
        const e: FileEntry = { path: r.str(), kind, size: r.f64(), mode: r.u32(), uid: r.f64(), gid: r.f64(), mtime: r.f64() };
        if (flags & F_LINK) e.linkname = r.str();
        if (flags & F_DIGEST) e.digest = r.str();
        if (flags & F_CONTENT) e.content = r.raw(r.u32());
        c.entries.push(e);
      }
    }
    // Reading to the end lets gunzip check the CRC-32 and length of everything above.
    if (!(await r.end())) return undefined;
    return { contents: c, skipped: h.skipped };
  } finally {
    g.close();
  }
}
