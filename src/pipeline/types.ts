import type { ImageDiff } from '../analysis/diff.js';
import type { FindingsResult } from '../analysis/findings/find.js';
import type { Attribution, LayerOrigin } from '../analysis/origin.js';
import type { Analysis, LayerStats, WasteKind } from '../analysis/types.js';
import type { FindingCategory } from '../analysis/findings/types.js';
import type { HistoryEntry, Image } from '../source/types.js';
import type { Compression } from '../walk/types.js';
import type { LayerCache } from './layer-cache.js';

/**
 * The one result type of the pipeline (src/pipeline/inspect.ts): everything msb knows about one
 * image after one walk. Reports, the CI gate and the terminal UI only render it; none of them calls
 * an analysis function. docs/architecture.md describes each part.
 */
export interface InspectResult {
  /**
   * The image model as its source describes it: reference, source kind, manifest digest, tags,
   * notes on how it was read, the config (platform, history, entrypoint), the manifest, and its
   * layer blobs (diff_id, digest, media type, where the bytes live).
   */
  image: Image;
  /** One per layer, bottom first: the blob, what the walk found, where it came from. */
  layers: LayerResult[];
  /** The merged filesystem: the final tree, per-layer stats and changes, every wasted copy. */
  analysis: Analysis;
  /** Which instruction, Dockerfile line and stage made each layer, and how that was found. */
  attribution: Attribution;
  /** Stray build artifacts, secrets and waste, each with the bytes the fix saves. */
  findings: FindingsResult;
  summary: InspectSummary;
}

export interface LayerResult {
  index: number;
  /** Digest of the uncompressed tar (config rootfs.diff_ids). */
  diffId: string;
  /** Digest of the stored blob, when the source knows it. */
  digest?: string;
  /** The stored blob's compression, from its first bytes. */
  compression: Compression;
  /** true when the blob's digest and diff_id were checked against its bytes. */
  verified: boolean;
  /** The history entry paired with this layer, when the image has one. */
  history?: HistoryEntry;
  /** Attribution of this layer (instruction, stage, line, COPY --from, base image). */
  origin: LayerOrigin;
  /** Bytes, files, waste and changes of this layer (analysis.layers[index]). */
  stats: LayerStats;
  /** The instruction to show a person: attribution's, else read back from the history; '' if none. */
  instruction: string;
}

export interface InspectSummary {
  layers: number;
  /** Regular files and hardlinks visible in the final filesystem. */
  files: number;
  /** Sum of every layer's regular-file bytes. */
  totalBytes: number;
  /** Bytes visible in the final filesystem (a file with several hardlinks counts once). */
  finalBytes: number;
  /** totalBytes − finalBytes. */
  wastedBytes: number;
  /** finalBytes / totalBytes (1 for an empty image). */
  efficiency: number;
  wasteByKind: Record<WasteKind, number>;
  /** true when every layer's digests were checked against its bytes. */
  verified: boolean;
  /** Bytes shipped by the FROM image's layers. */
  baseBytes: number;
  /** Bytes the findings' fixes would save, none counted twice. */
  potentialSavingsBytes: number;
  findingsBytesByCategory: Record<FindingCategory, number>;
}

/** What `msb diff` knows: both images' results and how their final filesystems differ. */
export interface DiffResult {
  before: InspectResult;
  after: InspectResult;
  diff: ImageDiff;
}

/** Progress of the walk, per layer; `layers` is 0 while a streamed source has not said how many. */
export interface InspectProgress {
  layer: number;
  layers: number;
  /** Stored bytes read of this layer so far. */
  bytesRead: number;
  done: boolean;
}

export interface InspectOptions {
  /** Read every byte and check each layer's blob digest and diff_id. */
  verify?: boolean;
  /** Align this Dockerfile with the image (path; read by the pipeline). */
  dockerfile?: string;
  /** The stage the image was built as (with dockerfile). */
  target?: string;
  /** `K=V` strings as given to --build-arg. */
  buildArgs?: string[];
  signal?: AbortSignal;
  /** Layers walked at once (random-access sources); default 2. */
  concurrency?: number;
  onProgress?: (p: InspectProgress) => void;
  /** Layer-analysis cache (pipeline/layer-cache.ts); none: every layer is walked. */
  layerCache?: LayerCache;
}
