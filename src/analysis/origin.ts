/**
 * Where a layer came from: the contract between attribution (which fills it from history, a
 * Dockerfile or BuildKit provenance) and its consumers (findings, reports, the TUI).
 */
export interface LayerOrigin {
  index: number;
  /** The Dockerfile instruction as a person wrote it, e.g. "RUN apt-get install -y gcc"; '' if unknown. */
  instruction: string;
  /** Build stage name (or index as a string when unnamed), when known. */
  stage?: string;
  /** 1-based first and last Dockerfile line of the instruction, when known. */
  line?: number;
  endLine?: number;
  /** For `COPY --from=<stage|image>`: the source stage or image and the source path. */
  fromStage?: string;
  fromPath?: string;
  /** Set for layers that came from the FROM image: its reference (or "base image" if unknown). */
  base?: string;
  /** true when `fromStage` names an image (`COPY --from=alpine:3`), not a stage of the Dockerfile. */
  fromImage?: boolean;
  /** Index into the config's history of the entry this layer was paired with, when there is one. */
  historyIndex?: number;
}

/** Where the attribution came from, best first: BuildKit provenance, a given Dockerfile, the history. */
export type AttributionSource = 'provenance' | 'dockerfile' | 'history';

/** How the boundary between the FROM image and the build's own layers was found. */
export type BaseSignal = 'provenance' | 'dockerfile' | 'buildah-comment' | 'buildkit-comment' | 'comment-change' | 'time-gap' | 'none';

export interface AttributionStatus {
  source: AttributionSource;
  /** Why the attribution is less than complete: a Dockerfile that did not align, missing history... */
  warnings: string[];
  /** How many bottom layers came from the FROM image (0 when unknown or FROM scratch). */
  baseLayers: number;
  /** The FROM image reference, when known. */
  baseRef?: string;
  baseSignal: BaseSignal;
  /** The stage the image was built as (last stage unless --target), when a Dockerfile was aligned. */
  target?: string;
}

/** One build step of the history (layer or not: ENV, CMD, ... too), with what is known of it. */
export interface StepOrigin {
  historyIndex: number;
  instruction: string;
  emptyLayer: boolean;
  /** The layer it made, when it made one. */
  layer?: number;
  stage?: string;
  line?: number;
  endLine?: number;
  base?: string;
}

/** Per-layer origins plus how they were obtained; computed once per inspection and shared. */
export interface Attribution {
  origins: LayerOrigin[];
  /** Every non-null history entry, in order. */
  steps: StepOrigin[];
  status: AttributionStatus;
}
