import { MsbError } from '../errors.js';

/**
 * Parsing of tar headers (POSIX ustar, GNU long names, pax extended headers), shared by the seeking
 * layer walker and the outer-archive index. Pure: works on buffers, knows nothing of files.
 */

export const BLOCK = 512;

export type TarEntryType =
  | 'file'
  | 'hardlink'
  | 'symlink'
  | 'char'
  | 'block'
  | 'dir'
  | 'fifo'
  | 'pax'
  | 'pax-global'
  | 'gnu-longname'
  | 'gnu-longlink'
  | 'gnu-sparse'
  | 'other';

export interface RawHeader {
  name: string;
  type: TarEntryType;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  linkname: string;
  /** Old GNU sparse ('S'): 512-byte sparse-map extension blocks follow the header. */
  sparseExtended?: boolean;
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
  x: 'pax',
  g: 'pax-global',
  L: 'gnu-longname',
  K: 'gnu-longlink',
  S: 'gnu-sparse',
};

function cstr(buf: Buffer, off: number, len: number): string {
  // indexOf is native: a byte loop here runs in the interpreter for the first thousands of headers.
  if (buf[off] === 0) return ''; // most linknames and ustar prefixes
  const max = off + len;
  const nul = buf.indexOf(0, off);
  return buf.toString('utf8', off, nul < 0 || nul > max ? max : nul);
}

/**
 * Numeric field: octal text (leading spaces/NULs, digits, then only spaces/NULs), or GNU base-256 when
 * the high bit of the first byte is set (a first byte of 0xff is a negative number). Anything else
 * is NaN: a header value msb cannot read is never taken as 0.
 */
function num(buf: Buffer, off: number, len: number): number {
  if (buf[off] & 0x80) {
    if (buf[off] === 0xff) return -1; // negative base-256: never a valid size, mode or id
    let v = buf[off] & 0x7f;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + buf[i];
    return v;
  }
  let v = 0;
  let i = off;
  const max = off + len;
  while (i < max && (buf[i] === 0x20 || buf[i] === 0)) i++;
  let digits = 0;
  for (; i < max; i++, digits++) {
    const c = buf[i];
    if (c < 0x30 || c > 0x37) break;
    v = v * 8 + (c - 0x30);
  }
  for (; i < max; i++) if (buf[i] !== 0x20 && buf[i] !== 0) return NaN;
  return v;
}

function isZeroBlock(buf: Buffer, off: number): boolean {
  // Every real header has a name and a checksum: two bytes tell nearly every header from a zero block.
  if (buf[off] !== 0 || buf[off + 148] !== 0) return false;
  for (let i = off; i < off + BLOCK; i++) if (buf[i] !== 0) return false;
  return true;
}

/** A 32-bit view of the last buffer checksummed: headers are read into one reused buffer. */
let viewOf: Buffer | undefined;
let view: Uint32Array | undefined;

/**
 * The header checksum: the sum of its bytes, the checksum field counted as spaces. Summed four
 * bytes at a time (two 16-bit lanes per word cannot overflow over one block) when the header is
 * 4-byte aligned, which the readers' reused buffers are; byte by byte otherwise.
 */
function checksum(buf: Buffer, off: number): number {
  if (buf !== viewOf) {
    viewOf = buf;
    view = (buf.byteOffset & 3) === 0 ? new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2) : undefined;
  }
  let sum = 8 * 0x20;
  if (view !== undefined && (off & 3) === 0) {
    const w0 = off >>> 2;
    let acc = 0;
    // Words 37 and 38 are bytes 148..155, the checksum field itself.
    for (let w = w0; w < w0 + 37; w++) {
      const v = view[w];
      acc += (v & 0x00ff00ff) + ((v >>> 8) & 0x00ff00ff);
    }
    for (let w = w0 + 39; w < w0 + 128; w++) {
      const v = view[w];
      acc += (v & 0x00ff00ff) + ((v >>> 8) & 0x00ff00ff);
    }
    return sum + (acc % 0x10000) + Math.floor(acc / 0x10000);
  }
  for (let i = off; i < off + 148; i++) sum += buf[i];
  for (let i = off + 156; i < off + BLOCK; i++) sum += buf[i];
  return sum;
}

/**
 * Parse the 512-byte header at `off`. Returns null for an end-of-archive zero block.
 * Throws MsbError when the checksum does not match (not a tar, or corrupt).
 */
