import { Writable } from 'node:stream';
import { MsbError } from '../errors.js';
import { EntryDecoder } from './entries.js';
import { BLOCK, paddedSize, parseHeader, sparseContinues, type RawHeader } from './header.js';

/**
 * Parses a tar as its bytes stream past (decompressed layers, piped blobs), with the same header
 * parsing and the same decisions (src/tar/entries.ts) as the seeking reader, so the two readings of
 * a layer cannot disagree. Each entry's data is handed to the sink its `onEntry` returns, chunk by
 * chunk, never buffered whole. A stream that ends inside a header or an entry's data is an error,
 * never a shorter layer passed off as whole. After the end-of-archive block the rest is ignored.
 */

export interface EntrySink {
  /**
   * One chunk of the entry's data. Returning a Promise is backpressure: the parser takes no more
   * bytes (and so its writer none) until it settles; a rejection fails the parse.
   */
  write(chunk: Buffer): void | Promise<void>;
  end(): void;
}

type State =
  | { kind: 'header' }
  | { kind: 'sparse'; header: RawHeader; size: number }
  | { kind: 'meta'; size: number; left: number; parts: Buffer[] }
  | { kind: 'data'; name: string; left: number; pad: number; sink?: EntrySink }
  | { kind: 'pad'; left: number }
  | { kind: 'done' };

export class TarParser extends Writable {
  private readonly decoder = new EntryDecoder();
  private state: State = { kind: 'header' };
  /** Bytes of a header or sparse block gathered across chunks. */
  private block = Buffer.alloc(BLOCK);
  private blockLen = 0;
  /** Offset in the tar of the next byte (for messages). */
  private pos = 0;

  constructor(private readonly onEntry: (header: RawHeader) => EntrySink | undefined) {
    super();
  }

  /** true once the end-of-archive block was seen. */
  get ended(): boolean {
    return this.state.kind === 'done';
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const from = (start: number): void => {
      try {
        const wait = this.consume(chunk, start);
        if (wait) wait.until.then(() => from(wait.next), (e: Error) => cb(e));
        else cb();
      } catch (e) {
        cb(e as Error);
      }
    };
    from(0);
  }

  override _final(cb: (err?: Error | null) => void): void {
    const s = this.state;
    if (s.kind === 'done' || (s.kind === 'header' && this.blockLen === 0)) return cb(); // no end blocks: accepted, as GNU tar does
    if (s.kind === 'pad') return cb(); // the last entry's padding may be cut; its data is whole
    const where = s.kind === 'data' ? `inside the data of "${s.name}" (${s.left} bytes missing)` : s.kind === 'meta' ? 'inside a pax or long-name entry' : 'inside a tar header';
    cb(new MsbError(`truncated layer: the tar stream ends ${where}`));
  }

  /** Parses chunk[start..]; when a sink asks to wait, returns the promise and where to go on. */
  private consume(chunk: Buffer, start: number): { until: Promise<void>; next: number } | undefined {
    let i = start;
    while (i < chunk.length) {
      const s = this.state;
      if (s.kind === 'done') return undefined;
      if (s.kind === 'header' || s.kind === 'sparse') {
        const take = Math.min(BLOCK - this.blockLen, chunk.length - i);
        chunk.copy(this.block, this.blockLen, i, i + take);
        this.blockLen += take;
        i += take;
        if (this.blockLen < BLOCK) return undefined;
        this.blockLen = 0;
        if (s.kind === 'sparse') {
          if (!sparseContinues(this.block, 0)) this.startData(s.header, s.size);
        } else {
          this.onHeader();
        }
        this.pos += BLOCK;
        continue;
      }
      const take = Math.min(s.left, chunk.length - i);
      if (s.kind === 'meta') {
        s.parts.push(chunk.subarray(i, i + take));
        s.left -= take;
        if (s.left === 0) {
          // Meta data is padded like any entry: only the record bytes go to the decoder.
          this.decoder.absorb(Buffer.concat(s.parts).subarray(0, s.size));
          this.state = { kind: 'header' };
        }
      } else if (s.kind === 'data') {
        const wait = s.sink?.write(chunk.subarray(i, i + take));
        s.left -= take;
        if (s.left === 0) {
          s.sink?.end();
          this.state = s.pad ? { kind: 'pad', left: s.pad } : { kind: 'header' };
        }
        if (wait) {
          this.pos += take;
          return { until: wait, next: i + take };
        }
      } else {
        s.left -= take;
        if (s.left === 0) this.state = { kind: 'header' };
      }
      i += take;
      this.pos += take;
    }
    return undefined;
  }

  private onHeader(): void {
    let raw: RawHeader | null;
    try {
      raw = parseHeader(this.block, 0);
    } catch (e) {
      throw new MsbError(`${(e as Error).message} at offset ${this.pos}`);
    }
    const step = this.decoder.step(raw);
    if (step.kind === 'end') {
      this.state = { kind: 'done' };
      return;
    }
    if (step.kind === 'meta') {
      if (step.size === 0) this.decoder.absorb(Buffer.alloc(0));
      this.state = step.size ? { kind: 'meta', size: step.size, left: paddedSize(step.size), parts: [] } : { kind: 'header' };
      return;
    }
    if (step.header.sparseExtended) {
      this.state = { kind: 'sparse', header: step.header, size: step.size };
      return;
    }
    this.startData(step.header, step.size);
  }

  private startData(header: RawHeader, size: number): void {
    const sink = this.onEntry(header);
    const pad = paddedSize(size) - size;
    if (size === 0) {
      sink?.end();
      this.state = { kind: 'header' };
    } else {
      this.state = { kind: 'data', name: header.name, left: size, pad, sink };
    }
  }
}
