import { Duplex, PassThrough, Transform, Writable, type TransformCallback } from 'node:stream';
import { Decompress } from 'fzstd';
import { MsbError } from '../errors.js';
import { nodeChildProcess, nodeZlib } from '../lazy-node.js';
import { sniffCompression as sniffBytes } from '../source/compression.js';
import type { Compression } from './types.js';

/**
 * A layer's compression, from the shared sniff (source/compression.ts). Anything that is neither
 * gzip nor zstd is read as a plain tar, so the tar parser names what is wrong with it.
 */
export function sniffCompression(head: Buffer): Compression {
  const c = sniffBytes(head);
  if (c === 'bzip2' || c === 'xz') throw new MsbError(`${c} layers are not supported`);
  return c ?? 'none';
}

/** zstd through fzstd (pure JS: always installs; Node 20's zlib has no zstd). */
class ZstdDecompress extends Transform {
  private readonly z: Decompress;
  private out: Uint8Array[] = [];
  constructor() {
    super({ readableHighWaterMark: 1 << 20 });
    this.z = new Decompress((chunk) => {
      this.out.push(chunk);
    });
  }
  private flushOut(): void {
    for (const c of this.out) this.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    this.out = [];
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.z.push(chunk, false);
      this.flushOut();
      cb();
    } catch (e) {
      cb(new Error(`corrupt zstd data (${(e as Error).message})`));
    }
  }
  override _flush(cb: TransformCallback): void {
    try {
      this.z.push(new Uint8Array(0), true);
      this.flushOut();
      cb();
    } catch (e) {
      cb(new Error(`corrupt or truncated zstd data (${(e as Error).message})`));
    }
  }
}

/**
 * zstd through the `zstd` program, streaming over pipes (nothing touches the disk): about 5x faster
 * than fzstd on real layers (1.3 GB of /usr: 1.0 s vs 5.7 s here).
 */
function zstdProcess(): Duplex {
  const child = nodeChildProcess().spawn('zstd', ['-dcq'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d.slice(0, 500)));
  // The output ends only once zstd's exit status is known: corrupt input must fail the walk, not
  // look like a short, valid layer.
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  child.stdout.pipe(out, { end: false });
  // zstd closing its input early (corrupt data) shows up as EPIPE on its stdin: swallow that and
  // let the exit status tell why. The write callback (data flushed to the pipe) is the backpressure.
  child.stdin.on('error', () => undefined);
  const input = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) {
      if (child.stdin.destroyed) cb();
      else child.stdin.write(chunk, () => cb());
    },
    final(cb) {
      child.stdin.end();
      cb();
    },
  });
  const duplex = Duplex.from({ writable: input, readable: out });
  child.on('error', (e) => duplex.destroy(e));
  child.on('close', (code) => {
    if (code === 0) out.end();
    else duplex.destroy(new Error(`corrupt or truncated zstd data (${stderr.trim().split('\n').pop() || `zstd exited ${code}`})`));
  });
  duplex.on('close', () => {
    if (child.exitCode === null) child.kill();
  });
  return duplex;
}

let zstdCli: boolean | undefined;
/** Whether a `zstd` program is on the PATH (asked once). */
function haveZstdCli(): boolean {
  zstdCli ??= nodeChildProcess().spawnSync('zstd', ['--version'], { stdio: 'ignore' }).status === 0;
  return zstdCli;
}

export type ZstdDecoder = 'auto' | 'cli' | 'js';

export function decompressor(c: Compression, zstd: ZstdDecoder = 'auto'): Duplex | undefined {
  if (c === 'gzip') return nodeZlib().createGunzip({ chunkSize: 256 << 10 });
  if (c === 'zstd') return zstd === 'cli' || (zstd === 'auto' && haveZstdCli()) ? zstdProcess() : new ZstdDecompress();
  return undefined;
}
