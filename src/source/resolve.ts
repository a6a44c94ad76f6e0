import { existsSync } from 'node:fs';
import { MsbError } from '../errors.js';
import { openArchive } from './archive/open.js';
import type { BlobCache } from './cache/blob-cache.js';
import type { LayoutOptions } from './container.js';
import type { Credentials } from './registry/credentials.js';
import type { DownloadProgress } from './registry/image.js';
import type { Image, ImageStream, Platform } from './types.js';

/**
 * Decides where an image comes from (docs/sources.md):
 * 1. an explicit scheme: `docker-archive:`, `oci:`, `oci-archive:` (files), `docker://` (Docker
 *    daemon), `podman://` (Podman's Docker-compatible socket), `registry://`;
 * 2. `--source daemon|podman|registry|archive` forces one;
 * 3. an existing path is an archive or layout (`path:tag` picks an image inside);
 * 4. otherwise the Docker daemon if it is reachable and has the image, else the registry.
 * Daemon and registry modules are imported only when needed (dockerode is heavy).
 * Files and registries give an Image; a daemon gives an ImageStream (its save stream is read once).
 */

export type SourceChoice = 'daemon' | 'podman' | 'registry' | 'archive';
export const SOURCE_CHOICES: SourceChoice[] = ['daemon', 'podman', 'registry', 'archive'];

export interface ResolveOptions {
  platform?: Platform;
  source?: string;
  /** Registry: explicit credentials (--username + --password-stdin). */
  credentials?: Credentials;
  /** Registry: plain HTTP. */
  insecure?: boolean;
  /** Registry: blob cache; undefined = no cache. */
  cache?: BlobCache;
  /** Registry: read only the cache, never the network (--offline; docs/sources.md, "Offline"). */
  offline?: boolean;
  onDownload?: (p: DownloadProgress) => void;
  env?: NodeJS.ProcessEnv;
}

const FILE_SCHEMES = ['docker-archive:', 'oci-archive:', 'oci:'];
const NAME_SCHEMES: Array<[string, SourceChoice]> = [
  ['docker://', 'daemon'],
  ['podman://', 'podman'],
  ['registry://', 'registry'],
];

/** "archive.tar:repo:tag" → the longest existing path prefix, and the tag after it. */
function splitTag(spec: string): { path: string; tag?: string } {
  if (existsSync(spec)) return { path: spec };
  for (let i = spec.indexOf(':'); i > 0; i = spec.indexOf(':', i + 1)) {
    if (existsSync(spec.slice(0, i))) return { path: spec.slice(0, i), tag: spec.slice(i + 1) };
  }
  return { path: spec };
}

/** Something the user meant as a file, not an image name: "./x.tar", "/tmp/x", "x.tar". */
function looksLikePath(ref: string): boolean {
  return /^(\.{0,2}\/|~)/.test(ref) || /\.(tar|tgz|tar\.gz)$/i.test(ref) || ref.includes('\\');
}

async function fromArchive(ref: string, spec: string, opts: ResolveOptions): Promise<Image> {
  const { path, tag } = splitTag(spec);
  if (!existsSync(path)) throw new MsbError(`${path}: no such file or directory`);
  const layoutOpts: LayoutOptions = { platform: opts.platform, tag };
  const img = await openArchive(path, layoutOpts);
  img.reference = ref;
  return img;
}

async function fromRegistry(ref: string, name: string, opts: ResolveOptions): Promise<Image> {
  const { openRegistryImage } = await import('./registry/image.js');
  const img = await openRegistryImage(name, {
    platform: opts.platform,
    credentials: opts.credentials,
    insecure: opts.insecure,
    cache: opts.cache,
    offline: opts.offline,
    onDownload: opts.onDownload,
    env: opts.env,
  });
  img.reference = ref;
  return img;
}

async function fromDaemon(ref: string, name: string, kind: 'docker' | 'podman', opts: ResolveOptions): Promise<ImageStream> {
  const { daemonEndpoint, openDaemonImage } = await import('./daemon/daemon.js');
  const img = await openDaemonImage(daemonEndpoint(kind, opts.env), name, { platform: opts.platform });
  img.reference = ref;
  return img;
}

export async function resolveImage(ref: string, opts: ResolveOptions = {}): Promise<Image | ImageStream> {
  const forced = opts.source as SourceChoice | undefined;
  if (forced && !SOURCE_CHOICES.includes(forced)) {
    throw new MsbError(`invalid --source "${opts.source}": expected one of ${SOURCE_CHOICES.join(', ')}`);
  }
  const fileScheme = FILE_SCHEMES.find((s) => ref.startsWith(s));
  if (fileScheme) return fromArchive(ref, ref.slice(fileScheme.length), opts);
  const named = NAME_SCHEMES.find(([s]) => ref.startsWith(s));
  const source = named?.[1] ?? forced;
  const name = named ? ref.slice(named[0].length) : ref;
  if (source === 'archive') return fromArchive(ref, ref, opts);
  if (source === 'registry') return fromRegistry(ref, name, opts);
  if (source === 'daemon') return fromDaemon(ref, name, 'docker', opts);
  if (source === 'podman') return fromDaemon(ref, name, 'podman', opts);

  if (existsSync(splitTag(ref).path)) return fromArchive(ref, ref, opts);
  if (looksLikePath(ref)) throw new MsbError(`${ref}: no such file or directory`);
  // Neither a file nor forced: the local daemon when it has the image, else the registry.
  const { parseReference } = await import('./reference.js');
  parseReference(ref); // a clear error for names no source could take
  const { daemonEndpoint, probeDaemon, openDaemonImage } = await import('./daemon/daemon.js');
  const ep = daemonEndpoint('docker', opts.env);
  const probe = await probeDaemon(ep, ref);
  if (probe.state === 'present') {
    const img = await openDaemonImage(ep, ref, { platform: opts.platform, probed: true });
    img.reference = ref;
    return img;
  }
  let img: Image;
  try {
    img = await fromRegistry(ref, ref, opts);
  } catch (e) {
    // Say both places msb looked: the image may be local-only and the daemon just not reachable.
    if (e instanceof MsbError && probe.state === 'unreachable') {
      throw new MsbError(`${e.message} [tried the registry because ${probe.error.message.replace(/;.*$/, '')}]`, e.exitCode);
    }
    if (e instanceof MsbError) throw new MsbError(`${e.message} [not in the local Docker daemon either]`, e.exitCode);
    throw e;
  }
  img.notes.push(probe.state === 'absent' ? 'not in the local Docker daemon; read from the registry' : 'no Docker daemon reachable; read from the registry');
  return img;
}
