import { createReadStream, createWriteStream, type Stats, type WriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Transform, TransformCallback } from 'node:stream';
import { MsbError } from '../../errors.js';
import { nodeCrypto } from '../../lazy-node.js';
import type { BlobLocation } from '../types.js';
import { sha256Hex, VerifyingStream } from './verify.js';

/**
 * msb's content-addressed blob cache (registry layers, configs, manifests by digest). A blob is
 * written to a temp file inside the cache and renamed into place only after its digest verifies, so
 * the cache never holds a partial or corrupt blob, and a blob shared by two images is fetched once.
 */

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'msb');
}

/** A VerifyingStream that also writes the bytes to a temp file and renames it into the cache. */
class CachingStream extends VerifyingStream {
  private readonly file: WriteStream;
  private readonly fileDone: Promise<void>;
  constructor(
    what: string,
    digest: string,
    size: number | undefined,
    private readonly tmp: string,
    private readonly dest: string,
    onBytes?: (n: number) => void,
    private readonly onCommit?: () => Promise<void>,
  ) {
    super(what, digest, size, onBytes);
    this.file = createWriteStream(tmp, { flags: 'wx' });
    this.fileDone = new Promise((resolve, reject) => {
      this.file.on('finish', () => resolve());
      this.file.on('error', reject);
    });
    this.fileDone.catch(() => undefined);
  }
  override _transform(chunk: Buffer, e: BufferEncoding, cb: TransformCallback): void {
    const ok = this.file.write(chunk);
    const pass = () => super._transform(chunk, e, cb);
    if (ok) pass();
    else this.file.once('drain', pass);
  }
  override _flush(cb: TransformCallback): void {
    this.file.end();
    this.fileDone
      .then(async () => {
        this.check();
        await rename(this.tmp, this.dest);
        this.committed = true;
        await this.onCommit?.();
      })
      .then(
        () => {
          this.release();
          cb();
        },
        (err) => {
          unlink(this.tmp).catch(() => undefined);
          cb(err as Error);
        },
      );
  }
  private committed = false;
  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    if (!this.file.closed) this.file.destroy();
    // Destroyed before the rename (an error, or the image closed mid-download): drop the temp file.
    if (this.committed) cb(err);
    else unlink(this.tmp).then(() => cb(err), () => cb(err));
  }
}

export class BlobCache {
  constructor(readonly dir: string) {}

  pathOf(digest: string): string {
    return path.join(this.dir, 'blobs', 'sha256', sha256Hex(digest, 'cache'));
  }

  /**
   * The marker recording that the blob file, as it is now, was hashed and matched its name. Its
   * mtime is the blob's last use (`msb cache prune`): the blob's own times cannot be touched
   * without changing its ctime, which would invalidate the marker.
   */
  markerOf(digest: string): string {
    return path.join(this.dir, 'verified', sha256Hex(digest, 'cache'));
  }

  /** What a marker holds: the file's identity and every time the kernel keeps for it. */
  private static stamp(st: Stats): string {
    return `${st.size} ${st.mtimeMs} ${st.ctimeMs} ${st.ino} ${st.dev}\n`;
  }

  /** Where a cached blob is, or undefined when it is not cached (or its size is not the expected one). */
  async lookup(digest: string, size?: number): Promise<BlobLocation | undefined> {
    const file = this.pathOf(digest);
    try {
      const st = await stat(file);
      if (!st.isFile() || (size !== undefined && size >= 0 && st.size !== size)) return undefined;
      // Last use, for `msb cache prune` (no marker yet: the blob's write time stands for it).
      const now = new Date();
      await utimes(this.markerOf(digest), now, now).catch(() => undefined);
      return { file, offset: 0, size: st.size };
    } catch {
      return undefined;
    }
  }

  /**
   * A cached blob whose bytes are known to match its digest, or undefined (not cached, or found
   * corrupt and evicted, so the caller fetches it again). A file verified once is not hashed again
   * while its size, mtime, ctime and inode are those recorded in its marker: any rewrite or swap
   * of the file changes its ctime, which no user-space call can set back.
   */
  async lookupVerified(digest: string, size?: number): Promise<BlobLocation | undefined> {
    const loc = await this.lookup(digest, size);
    if (!loc) return undefined;
    const st = await stat(loc.file).catch(() => undefined);
    const marker = await readFile(this.markerOf(digest), 'utf8').catch(() => '');
    if (st && marker === BlobCache.stamp(st)) return loc;
    const hash = nodeCrypto().createHash('sha256');
    try {
      for await (const c of createReadStream(loc.file, { highWaterMark: 1 << 20 })) hash.update(c as Buffer);
    } catch {
      return undefined;
    }
    if (`sha256:${hash.digest('hex')}` !== digest) {
      await this.evict(digest);
      return undefined;
    }
    await this.mark(digest);
    return loc;
  }

  /** Drops a blob found corrupt (and its marker). */
  async evict(digest: string): Promise<void> {
    await unlink(this.pathOf(digest)).catch(() => undefined);
    await unlink(this.markerOf(digest)).catch(() => undefined);
  }

  /** Records that the blob file as it is now was verified. */
  private async mark(digest: string): Promise<void> {
    try {
      const st = await stat(this.pathOf(digest));
      await mkdir(path.join(this.dir, 'verified'), { recursive: true });
      await writeFile(this.markerOf(digest), BlobCache.stamp(st));
    } catch {
      /* no marker: the blob is hashed again next time */
    }
  }

  /**
   * A pass-through stream that stores what flows through it under `digest` once verified.
   * The stream errors (and stores nothing) if the digest or size does not match.
   */
  async writer(what: string, digest: string, size: number | undefined, onBytes?: (n: number) => void): Promise<Transform> {
    const dest = this.pathOf(digest);
    const tmpDir = path.join(this.dir, 'tmp');
    try {
      await mkdir(path.dirname(dest), { recursive: true });
      await mkdir(tmpDir, { recursive: true });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new MsbError(`cannot create the cache directory ${this.dir}: ${err.code ?? err.message} (use --cache-dir DIR or --no-cache)`);
    }
    await this.pruneTmp(tmpDir);
    const tmp = path.join(tmpDir, `${sha256Hex(digest, what).slice(0, 16)}-${nodeCrypto().randomBytes(6).toString('hex')}.partial`);
    return new CachingStream(what, digest, size, tmp, dest, onBytes, () => this.mark(digest));
  }

  private pruned = false;
  /** Temp files a killed msb left behind (a day old: no live download is that slow to move). */
  private async pruneTmp(tmpDir: string): Promise<void> {
    if (this.pruned) return;
    this.pruned = true;
    const dayAgo = Date.now() - 24 * 3600 * 1000;
    for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
      if (!name.endsWith('.partial')) continue;
      const f = path.join(tmpDir, name);
      const st = await stat(f).catch(() => undefined);
      if (st && st.mtimeMs < dayAgo) await unlink(f).catch(() => undefined);
    }
  }

  /** Stores a small blob already in memory (after checking it). */
  async put(what: string, digest: string, data: Buffer): Promise<void> {
    const w = await this.writer(what, digest, data.length);
    await new Promise<void>((resolve, reject) => {
      w.on('error', reject);
      w.on('finish', () => resolve());
      w.resume();
      w.end(data);
    });
  }
}
