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
    for (const [field, v] of [['mode', header.mode], ['uid', header.uid], ['gid', header.gid]] as const) {
      if (!Number.isSafeInteger(v) || v < 0) throw new MsbError(`tar entry "${header.name}" has an invalid ${field} (${String(v)})`);
    }
    // Times before 1970 are odd but harmless; only an unreadable one is refused.
    if (!Number.isSafeInteger(header.mtime)) throw new MsbError(`tar entry "${header.name}" has an invalid mtime (${String(header.mtime)})`);
    return { kind: 'entry', header, size: header.size };
  }

  absorb(data: Buffer): void {
    if (!this.pendingMeta) throw new Error('absorb without a meta entry');
    this.meta.absorb(this.pendingMeta, data);
    this.pendingMeta = undefined;
  }
}

function checkSize(name: string, size: number): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX) {
    throw new MsbError(`tar entry "${name}" has an invalid size (${String(size)})`);
  }
}
