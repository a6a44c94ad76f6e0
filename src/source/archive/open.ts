import type { Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { MsbError } from '../../errors.js';
import { sniffCompression } from '../compression.js';
import type { Container, LayoutOptions } from '../container.js';
import { DirContainer } from '../layout/dir.js';
import { readOciLayout } from '../layout/oci.js';
import type { Image } from '../types.js';
import { readDockerArchive } from './docker-save.js';
import { TarContainer } from './tar.js';

/** What a non-regular path is, for messages. */
export function fileKind(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** A directory or a tar file; a compressed tar is refused with the command that unpacks it. */
export async function openContainer(p: string): Promise<Container> {
  let st;
  try {
    st = await stat(p);
  } catch {
    throw new MsbError(`${p}: no such file or directory`);
  }
  if (st.isDirectory()) return DirContainer.open(p);
  // Opening a FIFO (or a device) would block until a writer appears: refuse it before any open().
  if (!st.isFile()) throw new MsbError(`${p}: not a regular file or directory (${fileKind(st)}); give an image archive or layout`);
  const fh = await open(p, 'r');
  const head = Buffer.alloc(4);
  try {
    await fh.read(head, 0, 4, 0);
  } finally {
    await fh.close();
  }
  const c = sniffCompression(head);
  if (c === 'gzip') throw new MsbError(`${p}: this archive is gzip-compressed; decompress it first (gunzip -k ${path.basename(p)})`);
  if (c === 'zstd') throw new MsbError(`${p}: this archive is zstd-compressed; decompress it first (zstd -d ${path.basename(p)})`);
  return TarContainer.open(p);
}

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
