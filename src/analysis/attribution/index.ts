import type { ImageConfig } from '../../source/types.js';
import { instructionOf } from '../instruction.js';
import type { Attribution, AttributionStatus, LayerOrigin, StepOrigin } from '../origin.js';
import type { HistoryEntry } from '../../source/types.js';
import { alignSteps, isFailure, type Alignment } from './align.js';
import { detectBase } from './base.js';
import { parseDockerfile, findStage, stageChain, stageLabel, type DockerfileStage, type DockerfileStep, type ParsedDockerfile } from './dockerfile.js';
import { layerHistoryIndex } from './layers.js';
import { layerSteps, readProvenance } from './provenance.js';

/**
 * Attribution: which instruction, Dockerfile line and stage put each layer in the image. Pure: the
 * caller reads the files. Best source first (BuildKit provenance, then a given Dockerfile aligned
 * with the history, then the history alone); a source that does not fit the image is reported in
 * status.warnings and the next one is used, so the map is never silently wrong.
 */

export interface AttributionInput {
  config: ImageConfig;
  layerCount: number;
  /** Stored layer digests (manifest order), to match BuildKit provenance layer chains. */
  layerDigests?: readonly (string | undefined)[];
  dockerfile?: { text: string; label: string };
  /** `--target`: the stage the image was built as (default: the last stage). */
  target?: string;
  buildArgs?: Record<string, string>;
  /** A parsed in-toto statement from the image's attestation manifest. */
  provenance?: unknown;
  /** Problems met while reading the inputs (an unreadable attestation), reported as warnings. */
  notes?: string[];
}

export function attribute(input: AttributionInput): Attribution {
  const { config, layerCount } = input;
  const history = Array.isArray(config.history) ? config.history : [];
  const hIdx = layerHistoryIndex(config, layerCount);
  const warnings: string[] = [...(input.notes ?? [])];
  if (!Array.isArray(config.history) || history.length === 0) {
    warnings.push('the image has no history: layers cannot be tied to instructions');
  } else {
    const missing = hIdx.filter((i) => i < 0).length;
    if (missing > 0) warnings.push(`the history accounts for ${layerCount - missing} of ${layerCount} layers; the top ${missing} have no instruction`);
  }
  const base = detectBase(history);
  const origins: LayerOrigin[] = hIdx.map((hi, index) => {
    const o: LayerOrigin = { index, instruction: hi >= 0 ? instructionOf(history[hi]?.created_by) : '' };
    if (hi >= 0) o.historyIndex = hi;
    if (hi >= 0 && hi < base.historyIndex) o.base = base.ref ?? 'base image';
    return o;
  });
  const status: AttributionStatus = {
    source: 'history',
    warnings,
    baseLayers: origins.filter((o) => o.base !== undefined).length,
    ...(base.ref ? { baseRef: base.ref } : {}),
    baseSignal: base.signal,
  };

  if (input.provenance !== undefined) {
    const done = fromProvenance(input, origins, status);
    if (done) return { ...done, steps: historySteps(history, done.origins) };
  }
  if (input.dockerfile) {
    const done = fromDockerfile(input, input.dockerfile.text, input.dockerfile.label, input.target, input.buildArgs ?? {}, origins, status, base);
    if (done) return done;
  }
  const baseRef = base.ref ?? 'base image';
  return { origins, status, steps: historySteps(history, origins, (i) => (i < base.historyIndex ? { base: baseRef } : undefined)) };
}

/**
 * Image-only origins: history text and base layers (from the image's own signals), no stages or
 * lines. For a Dockerfile or provenance, use attribute() / attributeImage(). Lives here, not in
 * origin.ts, so that origin.ts stays types only and attribution does not import back into it.
 */
export function historyOrigins(config: ImageConfig, layerCount: number): LayerOrigin[] {
  return attribute({ config, layerCount }).origins;
}

/**
 * Every history entry with its origin: a layer's comes from its LayerOrigin; for steps that made
 * no layer, `extra` supplies what is known (the aligned Dockerfile step, or base membership).
 */