export function parseHeader(buf: Buffer, off: number): RawHeader | null {
  if (isZeroBlock(buf, off)) return null;
  const stored = num(buf, off + 148, 8);
  if (checksum(buf, off) !== stored) throw new MsbError('not a tar archive or corrupt tar header (checksum mismatch)');
  const flag = String.fromCharCode(buf[off + 156]);
  let name = cstr(buf, off, 100);
  // POSIX ustar ("ustar\0") keeps a path prefix; GNU ("ustar  \0") uses those bytes for other fields.
  if (buf[off + 257] === 0x75 && buf[off + 258] === 0x73 && buf[off + 259] === 0x74 && buf[off + 260] === 0x61 && buf[off + 261] === 0x72 && buf[off + 262] === 0) {
    const prefix = cstr(buf, off + 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  return {
    name,
    type: TYPES[flag] ?? 'other',
    size: num(buf, off + 124, 12),
    mode: num(buf, off + 100, 8),
    uid: num(buf, off + 108, 8),
    gid: num(buf, off + 116, 8),
    mtime: num(buf, off + 136, 12),
    linkname: cstr(buf, off + 157, 100),
    ...(flag === 'S' && buf[off + 482] !== 0 ? { sparseExtended: true } : {}),
  };
}

/** In an old GNU sparse extension block: does another one follow? */
export function sparseContinues(buf: Buffer, off: number): boolean {
  return buf[off + 504] !== 0;
}

/** Parse pax extended-header records ("<len> <key>=<value>\n"). */
export function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(data.toString('latin1', i, sp), 10);
    if (!Number.isFinite(len) || len <= 0 || i + len > data.length) break;
    const rec = data.toString('utf8', sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/** A pax decimal: digits only, else NaN (never a silent 0). */
function paxInt(v: string): number {
  return /^\d+$/.test(v) ? Number(v) : NaN;
}

/** Bytes a member occupies after its header (data padded to the block size). */
export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/**
 * Folds pax and GNU long-name meta entries into the entry they describe. Feed every raw header
 * (with the data of meta entries); `finish` returns the logical header for a real entry.
 */
export class MetaFolder {
  private pending: Record<string, string> = {};
  private global: Record<string, string> = {};
  private longName?: string;
  private longLink?: string;
  /** Any pax record pending or global (so finish() can skip the merge when there is none). */
  private hasMeta = false;

  /** True when `h` is a meta entry whose data must be passed to `absorb`. */
  isMeta(h: RawHeader): boolean {
    return h.type === 'pax' || h.type === 'pax-global' || h.type === 'gnu-longname' || h.type === 'gnu-longlink';
  }

  absorb(h: RawHeader, data: Buffer): void {
    if (h.type === 'pax') Object.assign(this.pending, parsePax(data));
    else if (h.type === 'pax-global') Object.assign(this.global, parsePax(data));
    else if (h.type === 'gnu-longname') this.longName = cstr(data, 0, data.length);
    else if (h.type === 'gnu-longlink') this.longLink = cstr(data, 0, data.length);
    this.hasMeta = Object.keys(this.pending).length > 0 || Object.keys(this.global).length > 0;
  }

  finish(h: RawHeader): RawHeader {
    // Most entries have no meta: return the header as parsed (it is a fresh object per block).
    if (!this.hasMeta && this.longName === undefined && this.longLink === undefined) return h;
    const pax = { ...this.global, ...this.pending };
    const out = { ...h };
    if (this.longName !== undefined) out.name = this.longName;
    if (this.longLink !== undefined) out.linkname = this.longLink;
    if (pax.path !== undefined) out.name = pax.path;
    if (pax.linkpath !== undefined) out.linkname = pax.linkpath;
    if (pax.size !== undefined) out.size = paxInt(pax.size);
    if (pax.uid !== undefined) out.uid = paxInt(pax.uid);
    if (pax.gid !== undefined) out.gid = paxInt(pax.gid);
    if (pax.mtime !== undefined) out.mtime = /^-?\d+(\.\d+)?$/.test(pax.mtime) ? Math.floor(Number(pax.mtime)) : NaN;
    this.pending = {};
    // Global records stay in force for every later entry.
    this.hasMeta = Object.keys(this.global).length > 0;
    this.longName = undefined;
    this.longLink = undefined;
    return out;
  }
}
