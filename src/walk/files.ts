import { open, type FileHandle } from 'node:fs/promises';

/**
 * Open local files shared by the walks of one image: a docker-archive holds every layer in one
 * file, so its 5,000 layers are read through one descriptor instead of 5,000 open/close pairs.
 * The owner (the pipeline's walk) closes them all when the image is walked.
 */
export class OpenFiles {
  private readonly files = new Map<string, Promise<FileHandle>>();

  get(file: string): Promise<FileHandle> {
    let fh = this.files.get(file);
    if (!fh) {
      fh = open(file, 'r');
      // A failed open is not kept: the caller reports it, and a later layer may try again.
      fh.catch(() => this.files.delete(file));
      this.files.set(file, fh);
    }
    return fh;
  }

  async close(): Promise<void> {
    const all = [...this.files.values()];
    this.files.clear();
    await Promise.all(all.map((p) => p.then((fh) => fh.close(), () => undefined)));
  }
}
