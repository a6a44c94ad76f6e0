import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { nodeZlib } from '../lazy-node.js';
import { MAX_RUNS } from '../walk/path-strings.js';
import type { EntryKind, FileEntry, LayerContents, Compression } from '../walk/types.js';

/** The layer cache's on-disk format (version 2, described in layer-cache.ts): writing and checked reading of one entry. */

export const LAYER_CACHE_VERSION = 2;
const MAGIC = 'msb-layer-cache';

/** What a cache entry holds beyond the contents: the walk's count of wanted files over their limit. */
export interface CachedLayer {
  contents: LayerContents;
  /** Files findings wanted that were over their per-file limit (for the report's note). */
  skipped: number;
}

const KINDS: EntryKind[] = ['file', 'hardlink', 'symlink', 'dir', 'other'];
const COMPRESSIONS: Compression[] = ['none', 'gzip', 'zstd'];
const R_WHITEOUT = 0xf0;
const R_OPAQUE = 0xf1;
const R_END = 0xff;
const F_LINK = 1;
const F_DIGEST = 2;
const F_CONTENT = 4;
/** The paths a scanned file names (FileEntry.named): a count, then each string. */
const F_NAMED = 8;

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

export async function writeEntry(file: string, key: string, { contents: c, skipped }: CachedLayer): Promise<void> {
  const gz = nodeZlib().createGzip({ level: 1 });
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
    const flags = (e.linkname !== undefined ? F_LINK : 0) | (e.digest !== undefined ? F_DIGEST : 0) | (e.content !== undefined ? F_CONTENT : 0) | (e.named !== undefined ? F_NAMED : 0);
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
    if (flags & F_NAMED) {
      rec.u32(e.named!.length);
      for (const n of e.named!) rec.str(n);
    }
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

export function gunzipChunks(file: string): { it: AsyncIterator<Buffer>; close(): void } {
  const src = createReadStream(file);
  const gz = nodeZlib().createGunzip();
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

export async function readHeader(r: Reader, key: string | undefined): Promise<{ key: string; compression: Compression; tarBytes: number; skipped: number } | undefined> {
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

export async function readKey(file: string): Promise<string | undefined> {
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
export async function readEntry(file: string, key: string): Promise<CachedLayer | undefined> {
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
        if (flags & F_NAMED) {
          const n = r.u32();
          if (n > MAX_RUNS) return undefined;
          e.named = Array.from({ length: n }, () => r.str());
        }
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
