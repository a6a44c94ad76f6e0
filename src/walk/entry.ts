import { MsbError } from '../errors.js';
import type { EntryKind, FileEntry, LayerContents } from './types.js';

/**
 * Turns raw tar headers into normalised layer entries and sorts out whiteouts. Rejects entries that
 * would escape the root (absolute paths, ".."): a layer with them is hostile or broken.
 */

/**
 * Longest path accepted in a layer: the kernel's PATH_MAX. No runtime can create a longer one when it
 * extracts the layer, so such an entry is hostile; refusing it also bounds how deep trees can nest.
 */
export const MAX_PATH = 4096;

export function normalisePath(name: string): string {
  if (name.length > MAX_PATH) {
    throw new MsbError(`tar entry "${name.slice(0, 60)}…" has a path of ${name.length} characters; no container runtime can create a path over ${MAX_PATH}`);
  }
  // Fast path: most names are already clean ("usr/lib/x.so"); only dots, slashes at the ends and
  // doubled slashes need the full treatment.
  if (name.length > 0 && name.charCodeAt(0) !== 0x2e && name.charCodeAt(0) !== 0x2f &&
      name.charCodeAt(name.length - 1) !== 0x2f && !name.includes('/.') && !name.includes('//')) {
    return name;
  }
  let p = name;
  while (p.startsWith('./')) p = p.slice(2);
  if (p.startsWith('/')) throw new MsbError(`tar entry "${name}" has an absolute path`);
  p = p.replace(/\/+/g, '/').replace(/\/$/, '');
  if (p === '.' || p === '') return '';
  const parts = p.split('/');
  if (parts.some((s) => s === '..')) throw new MsbError(`tar entry "${name}" contains ".." and would escape the image root`);
  if (parts.some((s) => s === '.')) return parts.filter((s) => s !== '.').join('/');
  return p;
}

const WH = '.wh.';
const OPAQUE = '.wh..wh..opq';

export class LayerBuilder {
  readonly contents: LayerContents;
  constructor(index: number, compression: LayerContents['compression']) {
    this.contents = { index, entries: [], whiteouts: [], opaqueDirs: [], compression, verified: false };
  }

  /** Adds one entry; returns it when it is a regular file (whose data the caller may hash). */
  add(
    name: string,
    kind: EntryKind,
    size: number,
    mode: number,
    uid: number,
    gid: number,
    mtime: number,
    linkname: string | undefined,
  ): FileEntry | undefined {
    const path = normalisePath(name);
    if (path === '') return undefined; // the root directory itself
    const slash = path.lastIndexOf('/');
    // Tested in place: slicing out every entry's base name just to test it costs a string per entry.
    if (path.startsWith(WH, slash + 1)) {
      const base = path.slice(slash + 1);
      const dir = slash < 0 ? '' : path.slice(0, slash);
      if (base === OPAQUE) this.contents.opaqueDirs.push(dir);
      else if (!base.startsWith('.wh..wh.')) {
        const target = base.slice(WH.length);
        this.contents.whiteouts.push(dir ? `${dir}/${target}` : target);
      }
      return undefined; // other .wh..wh.* names are aufs bookkeeping, not files
    }
    const e: FileEntry = { path, kind, size: kind === 'file' ? size : 0, mode, uid, gid, mtime, linkname: undefined, digest: undefined, dataOffset: undefined, content: undefined };
    if (kind === 'symlink') e.linkname = linkname;
    else if (kind === 'hardlink') e.linkname = normalisePath(linkname ?? '');
    this.contents.entries.push(e);
    return kind === 'file' ? e : undefined;
  }
}
