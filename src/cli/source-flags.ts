import path from 'node:path';
import { MsbError } from '../errors.js';
import type { LayerCache } from '../pipeline/layer-cache.js';
import { BlobCache, defaultCacheDir } from '../source/cache/blob-cache.js';
import type { DownloadProgress } from '../source/registry/image.js';
import type { AnyImage } from '../source/types.js';
import type { ResolveOptions } from '../source/resolve.js';
import type { Io } from './io.js';
import type { Progress } from './progress.js';

/**
 * Turns the source flags shared by every command into ResolveOptions: credentials from --username
 * and --password-stdin, the blob cache, and download progress routed to this run's progress sink.
 */

export interface SourceFlags {
  source?: string;
  username?: string;
  passwordStdin?: boolean;
  insecure?: boolean;
  cacheDir?: string;
  cache?: boolean;
  offline?: boolean;
}

async function readStdin(io: Io): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of io.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export async function sourceOptions(flags: SourceFlags, io: Io, progress: Progress): Promise<Omit<ResolveOptions, 'platform'>> {
  if (flags.passwordStdin && !flags.username) throw new MsbError('--password-stdin needs --username');
  if (flags.username && !flags.passwordStdin) throw new MsbError('--username needs --password-stdin (msb never takes a password on the command line)');
  let credentials: ResolveOptions['credentials'];
  if (flags.username) {
    const password = await readStdin(io);
    if (!password) throw new MsbError('--password-stdin: nothing was read from stdin');
    credentials = { username: flags.username, password, origin: '--username/--password-stdin' };
  }
  const cache = flags.cache === false ? undefined : new BlobCache(flags.cacheDir ?? defaultCacheDir(io.env));
  return {
    source: flags.source,
    credentials,
    insecure: flags.insecure,
    cache,
    offline: flags.offline,
    // Proxies, timeouts and the docker config come from this run's environment.
    env: io.env,
    onDownload: (p: DownloadProgress) => progress.download(p),
  };
}

/**
 * The layer-analysis cache beside the blob cache (`<cache dir>/layers`), or none with --no-cache.
 * `memoryOnly`: with --no-cache, still share layers within this run (msb scan).
 */
export async function layerCacheOf(flags: SourceFlags, io: Io, memoryOnly = false): Promise<LayerCache | undefined> {
  // --no-cache: the cache's module is not even loaded (unless this run shares layers in memory).
  if (flags.cache === false && !memoryOnly) return undefined;
  const { LayerCache } = await import('../pipeline/layer-cache.js');
  if (flags.cache === false) return new LayerCache();
  return new LayerCache(path.join(flags.cacheDir ?? defaultCacheDir(io.env), 'layers'));
}

/**
 * resolveImage with the source flags applied: credentials are read from stdin once, however many
 * images a command resolves. An image served from the cache instead of its registry says so in
 * one stderr line (its age too), whatever the output format.
 */
export async function sourceResolver(flags: SourceFlags, io: Io, progress: Progress): Promise<(ref: string, opts?: ResolveOptions) => Promise<AnyImage>> {
  const { resolveImage } = await import('../source/resolve.js');
  const fixed = await sourceOptions(flags, io, progress);
  return async (ref, opts = {}) => {
    const image = await resolveImage(ref, { ...fixed, ...opts });
    if (!('streamed' in image) && image.offline) {
      progress.clear();
      io.stderr.write(`msb: ${image.offline.notice}\n`);
    }
    return image;
  };
}
