/**
 * Findings: stray build artifacts (toolchains, caches, sources, secrets, ...) with the bytes they
 * cost and the fix. The shape is part of the JSON report (`findings[]`).
 */
/** `hardening` findings (root user, setuid files...) never carry bytes: they are not savings. */
/** `hygiene` findings (a COPY of the context before the install, apt-get update in a RUN of its own) never carry bytes either. */
export type FindingCategory = 'toolchain' | 'cache' | 'source' | 'leftover' | 'secret' | 'waste' | 'hardening' | 'hygiene';
export type Severity = 'high' | 'medium' | 'low';

export interface FindingPath {
  /** A file, or a directory standing for `count` matched files below it. */
  path: string;
  bytes: number;
  count: number;
}

export interface Finding {
  rule: string;
  category: FindingCategory;
  severity: Severity;
  /** Bytes that would go with the fix (no byte counted twice across findings). */
  bytes: number;
  paths: FindingPath[];
  /** Layer that put the bytes there, with its attribution. */
  layer: number;
  instruction: string;
  stage?: string;
  line?: number;
  /** What to change, tied to the instruction. */
  fix: string;
  /** One line: why this matters. */
  why: string;
  /** Toolchain packages behind the bytes (package database evidence), biggest first. */
  packages?: string[];
  /** What proves it: how the files were matched, how sure that is, and the facts behind it (findFindings always sets it). */
  evidence?: FindingEvidence;
}

export interface FindingEvidence {
  /** package-database: dpkg/apk ownership; path: a path rule; content: the file's bytes; config/history: the image config; layers: the merge. */
  basis: 'package-database' | 'path' | 'content' | 'config' | 'history' | 'layers';
  /** low when the runtime set could not be resolved and a toolchain verdict rests on names alone. */
  confidence: 'high' | 'low';
  /** One line each: the packages, files or rule that prove it, and what was kept and why. */
  facts: string[];
}
