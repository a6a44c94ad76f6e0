import { MsbError } from '../errors.js';
import { DirContainer, openContainer } from './container.js';
import { readDockerArchive, readOciLayout, type LayoutOptions } from './layout.js';
import type { Image } from './types.js';

/**
 * Opens an image stored on disk, recognising the format by content, not by name:
 * a tar or directory with `manifest.json` is a docker-archive (Docker 25+ archives also carry an OCI
 * layout; manifest.json is read first since it names the saved tag), one with `index.json` is an
 * OCI layout (`oci-archive` when it is a tar).
 */
export async function openArchive(p: string, opts: LayoutOptions = {}): Promise<Image> {
  const c = await openContainer(p);
  const isDir = c instanceof DirContainer;
  try {
    if (await c.has('manifest.json')) return await readDockerArchive(c, 'docker-archive', opts);
    if (await c.has('index.json')) return await readOciLayout(c, isDir ? 'oci-layout' : 'oci-archive', opts);
  } catch (e) {
    await c.close();
    throw e;
  }
  await c.close();
  throw new MsbError(`${p}: not an image: no manifest.json (docker save) or index.json (OCI layout) found`);
}
