import type { DockerfileStep } from '../analysis/attribution/dockerfile.js';

/** The shapes `msb fix`'s planner (plan.ts) and its apt rewrites (apt.ts) share. */

export interface Rewrite {
  /** Finding rules it fixes, e.g. ["waste-deleted"]. */
  rules: string[];
  /** Predicted bytes saved. */
  bytes: number;
  /** What changes and why, one line. */
  why: string;
  /** What in the image proves it, one fact a line (packages and what pulled them in). */
  evidence?: string[];
}

export interface Suggestion extends Rewrite {
  line?: number;
}

/** One instruction and what the rewrites do to it, composed. */
export interface Edit {
  step: DockerfileStep;
  /** A command run first in a RUN (`cmd && ...`): an `apt-get update` joined to its install. */
  prefix?: string;
  /** Commands appended to a RUN (`&& cmd`). */
  append: string[];
  /** RUN text substitutions ([from, to]). */
  replace: Array<[RegExp, string]>;
  /** COPY: the new sources/dest pairs (narrowing) and flags to add. */
  copies?: Array<[string, string]>;
  flags: string[];
  remove: boolean;
  /** A line inserted before the instruction (USER). */
  prepend?: string;
  rewrites: Rewrite[];
}
