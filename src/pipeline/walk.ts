import { FindingsCapture } from '../analysis/findings/capture.js';
import { entryHints } from '../analysis/findings/runtime.js';
import type { EntryHints } from '../analysis/findings/capture.js';
import { isImageStream, type AnyImage, type Image, type LayerBlob } from '../source/types.js';
import { readSync } from 'node:fs';
import { MsbError } from '../errors.js';
import { sniffCompression } from '../walk/decompress.js';
import { OpenFiles } from '../walk/files.js';
import { walkLayer } from '../walk/layer.js';
import type { FileEntry, LayerContents } from '../walk/types.js';
import type { CachedLayer, LayerCache } from './layer-cache.js';
import type { InspectOptions } from './types.js';

/**
 * The one walk path for every source. A random-access image (archive, layout, registry, cache) feeds
 * its layers in order and up to `concurrency` are walked at once (decompression runs on libuv's
 * thread pool, so on two cores two compressed layers decompress in parallel). A streamed image (a
 * daemon's save stream) feeds layers as their bytes arrive, one at a time, and says their order only
 * at the end. Either way each layer is read once, and the few small files findings need (package
 * databases, credential files) are kept on the way.
 *
 * With a layer cache (pipeline/layer-cache.ts), a random-access layer already walked (this run or an
 * earlier one) is not read at all; a compressed or remote layer walked now is checked against the
 * digest its entry is filed under (walkLayer's `bind`), so the entry can be trusted, and stored.
 * Findings' capture budget is applied per image after the walk, in layer order, to walked and
 * cached layers alike, so the cache cannot change a result.
 */

/** What one layer's walk may keep for findings before the image's budget applies (memory bound). */
const LAYER_CAPTURE_BUDGET = 512 * 1024 * 1024;

export interface Walked {
  /** The complete image model (for a streamed source, known only once the stream has ended). */
  image: Image;
  /** One per image layer, in layer order. */
  contents: LayerContents[];
}

/** Layers in the order their bytes can be read, and how they map to image layers at the end. */
interface Feed {
  items: AsyncIterable<{ key: string; blob: LayerBlob }>;
  /** Layers that may be read at once. */
  concurrency: number;
  /** Known count of layers (progress), or 0 until the end. */
  count: number;
  /** After `items` ended: the image, each layer's key, and whether the source checked every byte. */
  finish(): { image: Image; keys: string[]; verified?: boolean };
}

function feedOf(image: AnyImage, concurrency: number): Feed {
  if (isImageStream(image)) {
    const stream = image;
    return {
      items: (async function* () {
        let i = 0;
        for await (const a of stream.layers) {
          const index = i++;
          yield { key: a.key, blob: { index, diffId: '', name: `${stream.reference}: ${a.key}`, open: () => a.open() } };
        }
      })(),
      concurrency: 1,
      count: 0,
      finish: () => stream.finish(),
    };
  }
  return {
    items: (async function* () {
      for (const blob of image.layers) yield { key: String(blob.index), blob };
    })(),
    concurrency,
    count: image.layers.length,
    finish: () => ({ image, keys: image.layers.map((l) => String(l.index)) }),
  };
}

export async function walkImage(source: AnyImage, opts: InspectOptions): Promise<Walked> {
  const feed = feedOf(source, opts.concurrency ?? 2);
  // The entrypoint's program and files are kept by name (their ELF headers, `#!` line) when the config is known.
  const hints = isImageStream(source) ? undefined : entryHints(source.config);
  const cache = isImageStream(source) ? undefined : opts.layerCache;
  const byKey = new Map<string, CachedLayer>();
  const it = feed.items[Symbol.asyncIterator]();
  const files = new OpenFiles();
  let seen = 0;
  const worker = async () => {
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      const { key, blob } = next.value;
      const i = seen++;
      const report = (bytesRead: number, done: boolean) => opts.onProgress?.({ layer: i, layers: feed.count, bytesRead, done });
      byKey.set(key, await walkOne(blob, opts, cache, hints, files, (n) => report(n, false)));
      report(blob.location?.size ?? 0, true);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, feed.concurrency) }, worker));
  } finally {
    await files.close();
  }
  const { image, keys, verified } = feed.finish();
  // The image's capture budget, applied in layer order (walks ran in parallel and kept all they could).
  const capture = new FindingsCapture(undefined, hints);
  const applied = new Map<string, LayerContents>();
  for (const k of keys) {
    if (applied.has(k)) continue;
    const c = byKey.get(k)!;
    applied.set(k, applyCapture(c.contents, capture));
    capture.skipped += c.skipped;
  }
  // A blob listed twice in a manifest arrives once from a stream: each position gets its own copy.
  const contents = keys.map((k, index) => {
    const c = applied.get(k)!;
    return c.index === index && verified === undefined ? c : { ...c, index, verified: verified ?? c.verified };
  });
  const note = capture.note();
  if (note) image.notes.push(note);
  return { image, contents };
}

