import { diffDigestCandidates, diffImages } from '../analysis/diff.js';
import { hashEntries } from '../walk/digests.js';
import type { DiffResult, InspectResult } from './types.js';

/**
 * `msb diff` from two inspect results: files from a layer with the same diff_id in both images are
 * identical without reading them; sizes decide the rest, and only same-size files are hashed (read
 * again from their layers) to tell a content change from a metadata one.
 */
export async function diffResults(before: InspectResult, after: InspectResult): Promise<DiffResult> {
  const x = { analysis: before.analysis, diffIds: before.layers.map((l) => l.diffId) };
  const y = { analysis: after.analysis, diffIds: after.layers.map((l) => l.diffId) };
  const [xs, ys] = diffDigestCandidates(x, y);
  await hashEntries(xs.map(([e, layer]) => [e, before.image.layers[layer]]));
  await hashEntries(ys.map(([e, layer]) => [e, after.image.layers[layer]]));
  return { before, after, diff: diffImages(x, y) };
}
