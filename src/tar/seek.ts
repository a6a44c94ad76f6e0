import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { MsbError } from '../errors.js';
import { EntryDecoder } from './entries.js';
import { BLOCK, paddedSize, parseHeader, sparseContinues, type RawHeader } from './header.js';

/**
 * Walks the headers of an uncompressed tar stored in a file range, seeking past file data the way
 * `tar -t` does. File contents are never read, which is what makes inspecting `docker save`
 * archives (uncompressed layers) nearly as fast as listing them.
 */

export interface SeekEntry {
  header: RawHeader;
  /** Absolute file offset of the entry's data. */
  dataOffset: number;
}

/** The most one positioned read fetches: a run of small files' headers and data. */
const CHUNK = 256 << 10;
/**
 * The least: after a header whose data is far away, the next read starts at the next header and
 * takes this much. Headers of small files cluster, so a read that finds several headers grows the
 * next one (up to CHUNK); a layer of large files reads little more than its headers. One page:
 * the copy is most of a read's cost (7.6k reads from the page cache: 512 B 31 ms, 4 KiB 37 ms,
 * 16 KiB 52 ms of CPU).
 */
const MIN_READ = 4 << 10;
/** Yield to the event loop this often so a UI can render progress while headers are read. */
const YIELD_MS = 30;

/**
 * Window buffers, reused: two layers are walked at once and each walk holds one, so a
 * 5,000-layer image allocates (and zeroes) two buffers, not 5,000. Never zeroed: only bytes a
 * read just filled are looked at.
 */
const spare: Buffer[] = [];

/** A positioned-read cache: headers of small files cluster, so one read serves many of them. */
class Window {
  buf = spare.pop() ?? Buffer.allocUnsafe(CHUNK);
  private start = 0;
  private len = 0;
  /** How much the next read takes: doubles while reads serve several headers, resets on a seek. */
  private next = MIN_READ;
  private hits = 0;
  constructor(
    private readonly fd: number,
    private readonly end: number,
  ) {}

  /**
   * Returns the offset such that this.buf[offset .. offset+len) holds file bytes [pos, pos+len)
   * (an offset, not a [buffer, offset] pair: one allocation less per header).
   * Synchronous positioned reads: the data is nearly always in the page cache, and a thread-pool
   * round trip per read costs more than the read itself (measured: 2.5x slower overall).
   */
  get(pos: number, len: number): number {
    if (pos >= this.start && pos + len <= this.start + this.len) {
      this.hits++;
      return pos - this.start;
    }
    // Several headers in the last window: small files, read more at once; one: read less.
    this.next = this.hits > 1 ? Math.min(CHUNK, this.next * 2) : MIN_READ;
    this.hits = 1;
    const want = Math.min(Math.max(len, this.next), this.end - pos);
    if (this.buf.length < want) this.buf = Buffer.allocUnsafe(want);
    const bytesRead = readSync(this.fd, this.buf, 0, want, pos);
    this.start = pos;
    this.len = bytesRead;
    if (bytesRead < len) throw new MsbError('truncated: the file ends inside a tar header');
    return 0;
  }

  release(): void {
    if (this.buf.length === CHUNK && spare.length < 4) spare.push(this.buf);
  }
}

/**
 * Calls `onEntry` for every logical entry (pax / GNU long names folded in) of the tar that occupies
 * [start, start+size) of the open file. Throws MsbError on a truncated or corrupt archive.
 */
export async function scanTar(
  fh: FileHandle,
  start: number,
  size: number,
  onEntry: (e: SeekEntry) => void,
): Promise<void> {
  const end = start + size;
  const win = new Window(fh.fd, end);
  try {
    await scanWith(win, start, end, onEntry);
  } finally {
    win.release();
  }
}

async function scanWith(win: Window, start: number, end: number, onEntry: (e: SeekEntry) => void): Promise<void> {
  const decoder = new EntryDecoder();
  let pos = start;
  let lastYield = Date.now();
  for (let n = 0; ; n++) {
    if ((n & 1023) === 0 && Date.now() - lastYield > YIELD_MS) {
      await new Promise((r) => setImmediate(r));
      lastYield = Date.now();
    }
    if (pos >= end) return; // no end-of-archive blocks: accepted, as GNU tar does
    if (pos + BLOCK > end) throw new MsbError(`truncated tar: ${end - pos} stray bytes at offset ${pos - start}`);
    const off = win.get(pos, BLOCK);
    let raw: RawHeader | null;
    try {
      raw = parseHeader(win.buf, off);
    } catch (e) {
      throw new MsbError(`${(e as Error).message} at offset ${pos - start}`);
    }
    const step = decoder.step(raw);
    if (step.kind === 'end') return;
    let dataOffset = pos + BLOCK;
    if (step.kind === 'entry' && step.header.sparseExtended) {
      // Old GNU sparse: map blocks until one says no more follow.
      for (let more = true; more; dataOffset += BLOCK) {
        if (dataOffset + BLOCK > end) throw new MsbError(`truncated tar: entry "${step.header.name}" ends inside its sparse map`);
        const so = win.get(dataOffset, BLOCK);
        more = sparseContinues(win.buf, so);
      }
    }
    if (dataOffset + step.size > end) {
      const name = step.kind === 'entry' ? step.header.name : raw!.name;
      throw new MsbError(`truncated tar: entry "${name}" needs ${step.size} bytes but the data ends first`);
    }
    if (step.kind === 'meta') {
      const moff = win.get(dataOffset, step.size);
      decoder.absorb(Buffer.from(win.buf.subarray(moff, moff + step.size)));
    } else {
      onEntry({ header: step.header, dataOffset });
    }
    pos = dataOffset + paddedSize(step.size);
  }
}
