import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { MsbError } from '../../errors.js';
import { scanTar } from '../../tar/seek.js';
import { safeName, type Container } from '../container.js';
import type { BlobLocation } from '../types.js';

/**
 * A tar file as a Container (docker-archive, oci-archive): indexed once by its headers, members are
 * then read in place by offset, so layers are never copied out.
 */

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
