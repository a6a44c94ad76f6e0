import { constants as fsConstants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { redactConfig, redactText, scanConfig, type ConfigSecret, type Scan } from '../analysis/findings/config-secrets.js';
import { findFindings } from '../analysis/findings/find.js';
import { layerHistory } from '../analysis/history.js';
import { instructionOf } from '../analysis/instruction.js';
import { finishAnalysis, mergeLayers, pendingDigests } from '../analysis/merge.js';
import type { Attribution } from '../analysis/origin.js';
import type { Analysis, WasteKind } from '../analysis/types.js';
import { MsbError } from '../errors.js';
import { isImageStream, type AnyImage, type Image } from '../source/types.js';
import { hashEntries, sameContent } from '../walk/digests.js';
import type { LayerContents } from '../walk/types.js';
import { attributeImage, type DockerfileText } from './attribution.js';
import type { InspectOptions, InspectResult, InspectSummary, LayerResult } from './types.js';
import { walkImage } from './walk.js';

/**
 * The pipeline: the one place that runs walk → merge → waste → attribution → findings and assembles
 * an InspectResult. Everything after it (reports, the gate, the terminal UI) only renders the result.
 */
export async function inspect(source: AnyImage, opts: InspectOptions = {}): Promise<InspectResult> {
  // A bad --dockerfile fails before any layer is read.
  const dockerfile = opts.dockerfile ? await readDockerfile(opts.dockerfile) : undefined;
  if (opts.target && !dockerfile) throw new MsbError('--target needs --dockerfile');
  // Secret values in the config (ENV, labels, build args in the history) are found once, here, and
  // every later step sees a redacted copy: attribution, the JSON/text history, the UI. A given
  // Dockerfile is redacted the same way, so it still lines up with the history.
  const attributionOpts = (scan: Scan) => ({
    dockerfile: dockerfile && { ...dockerfile, text: redactText(dockerfile.text, scan) },
    target: opts.target,
    buildArgs: opts.buildArgs,
  });
  let scan = isImageStream(source) ? undefined : redactImage(source);
  // Attribution only needs the config: align before the walk where the config is already known.
  const early = scan && !isImageStream(source) ? await attributeImage(source, attributionOpts(scan)) : undefined;
  const { image, contents, analysis } = await walkAndMerge(source, opts);
  scan ??= redactImage(image);
  const attribution = early ?? (await attributeImage(image, attributionOpts(scan)));
  return assemble(image, contents, analysis, attribution, scan.secrets);
}

/** Replaces the image's config by its redacted copy; returns what was found (names, never values). */
function redactImage(image: Image): Scan {
  const scan = scanConfig(image.config);
  image.config = redactConfig(image.config, scan);
  return scan;
}

async function readDockerfile(file: string): Promise<DockerfileText> {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses anything not a regular file.
  let fh: FileHandle | undefined;
  try {
    fh = await open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    const st = await fh.stat();
    if (!st.isFile()) throw new MsbError(`${file}: cannot read the Dockerfile (${st.isDirectory() ? 'a directory' : 'not a regular file'})`);
    if (st.size > MAX_DOCKERFILE) throw new MsbError(`${file}: cannot read the Dockerfile (${st.size} bytes; larger than ${MAX_DOCKERFILE >> 20} MiB)`);
    return { text: await fh.readFile('utf8'), label: file };
  } catch (e) {
    if (e instanceof MsbError) throw e;
    throw new MsbError(`${file}: cannot read the Dockerfile (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    await fh?.close();
  }
}
const MAX_DOCKERFILE = 16 << 20;

/**
 * The walk and the merge: only same-size rewrites need their content looked at, so just those copies
 * are read again from their layers (compared byte for byte, or hashed where a copy was streamed)
 * before every byte is accounted for. Exported for tests that feed the findings other origins.
 */
export async function walkAndMerge(source: AnyImage, opts: InspectOptions = {}): Promise<{ image: Image; contents: LayerContents[]; analysis: Analysis }> {
  const { image, contents } = await walkImage(source, opts);
  const merged = mergeLayers(contents);
  const L = image.layers;
  const same = await sameContent(merged.pending.map((p) => [[p.before, L[p.beforeLayer]], [p.after, L[p.afterLayer]]]));
  merged.pending.forEach((p, i) => (p.same = same[i]));
  await hashEntries(pendingDigests(merged).map(([e, layer]) => [e, L[layer]]));
  return { image, contents, analysis: finishAnalysis(merged) };
}

function assemble(image: Image, contents: LayerContents[], analysis: Analysis, attribution: Attribution, configSecrets: ConfigSecret[]): InspectResult {
  const origins = attribution.origins;
  // Findings phrase their fixes with whatever the origins know (stage, line, COPY --from); the
  // config's entrypoint decides what the image runs (kept, never called removable).
  const findings = findFindings({ analysis, contents, origins, config: image.config, configSecrets });
  const history = layerHistory(image.config, image.layers.length);
  const layers: LayerResult[] = analysis.layers.map((stats, i) => {
    const origin = origins[i] ?? { index: i, instruction: '' };
    return {
      index: i,
      diffId: image.layers[i].diffId,
      ...(image.layers[i].digest ? { digest: image.layers[i].digest } : {}),
      compression: contents[i].compression,
      verified: contents[i].verified,
      ...(history[i] ? { history: history[i] } : {}),
      origin,
      stats,
      instruction: origin.instruction || instructionOf(history[i]?.created_by),
    };
  });
  const wasteByKind: Record<WasteKind, number> = { overwritten: 0, metadata: 0, deleted: 0 };
  for (const w of analysis.waste) wasteByKind[w.kind] += w.bytes;
  const summary: InspectSummary = {
    layers: image.layers.length,
    files: analysis.files,
    totalBytes: analysis.totalBytes,
    finalBytes: analysis.finalBytes,
    wastedBytes: analysis.wastedBytes,
    efficiency: analysis.efficiency,
    wasteByKind,
    verified: contents.every((c) => c.verified),
    baseBytes: analysis.layers.reduce((s, l) => s + (origins[l.index]?.base !== undefined ? l.bytes : 0), 0),
    potentialSavingsBytes: findings.potentialSavingsBytes,
    findingsBytesByCategory: findings.bytesByCategory,
  };
  return { image, layers, analysis, attribution, findings, summary };
}