function historySteps(
  history: ReadonlyArray<HistoryEntry | null | undefined>,
  origins: readonly LayerOrigin[],
  extra?: (historyIndex: number) => Partial<StepOrigin> | undefined,
): StepOrigin[] {
  const byHistory = new Map<number, LayerOrigin>();
  for (const o of origins) if (o.historyIndex !== undefined) byHistory.set(o.historyIndex, o);
  const out: StepOrigin[] = [];
  history.forEach((h, i) => {
    if (!h) return;
    const o = byHistory.get(i);
    const s: StepOrigin = { historyIndex: i, instruction: o?.instruction ?? instructionOf(h.created_by), emptyLayer: !!h.empty_layer };
    if (o) {
      s.layer = o.index;
      if (o.stage !== undefined) s.stage = o.stage;
      if (o.line !== undefined) s.line = o.line;
      if (o.endLine !== undefined) s.endLine = o.endLine;
      if (o.base !== undefined) s.base = o.base;
    } else Object.assign(s, extra?.(i) ?? {});
    out.push(s);
  });
  return out;
}

function stepOrigin(df: ParsedDockerfile, step: DockerfileStep, index: number, historyIndex: number | undefined): LayerOrigin {
  const o: LayerOrigin = {
    index,
    instruction: step.text,
    stage: stageLabel(df.stages[step.stage]),
    line: step.line,
    endLine: step.endLine,
  };
  if (historyIndex !== undefined) o.historyIndex = historyIndex;
  const from = step.flags.from;
  if ((step.keyword === 'COPY' || step.keyword === 'ADD') && from) {
    const src = findStage(df, from);
    o.fromStage = src ? stageLabel(src) : from;
    if (!src) o.fromImage = true;
    if (step.sources?.length) o.fromPath = step.sources.join(' ');
  }
  return o;
}

function tryAlign(chain: DockerfileStage[], history: Parameters<typeof alignSteps>[0]) {
  return alignSteps(history, chain.flatMap((s) => s.steps));
}

function fromDockerfile(
  input: AttributionInput,
  text: string,
  label: string,
  target: string | undefined,
  buildArgs: Record<string, string>,
  imageOnly: LayerOrigin[],
  status: AttributionStatus,
  base: ReturnType<typeof detectBase>,
): Attribution | undefined {
  const history = Array.isArray(input.config.history) ? input.config.history : [];
  if (history.length === 0) {
    status.warnings.push(`${label}: not aligned: the image has no history to align it with`);
    return undefined;
  }
  const df = parseDockerfile(text, buildArgs, label);
  let chain = stageChain(df, target, label);
  let aligned = tryAlign(chain, history);
  if (isFailure(aligned) && target === undefined) {
    // Built with --target? Another stage may be the one that matches.
    for (const s of [...df.stages].reverse().slice(1)) {
      const c = stageChain(df, stageLabel(s), label);
      const a = tryAlign(c, history);
      if (!isFailure(a) && a.steps.size > 0) {
        status.warnings.push(`${label}: the image matches stage "${stageLabel(s)}", not the last stage; attributed as --target ${stageLabel(s)}`);
        chain = c;
        aligned = a;
        break;
      }
    }
  }
  if (isFailure(aligned)) {
    const { step, reason } = aligned;
    status.warnings.push(`${label}:${step.line}: "${short(step.text)}" does not match the image (${reason}); Dockerfile ignored, attribution from history only`);
    return undefined;
  }
  const a: Alignment = aligned;
  // buildah's FROM <ref> comment marks the build's first step exactly: a different boundary means
  // the Dockerfile lacks (or adds) steps at the start of its target.
  if (base.signal === 'buildah-comment' && base.historyIndex !== a.boundary) {
    const at = history[Math.min(base.historyIndex, a.boundary)];
    status.warnings.push(
      `${label}: the image's history (buildah's FROM comment) starts the build at "${short(instructionOf(at?.created_by))}", ` +
        `the Dockerfile does not; Dockerfile ignored, attribution from history only`,
    );
    return undefined;
  }
  // BuildKit's comment run, and the legacy builder's comment-less run, can only reach further back
  // than the build (into a base made the same way): a one-sided check, and a warning otherwise.
  const oneSided = base.signal === 'buildkit-comment' || base.signal === 'comment-change';
  const by = base.signal === 'buildkit-comment' ? 'BuildKit' : 'the legacy builder';
  if (oneSided && a.boundary < base.historyIndex) {
    status.warnings.push(`${label}: the Dockerfile claims history entries ${by} did not write; Dockerfile ignored, attribution from history only`);
    return undefined;
  }
  const warnings = [...status.warnings];
  if (oneSided && a.boundary > base.historyIndex) {
    const n = a.boundary - base.historyIndex;
    warnings.push(
      `${label}: ${n} history entr${n === 1 ? 'y' : 'ies'} before the first aligned step look${n === 1 ? 's' : ''} written by ${by} too: ` +
        `credited to the base image, which is right only if the base was built the same way (else the Dockerfile lacks steps)`,
    );
  }
  const baseRef = chain[0].from;
  const origins = imageOnly.map((o) => {
    const hi = o.historyIndex;
    if (hi === undefined) return o;
    if (hi < a.boundary) return { index: o.index, instruction: o.instruction, historyIndex: hi, base: baseRef, line: chain[0].line };
    const step = a.steps.get(hi);
    return step ? stepOrigin(df, step, o.index, hi) : o;
  });
  const out: AttributionStatus = {
    ...status,
    warnings,
    source: 'dockerfile',
    baseLayers: origins.filter((o) => o.base !== undefined).length,
    baseRef,
    baseSignal: 'dockerfile',
    target: stageLabel(chain[chain.length - 1]),
  };
  if (baseRef === 'scratch') delete out.baseRef;
  const steps = historySteps(history, origins, (i): Partial<StepOrigin> | undefined => {
    if (i < a.boundary) return { base: baseRef };
    const st = a.steps.get(i);
    return st && { instruction: st.text, stage: stageLabel(df.stages[st.stage]), line: st.line, endLine: st.endLine };
  });
  return { origins, steps, status: out };
}

