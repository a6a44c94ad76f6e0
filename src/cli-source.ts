import { MsbError } from './errors.js';
import { BlobCache, defaultCacheDir } from './source/cache/blob-cache.js';
import type { DownloadProgress } from './source/registry/image.js';
import { isImageStream, type Image } from './source/types.js';
import type { ResolveOptions } from './source/resolve.js';

/**
 * Turns the `msb inspect` source flags into ResolveOptions: credentials from --username and
 * --password-stdin, the blob cache, and a download progress line on stderr when it is a terminal.
 */

export interface SourceFlags {
  /** --verify, for the early walk of streamed (daemon) images. */
  verify?: boolean;
  source?: string;
  username?: string;
  passwordStdin?: boolean;
  insecure?: boolean;
  cacheDir?: string;
  cache?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * One overwritten status line, at most ten updates a second; `done` clears it. Shared by the
 * download line and the daemon read line.
 */
function statusLine(out: NodeJS.WriteStream): (text: string, done: boolean) => void {
  let last = 0;
  return (text, done) => {
    const now = Date.now();
    if (!done && now - last < 100) return;
    last = now;
    out.write(`\r\x1b[2K${done ? '' : text}`);
  };
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** One overwritten stderr line: "pulling layer 2/5 12.3 MB / 40.1 MB 8.2 MB/s". */
export function progressPrinter(out: NodeJS.WriteStream = process.stderr): (p: DownloadProgress) => void {
  const line = statusLine(out);
  return (p) => line(`pulling layer ${p.layer + 1}/${p.layers} ${mb(p.bytes)} / ${mb(p.total)} ${mb(p.bytesPerSecond)}/s`, p.done);
}

/**
 * Where download progress goes: a stderr line by default; the terminal UI takes it over while it
 * is open (a stderr line would draw over its screen).
 */
let downloadListener: ((p: DownloadProgress) => void) | undefined;

/** Routes download progress to `fn` until the returned function is called. */
export function takeDownloads(fn: (p: DownloadProgress) => void): () => void {
  const prev = downloadListener;
  downloadListener = fn;
  return () => {
    downloadListener = prev;
  };
}

export async function sourceOptions(flags: SourceFlags): Promise<Omit<ResolveOptions, 'platform'>> {
  if (flags.passwordStdin && !flags.username) throw new MsbError('--password-stdin needs --username');
  if (flags.username && !flags.passwordStdin) throw new MsbError('--username needs --password-stdin (msb never takes a password on the command line)');
  let credentials: ResolveOptions['credentials'];
  if (flags.username) {
    const password = await readStdin();
    if (!password) throw new MsbError('--password-stdin: nothing was read from stdin');
    credentials = { username: flags.username, password, origin: '--username/--password-stdin' };
  }
  downloadListener = process.stderr.isTTY ? progressPrinter() : undefined;
  const cache = flags.cache === false ? undefined : new BlobCache(flags.cacheDir ?? defaultCacheDir());
  return {
    source: flags.source,
    credentials,
    insecure: flags.insecure,
    cache,
    onDownload: (p) => downloadListener?.(p),
  };
}

/**
 * resolveImage with the source flags already applied: the CLI calls it exactly as it would call
 * resolveImage (credentials are read from stdin once, however many images are resolved).
 * A streamed (daemon) image is walked here and its finished Image returned, so code that reads the
 * config before inspectImage works; inspectImage then returns that walk's result. Callers that want
 * walk progress for daemon images use resolveImage and inspectImage directly.
 */
export async function sourceResolver(flags: SourceFlags): Promise<(ref: string, opts?: ResolveOptions) => Promise<Image>> {
  const { resolveImage } = await import('./source/resolve.js');
  const fixed = await sourceOptions(flags);
  return async (ref, opts = {}) => {
    const image = await resolveImage(ref, { ...fixed, ...opts });
    if (!isImageStream(image)) return image;
    try {
      const { inspectArrivals } = await import('./inspect-arrivals.js');
      // The save stream is read before anything is shown: say how far it got (stderr, terminals only).
      const line = process.stderr.isTTY ? statusLine(process.stderr) : undefined;
      const onProgress = line
        ? (p: { layer: number; bytesRead: number; done: boolean }) => {
            if (!p.done) line(`reading ${ref} from the daemon: layer ${p.layer + 1}, ${mb(p.bytesRead)}`, false);
          }
        : undefined;
      try {
        return (await inspectArrivals(image, { verify: flags.verify, onProgress })).image;
      } finally {
        line?.('', true);
      }
    } catch (e) {
      await image.close();
      throw e;
    }
  };
}
