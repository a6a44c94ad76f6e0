import { parseDockerfile } from '../analysis/attribution/dockerfile.js';
import type { InspectResult } from '../pipeline/types.js';
import { planIgnore, type IgnorePlan } from './dockerignore.js';
import { planFixes, type FixPlan, type PlanOptions } from './plan.js';
import { planSplit } from './split.js';

/**
 * Everything `msb fix` proposes for a result and its Dockerfile, from one parse of the Dockerfile:
 * the Dockerfile's hunks and suggestions (with the split of a single-stage native build among the
 * suggestions, or, where it is shown safe, as the whole patch) and the .dockerignore lines. `msb fix` and the terminal UI's Fix view both show this.
 */
export interface FullPlan {
  plan: FixPlan;
  ignore: IgnorePlan;
  /** Predicted bytes of everything applied: the hunks and the .dockerignore lines. */
  bytes: number;
}

/** `existingIgnore`: the .dockerignore text the build reads, undefined when there is none. */
export function planAll(result: InspectResult, dockerfileText: string, opts: PlanOptions, existingIgnore: string | undefined): FullPlan {
  const df = parseDockerfile(dockerfileText, opts.buildArgs ?? {});
  const plan = planFixes(result, dockerfileText, opts, df);
  const split = planSplit(result, df, dockerfileText, opts.harden);
  const ignore = planIgnore(result, df, existingIgnore);
  if (split?.hunks) {
    // The build stage is no longer shipped: rewrites there (and .dockerignore lines for what it
    // copied) save no image bytes, so the split is the whole patch.
    const bytes = split.hunks.reduce((s, h) => s + h.rewrites.reduce((t, r) => t + r.bytes, 0), 0);
    const kept = plan.suggestions.filter((s) => s.bytes === 0 && !s.rules.includes('hardening-root'));
    return { plan: { hunks: split.hunks, suggestions: kept, bytes }, ignore: { lines: [], suggestions: [], bytes: 0 }, bytes };
  }
  if (split?.suggestion) plan.suggestions.push(split.suggestion);
  // A .dockerignore line that keeps the deleted files out says the same as the suggestion to delete
  // them where they are made (a COPY cannot): the line is the fix.
  const ignored = new Set(ignore.lines.filter((l) => l.rules.includes('waste-deleted')).map((l) => l.line));
  plan.suggestions = plan.suggestions.filter((s) => !(s.rules.includes('waste-deleted') && s.line !== undefined && ignored.has(s.line)));
  return { plan, ignore, bytes: plan.bytes + ignore.bytes };
}