/** One layer: from the cache, or walked (and stored when its key can be established). */
async function walkOne(blob: LayerBlob, opts: InspectOptions, cache: LayerCache | undefined, hints: EntryHints | undefined, files: OpenFiles, onProgress: (n: number) => void): Promise<CachedLayer> {
  // bind: for the cache, the walk checks the digest its entry is filed under (walkLayer).
  const walk = async (bind: boolean): Promise<CachedLayer> => {
    const capture = new FindingsCapture(LAYER_CAPTURE_BUDGET, hints);
    const contents = await walkLayer(blob, { verify: opts.verify, bind, signal: opts.signal, capture, onProgress, files });
    return { contents, skipped: capture.skipped };
  };
  const plain = () => walk(false);
  // The cache's module is loaded only when there is a cache (not with --no-cache).
  const key = cache ? (await import('./layer-cache.js')).layerKey(blob) : undefined;
  // A seekable layer is never cached: asked first, it costs no lookup of an entry that cannot exist.
  if (!cache || !key || (await seekable(blob, files))) return plain();
  const forCache = async (): Promise<CachedLayer | undefined> => {
    try {
      return await walk(true);
    } catch (e) {
      // A layer whose bytes do not match its digests: not cached, and without --verify not an error.
      if (!opts.verify && e instanceof MsbError && /(?:diff_id|blob digest) mismatch/.test(e.message)) return undefined;
      throw e;
    }
  };
  let got = await cache.through(key, !opts.verify, forCache);
  if (!got) return plain();
  // Walked for another image, whose entrypoint names other files: this one's were kept only as any
  // file is (a bin dir's prefix, or nothing). Walked again for what the findings need of them, and
  // stored back with both images' captures, so images that alternate on a layer walk it once.
  if (got.hit && missesEntrypoint(got.layer.contents, hints)) {
    const fresh = await forCache();
    if (!fresh) return plain();
    got = { layer: await cache.replace(key, withCaptures(fresh, got.layer)), hit: false };
  }
  const c = got.layer.contents;
  // `verified` means checked in this run at the user's request (--verify), as without a cache.
  // A registry blob is checked against its digest as it downloads (sourceVerified), cached or not.
  const verified = (!!opts.verify && !got.hit) || !!blob.sourceVerified;
  return { contents: c.index === blob.index && c.verified === verified ? c : { ...c, index: blob.index, verified }, skipped: got.layer.skipped };
}

/**
 * Whether a cached layer lacks what a walk keeps of this image's entrypoint files (EntryHints, by
 * basename): their first bytes, and for a static program the paths it names.
 */
function missesEntrypoint(c: LayerContents, hints: EntryHints | undefined): boolean {
  if (!hints?.names.length) return false;
  const names = new Set(hints.names);
  return c.entries.some((e) => {
    if (e.kind !== 'file' || e.size < 4 || !names.has(e.path.slice(e.path.lastIndexOf('/') + 1))) return false;
    if (e.content === undefined) return true;
    return e.named === undefined && e.content.length < e.size && new FindingsCapture(undefined, hints).scan(e.path, e.content, e.size);
  });
}

/**
 * A fresh walk of a layer, plus what an earlier walk of the same layer (for another image's
 * entrypoint) kept and this one did not: longer prefixes, a static program's named paths. Entries
 * of one tar line up one to one; if they do not, the fresh walk alone is kept.
 */
export function withCaptures(fresh: CachedLayer, earlier: CachedLayer): CachedLayer {
  const now = fresh.contents.entries;
  const then = earlier.contents.entries;
  if (now.length !== then.length) return fresh;
  let entries: FileEntry[] | undefined;
  for (let i = 0; i < now.length; i++) {
    const n = now[i];
    const t = then[i];
    if (n.path !== t.path || n.size !== t.size) return fresh;
    const content = t.content !== undefined && t.content.length > (n.content?.length ?? -1);
    const named = t.named !== undefined && n.named === undefined;
    if (!content && !named) continue;
    entries ??= now.slice();
    entries[i] = { ...n, ...(content ? { content: t.content } : {}), ...(named ? { named: t.named } : {}) };
  }
  return entries ? { ...fresh, contents: { ...fresh.contents, entries } } : fresh;
}

/** An uncompressed layer in a local file: walked by seeking, which reads less than a cache entry. */
async function seekable(blob: LayerBlob, files: OpenFiles): Promise<boolean> {
  const loc = blob.location;
  if (!loc || loc.size === 0) return false;
  try {
    const fh = await files.get(loc.file);
    const head = Buffer.alloc(Math.min(512, loc.size));
    readSync(fh.fd, head, 0, head.length, loc.offset);
    return sniffCompression(head) === 'none';
  } catch {
    return false;
  }
}

/**
 * The layer as this image sees it: captured contents the image's budget has no room for are
 * dropped (on copies: a cached layer is shared by every image of the run).
 */
function applyCapture(c: LayerContents, capture: FindingsCapture): LayerContents {
  let entries: FileEntry[] | undefined;
  for (let i = 0; i < c.entries.length; i++) {
    const e = c.entries[i];
    if (e.content === undefined || capture.want(e.path, e.size, e.mode)) continue;
    entries ??= c.entries.slice();
    const { content: _dropped, named: _alsoDropped, ...rest } = e;
    entries[i] = rest;
  }
  return entries ? { ...c, entries } : c;
}
