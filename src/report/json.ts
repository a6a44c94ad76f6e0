import {
  attributionJson, entryAttribution, fileList, layerAttribution,
  type AttributionJson, type EntryAttributionJson, type FileJson, type LayerAttributionJson, type StepJson,
} from './attribution.js';
import type { HistoryEntry, SourceKind } from '../source/types.js';
import type { WasteKind } from '../analysis/types.js';
import type { GateResult } from './gate.js';
import type { CiVerdict } from './ci.js';
import type { Finding } from '../analysis/findings/types.js';
import type { ToolchainPackage } from '../analysis/findings/find.js';
import type { RuntimeSet } from '../analysis/findings/runtime.js';
import type { InspectResult, InspectSummary } from '../pipeline/types.js';

/**
 * The JSON report (`msb inspect --json`): a stable, documented schema. Bump schemaVersion on any
 * incompatible change; adding fields is compatible. Every field is described in the README.
 */
export interface JsonReport {
  schemaVersion: 1;
  image: {
    /** What was inspected, as given on the command line. */
    reference: string;
    source: SourceKind;
    os: string | null;
    architecture: string | null;
    variant?: string;
    /** Manifest digest, when the source has a manifest. */
    digest?: string;
    configDigest?: string;
    tags: string[];
    /** How the image was read, e.g. which of several images in an archive. */
    notes: string[];
    /**
     * Present when a registry image was served from msb's cache without asking the registry:
     * why (`--offline` or the connection failure) and, for a tag, when its manifest was fetched.
     */
    offline?: { reason: string; fetchedAt?: string; ageSeconds?: number };
  };
  /** As InspectSummary (see pipeline/types.ts), with efficiency rounded to 6 decimals. */
  summary: InspectSummary;
  layers: Array<{
    index: number;
    diffId: string;
    /** Stored blob digest, when known. */
    digest?: string;
    compression: 'none' | 'gzip' | 'zstd';
    bytes: number;
    files: number;
    /** The history entry's created_by, or null when the image has no history for this layer. */
    createdBy: string | null;
    created?: string;
    comment?: string;
    wastedBytes: number;
    /** Bytes of lower layers that this layer hid (overwrote, re-chmodded or deleted). */
    hidBytes: number;
  } & LayerAttributionJson>;
  /** Attribution is that of the shipping layer (shippedIn). */
  waste: Array<{
    path: string;
    bytes: number;
    kind: WasteKind;
    shippedIn: number;
    hiddenBy: number;
  } & EntryAttributionJson>;
  /** Where layers[].instruction/stage/line came from, and why it may be incomplete. */
  attribution: AttributionJson;
  /** Every build step in the history (ENV, CMD... too) with its instruction, line and stage. */
  steps: StepJson[];
  /** With --files: every entry of the final filesystem. */
  files?: FileJson[];
  /** The full build history, including steps that produced no layer. */
  history: HistoryEntry[];
  /** Present when CI gate limits were given (--max-size, --max-waste, --min-efficiency, ...). */
  gate?: GateResult;
  /** Present in CI mode (--ci, a rules file, --baseline): every rule's verdict, docs/ci.md. */
  ci?: CiVerdict;
  /** Stray build artifacts, secrets and waste, biggest first (secrets first), each with its fix. */
  findings: Finding[];
  /** Toolchain packages from the image's package database (dpkg/apk), with their visible bytes. */
  toolchainPackages: ToolchainPackage[];
  /** What the entrypoint needs (files, packages, how each was found): kept, never called removable. */
  runtime: RuntimeSet;
}

export interface JsonReportOptions {
  /** Include the per-file list. */
  files?: boolean;
}

/** The JSON report of an inspect result: a mapping, no analysis. */
export function buildJsonReport(result: InspectResult, opts: JsonReportOptions = {}): JsonReport {
  const { image, analysis, attribution, findings, summary: s } = result;
  const origins = attribution.origins;
  return {
    schemaVersion: 1,
    image: {
      reference: image.reference,
      source: image.source,
      os: image.config.os ?? null,
      architecture: image.config.architecture ?? null,
      ...(image.config.variant ? { variant: image.config.variant } : {}),
      ...(image.digest ? { digest: image.digest } : {}),
      ...(image.configDigest ? { configDigest: image.configDigest } : {}),
      tags: image.tags,
      notes: image.notes,
      ...(image.offline ? { offline: { reason: image.offline.reason, ...(image.offline.fetchedAt ? { fetchedAt: image.offline.fetchedAt, ageSeconds: image.offline.ageSeconds } : {}) } } : {}),
    },
    summary: {
      layers: s.layers,
      files: s.files,
      totalBytes: s.totalBytes,
      finalBytes: s.finalBytes,
      wastedBytes: s.wastedBytes,
      efficiency: Math.round(s.efficiency * 1e6) / 1e6,
      wasteByKind: s.wasteByKind,
      verified: s.verified,
      baseBytes: s.baseBytes,
      potentialSavingsBytes: s.potentialSavingsBytes,
      findingsBytesByCategory: s.findingsBytesByCategory,
    },
    layers: result.layers.map((l) => ({
      index: l.index,
      diffId: l.diffId,
      ...(l.digest ? { digest: l.digest } : {}),
      compression: l.compression,
      bytes: l.stats.bytes,
      files: l.stats.files,
      createdBy: l.history?.created_by ?? null,
      ...(l.history?.created ? { created: l.history.created } : {}),
      ...(l.history?.comment ? { comment: l.history.comment } : {}),
      wastedBytes: l.stats.wastedBytes,
      hidBytes: l.stats.hidBytes,
      ...layerAttribution(l.origin),
    })),
    waste: analysis.waste.map((w) => ({
      path: `/${w.path}`, bytes: w.bytes, kind: w.kind, shippedIn: w.shippedIn, hiddenBy: w.hiddenBy,
      ...entryAttribution(origins[w.shippedIn]),
    })),
    history: Array.isArray(image.config.history) ? image.config.history : [],
    attribution: attributionJson(attribution),
    steps: attribution.steps,
    ...(opts.files ? { files: fileList(analysis.root, origins) } : {}),
    findings: findings.findings,
    toolchainPackages: findings.toolchainPackages,
    runtime: findings.runtime,
  };
}
