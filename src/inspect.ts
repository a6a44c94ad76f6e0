import { finishAnalysis, mergeLayers, pendingDigests } from './analysis/merge.js';
import type { Analysis } from './analysis/types.js';
import { FindingsCapture } from './analysis/findings/capture.js';
import { inspectArrivals, walkedInspection } from './inspect-arrivals.js';
import { isImageStream, type Image, type ImageStream } from './source/types.js';
import { hashEntries } from './walk/digests.js';
import { walkLayer } from './walk/layer.js';
import type { LayerContents } from './walk/types.js';

/**
 * The pipeline: walk every layer of an image once, hash the few files that need it, merge.
 * Layers are walked a few at a time: decompression runs on libuv's thread pool, so on two cores two
 * compressed layers decompress in parallel.
 */

export interface InspectProgress {
  layer: number;
  layers: number;
  /** Stored bytes read of this layer so far. */
  bytesRead: number;
  done: boolean;
}

export interface InspectOptions {
  verify?: boolean;
  onProgress?: (p: InspectProgress) => void;
  signal?: AbortSignal;
  concurrency?: number;
}

export interface Inspection {
  image: Image;
  contents: LayerContents[];
  analysis: Analysis;
}

export async function inspectImage(image: Image | ImageStream, opts: InspectOptions = {}): Promise<Inspection> {
  if (isImageStream(image)) return inspectArrivals(image, opts);
  // A streamed image's finished Image (cli-source.ts walked it early): its bytes are gone; reuse that walk.
  const done = walkedInspection(image);
  if (done) return done;
  const n = image.layers.length;
  const contents: LayerContents[] = new Array(n);
  let next = 0;
  // Findings read a few small files (package databases, credential files): kept during the one walk.
  const capture = new FindingsCapture();
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const blob = image.layers[i];
      contents[i] = await walkLayer(blob, {
        verify: opts.verify,
        signal: opts.signal,
        capture,
        onProgress: (bytesRead) => opts.onProgress?.({ layer: i, layers: n, bytesRead, done: false }),
      });
      opts.onProgress?.({ layer: i, layers: n, bytesRead: blob.location?.size ?? 0, done: true });
    }
  };
  const workers = Array.from({ length: Math.min(opts.concurrency ?? 2, n) }, worker);
  await Promise.all(workers);
  // Only same-size rewrites need content digests: merge first, hash just those, then settle them.
  const merged = mergeLayers(contents);
  await hashEntries(pendingDigests(merged).map(([e, layer]) => [e, image.layers[layer]]));
  const note = capture.note();
  if (note) image.notes.push(note);
  return { image, contents, analysis: finishAnalysis(merged) };
}
