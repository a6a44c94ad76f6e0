import { existsSync } from 'node:fs';
import { MsbError } from '../errors.js';
import { openArchive } from './archive.js';
import type { LayoutOptions } from './layout.js';
import type { Image, Platform } from './types.js';

/**
 * Decides where an image comes from: an existing path is an archive or layout; an explicit scheme
 * (`docker-archive:`, `oci:`, `oci-archive:`) names the format; `path:tag` picks an image inside.
 */

export interface ResolveOptions {
  platform?: Platform;
  source?: string;
}

const FILE_SCHEMES = ['docker-archive:', 'oci-archive:', 'oci:'];

/** "archive.tar:repo:tag" → the longest existing path prefix, and the tag after it. */
function splitTag(spec: string): { path: string; tag?: string } {
  if (existsSync(spec)) return { path: spec };
  for (let i = spec.indexOf(':'); i > 0; i = spec.indexOf(':', i + 1)) {
    if (existsSync(spec.slice(0, i))) return { path: spec.slice(0, i), tag: spec.slice(i + 1) };
  }
  return { path: spec };
}

export async function resolveImage(ref: string, opts: ResolveOptions = {}): Promise<Image> {
  const scheme = FILE_SCHEMES.find((s) => ref.startsWith(s));
  const layoutOpts: LayoutOptions = { platform: opts.platform };
  if (scheme) {
    const { path, tag } = splitTag(ref.slice(scheme.length));
    if (!existsSync(path)) throw new MsbError(`${path}: no such file or directory`);
    const img = await openArchive(path, { ...layoutOpts, tag });
    img.reference = ref;
    return img;
  }
  const { path, tag } = splitTag(ref);
  if (existsSync(path)) {
    const img = await openArchive(path, { ...layoutOpts, tag });
    img.reference = ref;
    return img;
  }
  throw new MsbError(`${ref}: no such file or directory (daemon and registry sources are not available in this build)`);
}
