import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { MsbError } from '../../errors.js';
import { safeName, type Container } from '../container.js';
import type { BlobLocation } from '../types.js';

/** A directory as a Container (an OCI layout, or an extracted docker save); links may not leave it. */
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
