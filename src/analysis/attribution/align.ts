import type { HistoryEntry } from '../../source/types.js';
import { parseCreatedBy, type CreatedBy } from '../instruction.js';
import type { DockerfileStep } from './dockerfile.js';

/**
 * Pairs the target's Dockerfile steps (root stage first, FROM <stage> chains included) with the
 * image history, walking both backwards from the end: the build's steps are the history's tail,
 * and whatever precedes them came from the FROM image. Builders disagree only on ARG (legacy and
 * BuildKit record it, buildah records it without a value), so ARG steps may go unmatched; any
 * other disagreement stops the alignment and names the instruction.
 */

export interface Alignment {
  /** history index → step, for every step that has an entry. */
  steps: Map<number, DockerfileStep>;
  /** Index of the first history entry the build added; entries before it are the base image's. */
  boundary: number;
}

export interface AlignmentFailure {
  step: DockerfileStep;
  reason: string;
}

/** Whitespace-insensitive text; exec-form JSON arrays become their words. */
function norm(s: string): string {
  let t = s.trim();
  if (t.startsWith('[')) {
    try {
      const a = JSON.parse(t) as unknown;
      if (Array.isArray(a)) t = a.join(' ');
    } catch {
      /* shell text that starts with [ */
    }
  }
  return t.replace(/\\\n/g, ' ').replace(/\s+/g, ' ').trim();
}

/** buildah records RUN flags in the command (`/bin/sh -c --mount=type=bind,target=/ctx tar ...`). */
function stripRunFlags(s: string): string {
  return s.replace(/^(?:--(?:mount|network|security)(?:=(?:"[^"]*"|\S*))?\s+)*/, '');
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

export function stepMatches(h: CreatedBy, step: DockerfileStep): boolean {
  if (h.keyword !== step.keyword) return false;
  switch (step.keyword) {
    case 'RUN':
      // A heredoc's recorded form differs between builders; the keyword is what we can check.
      return step.heredoc || norm(stripRunFlags(h.rest)) === norm(step.args);
    case 'COPY':
    case 'ADD': {
      if (!h.dest || !step.dest) return true;
      const a = trimSlash(h.dest);
      const b = trimSlash(step.dest);
      // A relative destination is resolved against WORKDIR by some builders and not by others.
      return a === b || !a.startsWith('/') || !b.startsWith('/') || a.endsWith(`/${b}`) || b.endsWith(`/${a}`);
    }
    case 'ARG':
      return !step.argName || h.rest.split(/[=\s]/)[0] === step.argName;
    default:
      return true;
  }
}

function describe(h: HistoryEntry | null | undefined): string {
  const p = parseCreatedBy(h?.created_by);
  if (!p) return 'an entry without created_by';
  const s = p.rest ? `${p.keyword || '?'} ${p.rest}` : p.keyword;
  return `"${s.length > 60 ? `${s.slice(0, 59)}…` : s}"`;
}

export function alignSteps(
  history: ReadonlyArray<HistoryEntry | null | undefined>,
  steps: readonly DockerfileStep[],
): Alignment | AlignmentFailure {
  const map = new Map<number, DockerfileStep>();
  let i = history.length - 1;
  for (let j = steps.length - 1; j >= 0; j--) {
    const step = steps[j];
    while (i >= 0 && !history[i]) i--; // null entries carry nothing
    if (i < 0) {
      if (step.keyword === 'ARG') continue;
      return { step, reason: 'the image history has no entry left for it' };
    }
    const h = parseCreatedBy(history[i]?.created_by);
    if (h && stepMatches(h, step)) {
      map.set(i, step);
      i--;
      continue;
    }
    if (step.keyword === 'ARG') continue;
    return { step, reason: `the image history has ${describe(history[i])} there` };
  }
  return { steps: map, boundary: i + 1 };
}

export function isFailure(a: Alignment | AlignmentFailure): a is AlignmentFailure {
  return 'reason' in a;
}
