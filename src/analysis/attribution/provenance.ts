/**
 * Reads BuildKit's SLSA provenance (mode=max), both predicate shapes:
 * - v0.2: predicate.buildConfig.llbDefinition, predicate.invocation.parameters.args,
 *   predicate.metadata["https://mobyproject.org/buildkit@v1#metadata"].{source,layers};
 * - v1:   predicate.buildDefinition.internalParameters.buildConfig.llbDefinition,
 *   predicate.buildDefinition.externalParameters.request.args,
 *   predicate.runDetails.metadata.buildkit_metadata.{source,layers}.
 * source.infos[].data is the Dockerfile (base64), source.locations maps an LLB step ("step3") to
 * Dockerfile ranges, and layers maps a step output ("step3:0") to the layer chains of its result.
 */

export const SLSA_V02 = 'https://slsa.dev/provenance/v0.2';
export const SLSA_V1 = 'https://slsa.dev/provenance/v1';
const BK_META = 'https://mobyproject.org/buildkit@v1#metadata';

export interface ProvenanceRange {
  line: number;
  endLine: number;
}

export interface Provenance {
  predicateType: string;
  /** The Dockerfile the build ran, when mode=max recorded it. */
  dockerfile?: { filename: string; text: string };
  /** Build args (`build-arg:K` request args) and the target stage, when recorded. */
  buildArgs: Record<string, string>;
  target?: string;
  /** LLB step id → Dockerfile line ranges of the commands it ran (1-based). */
  locations: Map<string, ProvenanceRange[]>;
  /** LLB step id → the layer-digest chains of its result. */
  layers: Map<string, string[][]>;
  /** LLB step id → docker-image reference, for image source steps. */
  images: Map<string, string>;
}

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

/** Parses an in-toto statement; undefined when it is not BuildKit provenance with source maps. */
export function readProvenance(statement: unknown): Provenance | undefined {
  const st = obj(statement);
  const predicateType = typeof st?.predicateType === 'string' ? st.predicateType : '';
  const pred = obj(st?.predicate);
  if (!pred) return undefined;
  let meta: Json | undefined;
  let llb: unknown;
  let args: Json | undefined;
  if (predicateType.startsWith(SLSA_V1)) {
    meta = obj(obj(obj(pred.runDetails)?.metadata)?.buildkit_metadata);
    const bd = obj(pred.buildDefinition);
    llb = obj(obj(bd?.internalParameters)?.buildConfig)?.llbDefinition;
    args = obj(obj(obj(bd?.externalParameters)?.request)?.args);
  } else if (predicateType.startsWith(SLSA_V02)) {
    meta = obj(obj(pred.metadata)?.[BK_META]);
    llb = obj(pred.buildConfig)?.llbDefinition;
    args = obj(obj(obj(pred.invocation)?.parameters)?.args);
  } else return undefined;
  // mode=min leaves out the BuildKit metadata: still provenance, but nothing to attribute with.
  meta ??= {};
  const source = obj(meta.source);
  const infos = Array.isArray(source?.infos) ? (source!.infos as Json[]) : [];
  const dfIndex = infos.findIndex((i) => obj(i)?.language === 'Dockerfile' || /dockerfile/i.test(String(obj(i)?.filename ?? '')));
  const info = dfIndex >= 0 ? obj(infos[dfIndex]) : undefined;
  const out: Provenance = { predicateType, buildArgs: {}, locations: new Map(), layers: new Map(), images: new Map() };
  if (info && typeof info.data === 'string') {
    out.dockerfile = { filename: String(info.filename ?? 'Dockerfile'), text: Buffer.from(info.data, 'base64').toString('utf8') };
  }
  for (const [k, v] of Object.entries(args ?? {})) {
    if (k.startsWith('build-arg:') && typeof v === 'string') out.buildArgs[k.slice(10)] = v;
    if (k === 'target' && typeof v === 'string' && v) out.target = v;
  }
  for (const [step, locs] of Object.entries(obj(source?.locations) ?? {})) {
    const list = obj(locs)?.locations;
    if (!Array.isArray(list)) continue;
    const ranges: ProvenanceRange[] = [];
    for (const l of list) {
      // sourceIndex is omitted when 0 (protobuf JSON omitempty).
      if (Number(obj(l)?.sourceIndex ?? 0) !== Math.max(dfIndex, 0)) continue;
      for (const r of (obj(l)?.ranges as Json[] | undefined) ?? []) {
        const start = Number(obj(obj(r)?.start)?.line ?? 0);
        const end = Number(obj(obj(r)?.end)?.line ?? start);
        if (start > 0) ranges.push({ line: start, endLine: Math.max(start, end) });
      }
    }
    if (ranges.length) out.locations.set(step, ranges);
  }
  for (const [key, chains] of Object.entries(obj(meta.layers) ?? {})) {
    if (!Array.isArray(chains)) continue;
    const step = key.replace(/:\d+$/, '');
    const list = out.layers.get(step) ?? [];
    for (const c of chains) if (Array.isArray(c)) list.push(c.map((d) => String(obj(d)?.digest ?? '')));
    out.layers.set(step, list);
  }
  if (Array.isArray(llb)) {
    for (const s of llb) {
      const id = obj(s)?.id;
      const ident = obj(obj(obj(obj(s)?.op)?.Op)?.source)?.identifier;
      if (typeof id === 'string' && typeof ident === 'string' && ident.startsWith('docker-image://')) {
        out.images.set(id, ident.slice('docker-image://'.length));
      }
    }
  }
  return out;
}

/**
 * For each image layer, the LLB step that produced it: the step with the shortest layer chain that
 * matches the image's layers up to and including this one (an image source step's chain covers all
 * the base layers; a RUN's chain ends with its own layer). undefined where no chain matches.
 */
export function layerSteps(p: Provenance, layerDigests: readonly (string | undefined)[]): (string | undefined)[] {
  // How far each chain agrees with the image, computed once: then each layer is a scan of chains.
  const chains: Array<{ step: string; length: number; agree: number }> = [];
  for (const [step, list] of p.layers) {
    for (const c of list) {
      let agree = 0;
      while (agree < c.length && agree < layerDigests.length && c[agree] === layerDigests[agree]) agree++;
      if (agree > 0) chains.push({ step, length: c.length, agree });
    }
  }
  return layerDigests.map((_, i) => {
    let best: { step: string; length: number } | undefined;
    for (const c of chains) if (c.agree > i && (!best || c.length < best.length)) best = c;
    return best?.step;
  });
}
