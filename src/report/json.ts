import type { Inspection } from '../inspect.js';
import { layerHistory } from '../analysis/history.js';
import type { HistoryEntry, SourceKind } from '../source/types.js';
import type { WasteKind } from '../analysis/types.js';
import type { Finding, FindingCategory } from '../analysis/findings/types.js';
import { findFindings, type ToolchainPackage } from '../analysis/findings/find.js';
import { historyOrigins } from '../analysis/origin.js';

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
  };
  summary: {
    layers: number;
    files: number;
    totalBytes: number;
    finalBytes: number;
    wastedBytes: number;
    efficiency: number;
    wasteByKind: Record<WasteKind, number>;
    /** true when every layer's digests were checked against its bytes. */
    verified: boolean;
    /** Bytes the findings' fixes would save: wasted bytes plus build-only bytes, none counted twice. */
    potentialSavingsBytes: number;
    /** findings[].bytes summed per category. */
    findingsBytesByCategory: Record<FindingCategory, number>;
  };
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
  }>;
  waste: Array<{
    path: string;
    bytes: number;
    kind: WasteKind;
    shippedIn: number;
    hiddenBy: number;
  }>;
  /** The full build history, including steps that produced no layer. */
  history: HistoryEntry[];
  /** Stray build artifacts, secrets and waste, biggest first (secrets first), each with its fix. */
  findings: Finding[];
  /** Toolchain packages from the image's package database (dpkg/apk), with their visible bytes. */
  toolchainPackages: ToolchainPackage[];
}

export function buildJsonReport(ins: Inspection): JsonReport {
  const { image, analysis, contents } = ins;
  const hist = layerHistory(image.config, image.layers.length);
  const wasteByKind: Record<WasteKind, number> = { overwritten: 0, metadata: 0, deleted: 0 };
  for (const w of analysis.waste) wasteByKind[w.kind] += w.bytes;
  // Findings phrase their fixes with whatever the origins know (stage, line, COPY --from).
  const found = findFindings({ analysis, contents, origins: historyOrigins(image.config, image.layers.length) });
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
    },
    summary: {
      layers: image.layers.length,
      files: analysis.files,
      totalBytes: analysis.totalBytes,
      finalBytes: analysis.finalBytes,
      wastedBytes: analysis.wastedBytes,
      efficiency: Math.round(analysis.efficiency * 1e6) / 1e6,
      wasteByKind,
      verified: contents.every((c) => c.verified),
      potentialSavingsBytes: found.potentialSavingsBytes,
      findingsBytesByCategory: found.bytesByCategory,
    },
    layers: analysis.layers.map((l, i) => ({
      index: l.index,
      diffId: image.layers[i].diffId,
      ...(image.layers[i].digest ? { digest: image.layers[i].digest } : {}),
      compression: contents[i].compression,
      bytes: l.bytes,
      files: l.files,
      createdBy: hist[i]?.created_by ?? null,
      ...(hist[i]?.created ? { created: hist[i]!.created } : {}),
      ...(hist[i]?.comment ? { comment: hist[i]!.comment } : {}),
      wastedBytes: l.wastedBytes,
      hidBytes: l.hidBytes,
    })),
    waste: analysis.waste.map((w) => ({ path: `/${w.path}`, bytes: w.bytes, kind: w.kind, shippedIn: w.shippedIn, hiddenBy: w.hiddenBy })),
    history: Array.isArray(image.config.history) ? image.config.history : [],
    findings: found.findings,
    toolchainPackages: found.toolchainPackages,
  };
}
