import { Transform, type TransformCallback } from 'node:stream';
import { MsbError, shortDigest } from '../../errors.js';
import { nodeCrypto } from '../../lazy-node.js';

/** Digest checks for blobs read from outside (a registry): streamed and in memory. */

const SHA256 = /^sha256:([a-f0-9]{64})$/;

/** Only sha256 blobs are addressed (the only algorithm registries use); returns the hex part. */
export function sha256Hex(digest: string, label: string): string {
  const m = SHA256.exec(digest);
  if (!m) throw new MsbError(`${label}: unsupported or invalid digest "${digest}" (expected sha256:<64 hex>)`);
  return m[1];
}

/**
 * Passes bytes through unchanged while hashing and counting them; fails the stream at the end if the
 * digest or size is wrong, so a consumer never mistakes a corrupt blob for a whole one.
 */
export class VerifyingStream extends Transform {
  bytes = 0;
  private readonly hash = nodeCrypto().createHash('sha256');
  constructor(
    private readonly what: string,
    private readonly digest: string,
    private readonly size: number | undefined,
    private readonly onBytes?: (n: number) => void,
  ) {
    super({ highWaterMark: 1 << 20 });
  }
  /**
   * The last chunk is held back until the digest is known: a consumer decoding the blob then meets
   * the digest error first, not a confusing decode error from a corrupt tail.
   */
  private held?: Buffer;
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    this.onBytes?.(this.bytes);
    if (this.held) this.push(this.held);
    this.held = chunk;
    cb();
  }
  /** Passes on the held-back last chunk (after check() succeeded). */
  protected release(): void {
    if (this.held) this.push(this.held);
    this.held = undefined;
  }
  /** Throws unless the bytes seen match the expected digest and size. */
  protected check(): void {
    const got = `sha256:${this.hash.digest('hex')}`;
    if (this.size !== undefined && this.size >= 0 && this.bytes !== this.size) {
      throw new MsbError(`${this.what}: size mismatch: expected ${this.size} bytes, got ${this.bytes}`);
    }
    if (got !== this.digest) throw new MsbError(`${this.what}: digest mismatch: expected ${this.digest}, got ${got}`);
  }
  override _flush(cb: TransformCallback): void {
    try {
      this.check();
      this.release();
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}

/** The sha256 digest of an in-memory blob ("sha256:<hex>"). */
export function sha256Of(data: Buffer): string {
  return `sha256:${nodeCrypto().createHash('sha256').update(data).digest('hex')}`;
}

/** Checks an in-memory blob against its digest. */
export function verifyBuffer(what: string, digest: string, data: Buffer): void {
  sha256Hex(digest, what);
  const got = `sha256:${nodeCrypto().createHash('sha256').update(data).digest('hex')}`;
  if (got !== digest) throw new MsbError(`${what}: digest mismatch: expected ${shortDigest(digest)}…, got ${shortDigest(got)}…`);
}
