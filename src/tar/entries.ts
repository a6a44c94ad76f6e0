import { MsbError } from '../errors.js';
import { MetaFolder, type RawHeader } from './header.js';

/**
 * What a tar reader does after each header, decided in one place for both readers (the seeking one
 * for local uncompressed layers, the streaming one for everything else), so they cannot disagree:
 * meta entries (pax, pax global, GNU long names) are folded into the entry they describe, the
 * entry's data length is its logical size (a pax `size` overrides the header's), and header values
 * are checked before anything trusts them.
 */

/** Largest size or id msb accepts from a header (2^53: exact in a double). */
const MAX = Number.MAX_SAFE_INTEGER;
/** Meta entries are names and a few records; anything bigger is hostile. */
export const MAX_META = 1 << 20;

export type Step =
  /** End-of-archive block. */
  | { kind: 'end' }
  /** A meta entry: read `size` bytes of data and pass them to `absorb`. */
  | { kind: 'meta'; size: number }
  /** An entry: `size` data bytes follow (after sparse-map blocks, when header.sparseExtended). */
  | { kind: 'entry'; header: RawHeader; size: number };

export class EntryDecoder {
  private readonly meta = new MetaFolder();
  private pendingMeta?: RawHeader;

  step(raw: RawHeader | null): Step {
    if (raw === null) return { kind: 'end' };
    if (this.meta.isMeta(raw)) {
      checkSize(raw.name, raw.size);
      if (raw.size > MAX_META) throw new MsbError(`tar meta entry "${raw.name}" of ${raw.size} bytes is implausibly large`);
      this.pendingMeta = raw;
      return { kind: 'meta', size: raw.size };
    }
    const header = this.meta.finish(raw);
    checkSize(header.name, header.size);
    if (!okId(header.mode)) throw invalid(header.name, 'mode', header.mode);
    if (!okId(header.uid)) throw invalid(header.name, 'uid', header.uid);
    if (!okId(header.gid)) throw invalid(header.name, 'gid', header.gid);
    // Times before 1970 are odd but harmless; only an unreadable one is refused.
    if (!Number.isSafeInteger(header.mtime)) throw invalid(header.name, 'mtime', header.mtime);
    return { kind: 'entry', header, size: header.size };
  }

  absorb(data: Buffer): void {
    if (!this.pendingMeta) throw new Error('absorb without a meta entry');
    this.meta.absorb(this.pendingMeta, data);
    this.pendingMeta = undefined;
  }
}

const okId = (v: number) => Number.isSafeInteger(v) && v >= 0;
const invalid = (name: string, field: string, v: number) => new MsbError(`tar entry "${name}" has an invalid ${field} (${String(v)})`);

function checkSize(name: string, size: number): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX) {
    throw new MsbError(`tar entry "${name}" has an invalid size (${String(size)})`);
  }
}
