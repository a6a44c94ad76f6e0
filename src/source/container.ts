import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { MsbError } from '../errors.js';
import { scanTar } from '../tar/seek.js';
import type { BlobLocation } from './types.js';

/**
 * A set of named files that an image format is laid out in: a directory (OCI layout, extracted
 * docker-archive) or a tar file (docker-archive, oci-archive). Formats are parsed on top of this,
 * so "OCI layout in a directory" and "OCI layout in a tar" share one parser.
 */
export interface Container {
  /** The path the user gave, for error messages. */
  readonly label: string;
  has(name: string): Promise<boolean>;
  locate(name: string): Promise<BlobLocation>;
  close(): Promise<void>;
}

/** Largest JSON document (manifest, index, config) msb will read into memory. */
const MAX_JSON = 64 << 20;

/** Normalizes a name used inside an image layout; refuses anything that escapes it. */
export function safeName(label: string, name: string): string {
  const n = path.posix.normalize(name.replace(/^\.\//, ''));
  if (path.posix.isAbsolute(n) || n === '..' || n.startsWith('../')) {
    throw new MsbError(`${label}: refusing path "${name}" that points outside the image`);
  }
  return n;
}

/** Reads a small named file whole (manifest, config, attestation), refusing oversized ones. */
export async function readWhole(c: Container, name: string, what: string): Promise<Buffer> {
  const loc = await c.locate(name);
  if (loc.size > MAX_JSON) throw new MsbError(`${c.label}: ${name} is ${loc.size} bytes, too large for ${what}`);
  const fh = await open(loc.file, 'r');
  try {
    const buf = Buffer.alloc(loc.size);
    const { bytesRead } = await fh.read(buf, 0, loc.size, loc.offset);
    if (bytesRead !== loc.size) throw new MsbError(`${c.label}: ${name} is truncated`);
    return buf;
  } finally {
    await fh.close();
  }
}

export async function readJson<T>(c: Container, name: string, what: string): Promise<T> {
  const text = (await readWhole(c, name, what)).toString('utf8');
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new MsbError(`${c.label}: ${name} is not valid JSON (${(e as Error).message})`);
  }
}

/** A raw stream of one located blob, with large reads (1 MiB) for throughput. */
export function openLocation(loc: BlobLocation): Promise<Readable> {
  if (loc.size === 0) return Promise.resolve(Readable.from([]));
  return Promise.resolve(
    createReadStream(loc.file, { start: loc.offset, end: loc.offset + loc.size - 1, highWaterMark: 1 << 20 }),
  );
}

export class DirContainer implements Container {
  private constructor(
    readonly label: string,
    private readonly root: string,
  ) {}

  static async open(dir: string): Promise<DirContainer> {
    return new DirContainer(dir, await realpath(dir));
  }

  private async resolve(name: string): Promise<string> {
    const p = path.join(this.root, safeName(this.label, name));
    let real: string;
    try {
      real = await realpath(p);
    } catch {
      throw new MsbError(`${this.label}: missing ${name}`);
    }
    if (real !== this.root && !real.startsWith(this.root + path.sep)) {
      throw new MsbError(`${this.label}: ${name} is a link that points outside the image directory`);
    }
    return real;
  }

  async has(name: string): Promise<boolean> {
    try {
      await stat(path.join(this.root, safeName(this.label, name)));
      return true;
    } catch {
      return false;
    }
  }

  async locate(name: string): Promise<BlobLocation> {
    const file = await this.resolve(name);
    const st = await stat(file);
    if (!st.isFile()) throw new MsbError(`${this.label}: ${name} is not a regular file`);
    return { file, offset: 0, size: st.size };
  }

  async close(): Promise<void> {}
}

interface Member {
  offset: number;
  size: number;
  type: string;
  linkname: string;
}

export class TarContainer implements Container {
  private constructor(
    readonly label: string,
    private readonly file: string,
    private readonly members: Map<string, Member>,
  ) {}

  /** Indexes the archive by reading its headers only (file data is skipped, not read). */
  static async open(file: string): Promise<TarContainer> {
    const members = new Map<string, Member>();
    let fh: FileHandle | undefined;
    try {
      fh = await open(file, 'r');
      const { size } = await fh.stat();
      await scanTar(fh, 0, size, ({ header, dataOffset }) => {
        const name = path.posix.normalize(header.name.replace(/^\.?\/+/, '')).replace(/\/$/, '');
        members.set(name, { offset: dataOffset, size: header.size, type: header.type, linkname: header.linkname });
      });
    } catch (e) {
      if (e instanceof MsbError) throw new MsbError(`${file}: ${e.message}`);
      throw new MsbError(`${file}: cannot read archive (${(e as Error).message})`);
    } finally {
      await fh?.close();
    }
    return new TarContainer(file, file, members);
  }

  private member(name: string): Member | undefined {
    let n = safeName(this.label, name);
    // buildah's docker-archive stores `<id>/layer.tar` as symlinks to `<diffid>.tar`.
    for (let hops = 0; hops < 16; hops++) {
      const m = this.members.get(n);
      if (!m) return undefined;
      if (m.type === 'symlink') n = safeName(this.label, path.posix.join(path.posix.dirname(n), m.linkname));
      else if (m.type === 'hardlink') n = safeName(this.label, m.linkname);
      else return m;
    }
    throw new MsbError(`${this.label}: ${name} is a symlink loop`);
  }

  async has(name: string): Promise<boolean> {
    return this.member(name) !== undefined;
  }

  async locate(name: string): Promise<BlobLocation> {
    const m = this.member(name);
    if (!m) throw new MsbError(`${this.label}: missing ${name} in the archive`);
    if (m.type !== 'file') throw new MsbError(`${this.label}: ${name} is not a regular file in the archive`);
    return { file: this.file, offset: m.offset, size: m.size };
  }

  async close(): Promise<void> {}
}

export async function openContainer(p: string): Promise<Container> {
  let st;
  try {
    st = await stat(p);
  } catch {
    throw new MsbError(`${p}: no such file or directory`);
  }
  if (st.isDirectory()) return DirContainer.open(p);
  const fh = await open(p, 'r');
  const head = Buffer.alloc(4);
  try {
    await fh.read(head, 0, 4, 0);
  } finally {
    await fh.close();
  }
  if (head[0] === 0x1f && head[1] === 0x8b) {
    throw new MsbError(`${p}: this archive is gzip-compressed; decompress it first (gunzip -k ${path.basename(p)})`);
  }
  if (head.readUInt32LE(0) === 0xfd2fb528) {
    throw new MsbError(`${p}: this archive is zstd-compressed; decompress it first (zstd -d ${path.basename(p)})`);
  }
  return TarContainer.open(p);
}

