import { FindingsCapture } from './analysis/findings/capture.js';
import { analyze } from './analysis/merge.js';
import type { Inspection, InspectOptions } from './inspect.js';
import type { Image, ImageStream } from './source/types.js';
import { walkLayer } from './walk/layer.js';
import type { LayerContents } from './walk/types.js';

/**
 * The pipeline for streamed images (a daemon's save stream, see ImageStream): walk each layer the
 * moment it arrives, keyed by its archive path, and put the layers in order once finish() says what
 * the order is. Streamed layers hash every file as they pass, so no second read is needed (nor
 * possible: the bytes are gone). Progress reports `layers: 0` while the count is unknown.
 */
export function inspectArrivals(stream: ImageStream, opts: InspectOptions): Promise<Inspection> {
  // A stream can be read once: a second call gets the same answer.
  let p = drained.get(stream);
  if (!p) {
    p = walkArrivals(stream, opts);
    drained.set(stream, p);
  }
  return p;
}

const drained = new WeakMap<ImageStream, Promise<Inspection>>();
/** The finished Image of a walked stream -> that walk, so inspectImage(image) can answer again. */
const walked = new WeakMap<Image, Inspection>();

export function walkedInspection(image: Image): Inspection | undefined {
  return walked.get(image);
}

async function walkArrivals(stream: ImageStream, opts: InspectOptions): Promise<Inspection> {
  const byKey = new Map<string, LayerContents>();
  // Findings read a few small files (package databases, credential files), as in inspectImage.
  const capture = new FindingsCapture();
  let seen = 0;
  for await (const a of stream.layers) {
    const i = seen++;
    const contents = await walkLayer(
      { index: i, diffId: '', name: `${stream.reference}: ${a.key}`, open: () => a.open() },
      { verify: opts.verify, signal: opts.signal, capture, onProgress: (bytesRead) => opts.onProgress?.({ layer: i, layers: 0, bytesRead, done: false }) },
    );
    byKey.set(a.key, contents);
    opts.onProgress?.({ layer: i, layers: 0, bytesRead: 0, done: true });
  }
  const { image, keys, verified } = stream.finish();
  // A blob listed twice in the manifest arrives once: each position gets its own copy.
  const contents = keys.map((k, index) => ({ ...byKey.get(k)!, index, verified }));
  const note = capture.note();
  if (note) image.notes.push(note);
  const ins = { image, contents, analysis: analyze(contents) };
  walked.set(image, ins);
  return ins;
}