function short(s: string): string {
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

function fromProvenance(input: AttributionInput, imageOnly: LayerOrigin[], status: AttributionStatus): Attribution | undefined {
  const p = readProvenance(input.provenance);
  if (!p) {
    status.warnings.push('provenance: not BuildKit SLSA provenance (v0.2 or v1); ignored');
    return undefined;
  }
  if (!p.dockerfile || p.layers.size === 0 || p.locations.size === 0) {
    status.warnings.push('provenance: no Dockerfile source or layer map (built with mode=min?); ignored');
    return undefined;
  }
  const label = `provenance:${p.dockerfile.filename}`;
  let df: ParsedDockerfile;
  let chain: DockerfileStage[];
  try {
    df = parseDockerfile(p.dockerfile.text, p.buildArgs, label);
    chain = stageChain(df, p.target, label);
  } catch (e) {
    status.warnings.push(`${(e as Error).message}; provenance ignored`);
    return undefined;
  }
  const inChain = new Set(chain.map((s) => s.index));
  const stepsByLine = new Map<number, DockerfileStep[]>();
  for (const s of df.stages) for (const st of s.steps) stepsByLine.set(st.line, [...(stepsByLine.get(st.line) ?? []), st]);
  const digests = input.layerDigests ?? [];
  const steps = layerSteps(p, digests);
  let missing = 0;
  const origins = imageOnly.map((o, i) => {
    const sid = steps[i];
    if (!sid) {
      missing++;
      return o;
    }
    const ranges = p.locations.get(sid) ?? [];
    // One LLB step can serve several lines (identical FROMs are deduplicated): prefer the target's stages.
    const candidates = ranges.flatMap((r) => (stepsByLine.get(r.line) ?? []).map((st) => ({ st, r })));
    const pick = candidates.find((c) => inChain.has(c.st.stage)) ?? candidates[0];
    if (pick) return stepOrigin(df, pick.st, i, o.historyIndex);
    const froms = ranges.map((r) => df.stages.find((s) => s.line === r.line)).filter((s): s is DockerfileStage => !!s);
    const from = froms.find((s) => inChain.has(s.index)) ?? froms[0];
    const image = p.images.get(sid);
    if (from || image) {
      const b: LayerOrigin = { index: i, instruction: o.instruction, base: from && from.fromStage === undefined ? from.from : (image ?? from!.from) };
      if (o.historyIndex !== undefined) b.historyIndex = o.historyIndex;
      if (from) b.line = from.line;
      return b;
    }
    missing++;
    return o;
  });
  if (missing === imageOnly.length) {
    status.warnings.push('provenance: its layer map matches none of the image\'s layers; ignored');
    return undefined;
  }
  const warnings = [...status.warnings];
  if (missing > 0) warnings.push(`provenance: ${missing} layer(s) not in its layer map; those use the history`);
  const baseOrigin = origins.find((o) => o.base !== undefined);
  return {
    steps: [],
    origins,
    status: {
      source: 'provenance',
      warnings,
      baseLayers: origins.filter((o) => o.base !== undefined).length,
      ...(baseOrigin?.base ? { baseRef: baseOrigin.base } : {}),
      baseSignal: 'provenance',
      target: stageLabel(chain[chain.length - 1]),
    },
  };
}
