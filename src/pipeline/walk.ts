import { FindingsCapture } from '../analysis/findings/capture.js';
import { entryHints } from '../analysis/findings/runtime.js';
import { isImageStream, type AnyImage, type Image, type LayerBlob } from '../source/types.js';
import { walkLayer } from '../walk/layer.js';
import type { LayerContents } from '../walk/types.js';
import type { InspectOptions } from './types.js';

/**
 * The one walk path for every source. A random-access image (archive, layout, registry, cache) feeds
 * its layers in order and up to `concurrency` are walked at once (decompression runs on libuv's
 * thread pool, so on two cores two compressed layers decompress in parallel). A streamed image (a
 * daemon's save stream) feeds layers as their bytes arrive, one at a time, and says their order only
 * at the end. Either way each layer is read once, and the few small files findings need (package
 * databases, credential files) are kept on the way.
 */

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
  const capture = new FindingsCapture(undefined, isImageStream(source) ? undefined : entryHints(source.config));
  const byKey = new Map<string, LayerContents>();
  const it = feed.items[Symbol.asyncIterator]();
  let seen = 0;
  const worker = async () => {
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      const { key, blob } = next.value;
      const i = seen++;
      const report = (bytesRead: number, done: boolean) => opts.onProgress?.({ layer: i, layers: feed.count, bytesRead, done });
      const contents = await walkLayer(blob, { verify: opts.verify, signal: opts.signal, capture, onProgress: (n) => report(n, false) });
      byKey.set(key, contents);
      report(blob.location?.size ?? 0, true);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, feed.concurrency) }, worker));
  const { image, keys, verified } = feed.finish();
  // A blob listed twice in a manifest arrives once from a stream: each position gets its own copy.
  const contents = keys.map((k, index) => {
    const c = byKey.get(k)!;
    return c.index === index && verified === undefined ? c : { ...c, index, verified: verified ?? c.verified };
  });
  const note = capture.note();
  if (note) image.notes.push(note);
  return { image, contents };
}
