import { diffDigestCandidates, diffImages, type ImageDiff } from './analysis/diff.js';
import { inspectImage, type Inspection, type InspectOptions } from './inspect.js';
import type { Image } from './source/types.js';
import { hashEntries } from './walk/digests.js';

/** The diff pipeline: inspect both images, hash the few same-size files sizes cannot tell apart, compare. */
export interface Comparison {
  before: Inspection;
  after: Inspection;
  diff: ImageDiff;
}

/** `afterOpts` (default: `opts`) lets a caller tell the two images' progress apart. */
export async function compareImages(a: Image, b: Image, opts: InspectOptions = {}, afterOpts: InspectOptions = opts): Promise<Comparison> {
  const before = await inspectImage(a, opts);
  const after = await inspectImage(b, afterOpts);
  const x = { analysis: before.analysis, diffIds: a.layers.map((l) => l.diffId) };
  const y = { analysis: after.analysis, diffIds: b.layers.map((l) => l.diffId) };
  const [xs, ys] = diffDigestCandidates(x, y);
  await hashEntries(xs.map(([e, layer]) => [e, a.layers[layer]]));
  await hashEntries(ys.map(([e, layer]) => [e, b.layers[layer]]));
  return { before, after, diff: diffImages(x, y) };
}
