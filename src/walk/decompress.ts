import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { MsbError } from '../errors.js';
import type { Compression } from './types.js';

/** Layer compression is told by magic bytes, never by media type or file name (both lie). */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'BZh') throw new MsbError('bzip2 layers are not supported');
  if (head.length >= 6 && head.toString('latin1', 1, 6) === '7zXZ\0') throw new MsbError('xz layers are not supported');
  return 'none';
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

export function decompressor(c: Compression): Transform | undefined {
  if (c === 'gzip') return createGunzip({ chunkSize: 256 << 10 });
  if (c === 'zstd') return new ZstdDecompress();
  return undefined;
}
