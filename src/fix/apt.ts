import prettyBytes from 'pretty-bytes';
import type { DockerfileStep } from '../analysis/attribution/dockerfile.js';
import { aptInstalls } from '../analysis/findings/recommends.js';
import type { InspectResult } from '../pipeline/types.js';
import type { Edit, Suggestion } from './types.js';

/**
 * The apt rewrites of `msb fix`: `--no-install-recommends` where the image shows packages only
 * Recommends brought in, and a RUN that only runs `apt-get update` joined to the install RUN
 * after it (so the lists can be removed in the RUN that used them). Pure, like plan.ts.
 */

export interface AptContext {
  result: InspectResult;
  /** Every instruction of the Dockerfile, in order. */
  steps: DockerfileStep[];
  stepOfLayer: (layer: number) => DockerfileStep | undefined;
  editOf: (step: DockerfileStep) => Edit;
  suggestions: Suggestion[];
  shellRun: (step: DockerfileStep) => boolean;
}

const UPDATE_ONLY = /^apt(?:-get)?(?:\s+-[-\w.:=]+)*\s+update(?:\s+-[-\w.:=]+)*$/;
const INSTALL = /\b(apt(?:-get)?(?:\s+(?:-o\s+\S+|-[-\w.:=]+))*\s+install)\b(?!\s+--no-install-recommends)/g;

/** The RUN whose own command is only `apt-get update` (flags allowed). */
export const updateOnly = (s: DockerfileStep) => s.keyword === 'RUN' && UPDATE_ONLY.test(s.args.trim().replace(/\s+/g, ' '));

/** A RUN between the update and the install that reads or changes apt's state: the update must stay before it. */
const USES_APT = /\b(?:apt|apt-get|apt-cache|apt-key|apt-mark|aptitude|dpkg|add-apt-repository|unattended-upgrade)\b|\/etc\/apt\b|\/var\/lib\/apt\b/;
/** A COPY/ADD into apt's config (a sources list, a key) changes what the update fetches. */
const APT_DEST = /^\/etc\/apt(?:\/|$)/;

/**
 * Each update-only RUN whose next apt install RUN in the stage is reached with no USER in between
 * (the update must keep running as the same user), no RUN in between that uses apt or dpkg (they
 * read the lists the update fetched), and no COPY/ADD into /etc/apt (a sources list changes what it
 * fetches): moved into that RUN, its own line dropped. Both must have made layers in this image.
 * Returns update step → install step.
 */
export function joinAptUpdates(ctx: AptContext): Map<DockerfileStep, DockerfileStep> {
  const made = new Set(ctx.result.layers.map((l) => ctx.stepOfLayer(l.index)).filter((s) => s !== undefined));
  const joined = new Map<DockerfileStep, DockerfileStep>();
  ctx.steps.forEach((s, i) => {
    if (!ctx.shellRun(s) || !updateOnly(s) || !made.has(s)) return;
    const rest = ctx.steps.slice(i + 1).filter((t) => t.stage === s.stage);
    const next = rest.findIndex((t) => t.keyword === 'USER' || (t.keyword === 'RUN' && (USES_APT.test(t.args) || t.heredoc)) || ((t.keyword === 'COPY' || t.keyword === 'ADD') && APT_DEST.test(t.dest ?? '')));
    const t = rest[next];
    if (!t || t.keyword !== 'RUN' || !ctx.shellRun(t) || !made.has(t) || !aptInstalls(t.args)) return;
    joined.set(s, t);
    ctx.editOf(s).remove = true;
    const e = ctx.editOf(t);
    e.prefix = s.args.trim();
    e.rewrites.push({ rules: ['hygiene-apt-update-separate'], bytes: 0, why: `run \`${e.prefix}\` in the RUN that installs (was line ${s.line}): the lists it fetches can then go in that same RUN` });
  });
  return joined;
}

/**
 * Where a fix for an apt cache the RUN `step` left can go: that RUN, or the install RUN it was
 * joined to. Undefined when removing the lists there would break a later install in the stage.
 */
export function aptCacheTarget(ctx: AptContext, step: DockerfileStep, joined: Map<DockerfileStep, DockerfileStep>): DockerfileStep | undefined {
  const to = joined.get(step);
  if (to) return to;
  if (!updateOnly(step)) return step;
  const later = ctx.steps.filter((t) => t.stage === step.stage && t.line > step.line && t.keyword === 'RUN' && aptInstalls(t.args));
  return later.length ? undefined : step;
}

/**
 * `--no-install-recommends` on each shell-form RUN whose apt install let Recommends in, per the
 * image's dpkg database (findings.aptRecommends): what it saves, and which packages. A suggestion
 * instead when the entrypoint needs one of them, or the RUN cannot be rewritten.
 */
export function noInstallRecommends(ctx: AptContext): void {
  for (const r of ctx.result.findings.aptRecommends ?? []) {
    const step = ctx.stepOfLayer(r.layer);
    if (!step) continue; // a base image's layer: not this Dockerfile's to change
    const names = r.recommendsOnly.map((p) => p.name);
    const list = `${names.slice(0, 6).join(', ')}${names.length > 6 ? `, and ${names.length - 6} more` : ''}`;
    const evidence = [
      ...r.recommendsOnly.map((p) => `${p.name} (${r.packages.find((x) => x.name === p.name)?.bytes ?? 0} B of files): pulled in by ${p.recommendedBy.join(', ') || 'nothing installed'}; nothing kept Depends on it`),
      `${r.files} files in all, with their dpkg records, maintainer-script output and debconf's rewrite`,
    ];
    const ok = ctx.shellRun(step) && aptInstalls(step.args) && !aptInstalls(step.args)!.noRecommends;
    if (ok && r.runtimeNeeds.length === 0) {
      const e = ctx.editOf(step);
      e.replace.push([INSTALL, '$1 --no-install-recommends']);
      e.rewrites.push({ rules: ['apt-recommends'], bytes: r.bytes, why: `install with --no-install-recommends: ${list} (${prettyBytes(r.bytes)}) came only through Recommends`, evidence });
    } else {
      const why = r.runtimeNeeds.length
        ? `--no-install-recommends would drop ${r.runtimeNeeds.join(', ')}, which the entrypoint uses: install ${r.runtimeNeeds.length === 1 ? 'it' : 'them'} by name if you add the flag`
        : `install with --no-install-recommends: ${list} came only through Recommends`;
      ctx.suggestions.push({ line: step.line, rules: ['apt-recommends'], bytes: r.bytes, why, evidence });
    }
  }
}
