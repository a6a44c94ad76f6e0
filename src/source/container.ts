import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { MsbError } from '../errors.js';
import { MAX_CONFIG } from './limits.js';
import type { BlobLocation, Platform } from './types.js';

/**
 * A set of named files that an image format is laid out in: a directory (layout/dir.ts: OCI layout,
 * extracted docker-archive) or a tar file (archive/tar.ts: docker-archive, oci-archive). Formats are
 * parsed on top of this, so "OCI layout in a directory" and "OCI layout in a tar" share one parser.
 */
export interface Container {
  /** The path the user gave, for error messages. */
  readonly label: string;
  has(name: string): Promise<boolean>;
  locate(name: string): Promise<BlobLocation>;
  close(): Promise<void>;
}


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
  if (loc.size > MAX_CONFIG) throw new MsbError(`${c.label}: ${name} is ${loc.size} bytes, too large for ${what} (the limit is ${MAX_CONFIG >> 20} MiB)`);
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

/** How to pick one image from a container that may hold several. */
export interface LayoutOptions {
  platform?: Platform;
  /** Name the image: a RepoTag (docker-archive) or org.opencontainers.image.ref.name (OCI). */
  tag?: string;
}
