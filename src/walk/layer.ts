import type { Hash } from 'node:crypto';
import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { contextError, MsbError } from '../errors.js';
import { nodeCrypto } from '../lazy-node.js';
import type { LayerBlob } from '../source/types.js';
import { scanTar } from '../tar/seek.js';
import { TarParser } from '../tar/stream.js';
import type { TarEntryType } from '../tar/header.js';
import { decompressor, sniffCompression } from './decompress.js';
import { LayerBuilder } from './entry.js';
import { PathStrings } from './path-strings.js';
import type { OpenFiles } from './files.js';
import type { ContentCapture, EntryKind, FileEntry, LayerContents } from './types.js';

/**
 * Reads one layer, once, streaming. An uncompressed layer in a local file is walked by seeking from
 * header to header (file data is skipped); anything else is decompressed and parsed as a stream, with
 * regular files hashed on the way (the data passes by anyway, and a later layer may need to know
 * whether a rewrite changed content).
 */

export interface WalkOptions {
  /** Read every byte and check the blob digest and diff_id. */
  verify?: boolean;
  /**
   * For the layer cache: check the one digest that ties what the walk finds to the names the cache
   * keys it by. That is the blob digest, hashed over the stored (compressed) bytes, unless the
   * source already checked it as it downloaded; without a sha256 blob digest, the diff_id. Either
   * alone binds the entry to the bytes, and hashing one stream instead of two saves a pass over the
   * layer (the diff_id stays a claim, as it is for a walk without the cache; --verify checks both).
   */
  bind?: boolean;
  /** Called with the count of stored (possibly compressed) bytes read so far. */
  onProgress?: (bytesRead: number) => void;
  signal?: AbortSignal;
  /** Keep the content of the few files this asks for (FileEntry.content). */
  capture?: ContentCapture;
  /** Descriptors shared across the layers of one image (else the file is opened for this layer). */
  files?: OpenFiles;
}

/** Entry kinds msb tells apart; both readers map tar types through this one table. */
const KIND: Partial<Record<TarEntryType, EntryKind>> = {
  file: 'file',
  // Old GNU sparse: a regular file; the bytes stored in the layer are what ships.
  'gnu-sparse': 'file',
  hardlink: 'hardlink',
  symlink: 'symlink',
  dir: 'dir',
};

/**
 * Reads the kept bytes of the wanted entries (in tar order). Entries close to each other (small
 * files sit next to their headers) are read with one positioned read of up to 1 MiB, so thousands
 * of small captures cost a few reads, not thousands.
 */
async function readWanted(fh: FileHandle, wanted: Array<[FileEntry, number]>): Promise<void> {
  const GAP = 64 * 1024;
  const RUN = 1024 * 1024;
  for (let i = 0; i < wanted.length; ) {
    const start = wanted[i][0].dataOffset!;
    let end = start + wanted[i][1];
    let j = i + 1;
    while (j < wanted.length) {
      const off = wanted[j][0].dataOffset!;
      const e2 = off + wanted[j][1];
      if (off < end || off - end > GAP || e2 - start > RUN) break;
      end = e2;
      j++;
    }
    const buf = Buffer.alloc(end - start);
    const { bytesRead } = await fh.read(buf, 0, buf.length, start);
    for (let k = i; k < j; k++) {
      const [e, n] = wanted[k];
      const at = e.dataOffset! - start;
      if (at + n > bytesRead) throw new MsbError(`truncated data for ${e.path}`);
      // One run holds only the captures' bytes: a single wanted file keeps the whole buffer.
      e.content = j - i === 1 ? buf : Buffer.from(buf.subarray(at, at + n));
    }
    i = j;
  }
}

/** The paths a file of a seekable layer names, read in 1 MiB steps (path-strings.ts). */
async function namedPaths(fh: FileHandle, e: FileEntry): Promise<string[]> {
  const p = new PathStrings();
  const buf = Buffer.allocUnsafe(Math.min(1 << 20, e.size));
  for (let at = 0; at < e.size; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, e.size - at), e.dataOffset! + at);
    if (bytesRead === 0) throw new MsbError(`truncated data for ${e.path}`);
    p.feed(buf.subarray(0, bytesRead));
    at += bytesRead;
  }
  return p.end();
}

/** A capture's answer → bytes to keep of a file of `size` bytes (0: none). */
function keepBytes(answer: boolean | number | undefined, size: number): number {
  if (answer === true) return size;
  if (typeof answer === 'number' && answer > 0) return Math.min(Math.floor(answer), size);
  return 0;
}

export async function walkLayer(blob: LayerBlob, opts: WalkOptions = {}): Promise<LayerContents> {
  try {
    if (blob.location && !opts.verify && !opts.bind) {
      const loc = blob.location;
      const fh = opts.files ? await opts.files.get(loc.file) : await open(loc.file, 'r');
      try {
        const head = Buffer.alloc(Math.min(512, loc.size));
        // Synchronous, like the header reads that follow: one page-cache read, no thread-pool trip.
        readSync(fh.fd, head, 0, head.length, loc.offset);
        if (loc.size === 0) throw new MsbError('layer blob is empty (0 bytes)');
        if (sniffCompression(head) === 'none') {
          const b = new LayerBuilder(blob.index, 'none');
          const wanted: Array<[FileEntry, number]> = [];
          await scanTar(fh, loc.offset, loc.size, ({ header: h, dataOffset }) => {
            const e = b.add(h.name, KIND[h.type] ?? 'other', h.size, h.mode, h.uid, h.gid, h.mtime, h.linkname);
            if (e) {
              e.dataOffset = dataOffset;
              const n = keepBytes(opts.capture?.want(e.path, e.size, e.mode), e.size);
              if (n > 0) wanted.push([e, n]);
            }
          });
          await readWanted(fh, wanted);
          for (const [e, n] of wanted) if (n < e.size && opts.capture?.scan?.(e.path, e.content!, e.size)) e.named = await namedPaths(fh, e);
          opts.onProgress?.(loc.size);
          b.contents.tarBytes = loc.size;
          b.contents.verified = !!blob.sourceVerified;
          return b.contents;
        }
      } finally {
        if (!opts.files) await fh.close();
      }
    }
    return await streamLayer(blob, opts);
  } catch (e) {
    throw contextError(blob.name, e);
  }
}

