import { FindingsCapture } from './analysis/findings/capture.js';
import { analyze } from './analysis/merge.js';
import type { Inspection, InspectOptions } from './inspect.js';
import type { Image } from './source/types.js';
import { walkLayer } from './walk/layer.js';
import type { LayerContents } from './walk/types.js';

/**
 * The pipeline for streaming sources (the daemon's save stream, see Image.arrivals): walk each layer
 * the moment it arrives, keyed by its archive path, and put the layers in order once the stream has
 * said what the order is. Streamed layers hash every file as they pass, so no second read is needed
 * (nor possible: the bytes are gone). Progress reports `layers: 0` while the count is unknown.
 * The walk happens once per image; later calls return the same Inspection.
 */
export function inspectArrivals(image: Image, opts: InspectOptions): Promise<Inspection> {
  // A stream can be read once: a second call (after an early drain) gets the same answer.
  let p = drained.get(image);
  if (!p) {
    p = walkArrivals(image, opts);
    drained.set(image, p);
  }
  return p;
}

const drained = new WeakMap<Image, Promise<Inspection>>();

async function walkArrivals(image: Image, opts: InspectOptions): Promise<Inspection> {
  const arrivals = image.arrivals!;
  const byKey = new Map<string, LayerContents>();
  // Findings read a few small files (package databases, credential files), as in inspectImage.
  const capture = new FindingsCapture();
  let seen = 0;
  for await (const a of arrivals.arrivals) {
    const i = seen++;
    const contents = await walkLayer(
      { index: i, diffId: '', name: `${image.reference}: ${a.key}`, open: () => a.open() },
      { verify: opts.verify, signal: opts.signal, capture, onProgress: (bytesRead) => opts.onProgress?.({ layer: i, layers: 0, bytesRead, done: false }) },
    );
    byKey.set(a.key, contents);
    opts.onProgress?.({ layer: i, layers: 0, bytesRead: 0, done: true });
  }
  const keys = arrivals.order();
  const verified = arrivals.verified();
  // A blob listed twice in the manifest arrives once: each position gets its own copy.
  const contents = keys.map((k, index) => ({ ...byKey.get(k)!, index, verified }));
  const note = capture.note();
  if (note) image.notes.push(note);
  return { image, contents, analysis: analyze(contents) };
}