/** Resolves with the first chunk of a paused stream and puts it back. */
function peek(stream: Readable): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const done = () => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const onReadable = () => {
      done();
      const chunk = stream.read() as Buffer | null;
      if (chunk) stream.unshift(chunk);
      resolve(chunk);
    };
    const onEnd = () => {
      done();
      resolve(null);
    };
    const onError = (e: Error) => {
      done();
      reject(e);
    };
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

/** Counts and optionally hashes bytes passing through. */
class Meter extends Transform {
  bytes = 0;
  constructor(
    private readonly hash?: Hash,
    private readonly onBytes?: (n: number) => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash?.update(chunk);
    this.onBytes?.(this.bytes);
    cb(null, chunk);
  }
}

function checkDigest(what: string, expected: string | undefined, hash: Hash): void {
  if (!expected) return;
  const [algo, hex] = expected.split(':');
  if (algo !== 'sha256') return; // only sha256 is in use; others are left unchecked
  const got = hash.digest('hex');
  if (got !== hex) throw new MsbError(`${what} mismatch: expected ${expected}, got sha256:${got}`);
}

async function streamLayer(blob: LayerBlob, opts: WalkOptions): Promise<LayerContents> {
  const raw = await blob.open();
  const head = await peek(raw);
  if (!head) throw new MsbError('layer blob is empty (0 bytes)');
  const compression = sniffCompression(head);
  const b = new LayerBuilder(blob.index, compression);
  // --verify checks both digests; bind, the blob's when it has one, else the diff_id (none when the source checked the blob).
  const byBlob = compression !== 'none' && !!blob.digest?.startsWith('sha256:');
  const bind = !!opts.bind && !blob.sourceVerified;
  const blobHash = byBlob && (opts.verify || bind) ? nodeCrypto().createHash('sha256') : undefined;
  const diffHash = opts.verify || (bind && !byBlob) ? nodeCrypto().createHash('sha256') : undefined;
  const rawMeter = new Meter(blobHash, opts.onProgress);
  const tarMeter = new Meter(diffHash);
  // The same tar reading as the seek path (src/tar/stream.ts); regular files are hashed as they pass.
  const parser = new TarParser((h) => {
    const e = b.add(h.name, KIND[h.type] ?? 'other', h.size, h.mode, h.uid, h.gid, h.mtime, h.linkname);
    if (!e || e.size === 0) return undefined;
    const hash = nodeCrypto().createHash('sha256');
    let room = keepBytes(opts.capture?.want(e.path, e.size, e.mode), e.size);
    const keep: Buffer[] | undefined = room > 0 ? [] : undefined;
    // A prefix of a longer file: once kept, the capture may ask for the paths the rest names.
    let ask = room > 0 && room < e.size && opts.capture?.scan !== undefined;
    let named: PathStrings | undefined;
    return {
      write: (c) => {
        hash.update(c);
        let rest = c;
        if (keep && room > 0) {
          const take = c.length <= room ? c : c.subarray(0, room);
          keep.push(take);
          room -= take.length;
          rest = c.subarray(take.length);
          if (room === 0 && ask) {
            ask = false;
            const prefix = Buffer.concat(keep);
            keep.length = 0;
            keep.push(prefix);
            if (opts.capture!.scan!(e.path, prefix, e.size)) (named = new PathStrings()).feed(prefix);
          }
        }
        if (named && rest.length) named.feed(rest);
      },
      end: () => {
        e.digest = hash.digest('hex');
        // Always a copy: one chunk's subarray would keep the whole chunk alive.
        if (keep) e.content = Buffer.concat(keep);
        if (named) e.named = named.end();
      },
    };
  });
  const decomp = decompressor(compression);
  const stages: NodeJS.ReadWriteStream[] = [rawMeter];
  if (decomp) stages.push(decomp);
  stages.push(tarMeter);
  // pipeline() reports the teardown (often an AbortError) rather than the cause: keep the first error.
  let cause: Error | undefined;
  for (const st of [raw, ...stages, parser] as NodeJS.EventEmitter[]) st.on('error', (e: Error) => (cause ??= e));
  try {
    const run = pipeline as unknown as (...args: unknown[]) => Promise<void>;
    await run(raw, ...stages, parser, { signal: opts.signal });
  } catch (err) {
    const e = cause ?? err;
    if (e instanceof MsbError) throw e;
    const msg = (e as Error).message ?? String(e);
    if (compression === 'gzip' && /incorrect header|incorrect (?:data|length) check|invalid|unexpected end|too far back|distance/i.test(msg)) {
      throw new MsbError(`corrupt or truncated gzip data (${msg})`);
    }
    throw e;
  }
  b.contents.tarBytes = tarMeter.bytes;
  // Even an empty layer is a tar with end-of-archive blocks; nothing at all means broken input.
  if (tarMeter.bytes === 0) throw new MsbError(`the ${compression === 'none' ? '' : `${compression} `}layer holds no tar data`);
  if (blobHash) checkDigest('blob digest', blob.digest, blobHash);
  if (diffHash) checkDigest('diff_id', blob.diffId, diffHash);
  if (opts.verify || blob.sourceVerified) b.contents.verified = true;
  return b.contents;
}

