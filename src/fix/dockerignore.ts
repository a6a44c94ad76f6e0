import { posix } from 'node:path';
import type { DockerfileStep, ParsedDockerfile } from '../analysis/attribution/dockerfile.js';
import { resolvePath } from '../analysis/findings/tree.js';
import type { InspectResult } from '../pipeline/types.js';
import type { Suggestion } from './plan.js';

/**
 * `.dockerignore` lines for what the build context leaked into the image through a COPY/ADD of the
 * context: a `.git` the final image carries, sources, objects, caches and secrets that arrived with
 * `COPY . .`. Pure: the attributed inspect result and the Dockerfile's steps in, lines out.
 *
 * A line is only written when the Dockerfile shows no build step can have read it: a VCS directory
 * (`.git`, `.hg`, `.svn`) brought by a COPY after which its stage runs no RUN (only a RUN reads files
 * during a build; the tool need not be the `git` binary: cargo reads a git dependency's `.git`
 * through libgit2), in an image that has no such VCS tool to read it at run time either. Everything
 * else the context leaked may be a build input (a prebuilt file a RUN copies, a generated source), so
 * it is a suggestion, printed and never written; sources and build files are not even suggested.
 */

export interface IgnoreLine {
  /** The pattern, relative to the build context (`.git`, `app/.git`). */
  pattern: string;
  /** Bytes the image carries under it from this COPY. */
  bytes: number;
  rules: string[];
  /** Dockerfile line of the COPY/ADD that brought it. */
  line: number;
  why: string;
}

export interface IgnorePlan {
  lines: IgnoreLine[];
  suggestions: Suggestion[];
  /** Σ of the lines' bytes. */
  bytes: number;
}

const VCS: Record<string, string> = { '.git': 'git', '.hg': 'hg', '.svn': 'svn' };
const BIN_DIRS = ['usr/bin', 'bin', 'usr/local/bin', 'usr/sbin', 'sbin', 'usr/local/sbin'];
const NOT_CONTEXT = /^(?:https?|git|ssh):\/\/|^git@/;

/** The WORKDIR in effect at `step`: its stage's WORKDIRs before it (relative ones joined), after those of the stage it is built FROM. */
function workdirAt(df: ParsedDockerfile, step: DockerfileStep): string {
  const stage = df.stages[step.stage];
  let wd = stage.fromStage !== undefined ? workdirAt(df, { ...step, stage: stage.fromStage, line: Infinity }) : '/';
  for (const s of stage.steps) {
    if (s.line >= step.line) break;
    if (s.keyword !== 'WORKDIR') continue;
    const arg = s.args.trim();
    wd = arg.startsWith('/') ? arg : `${wd.replace(/\/+$/, '')}/${arg}`;
  }
  return wd;
}

/**
 * A COPY/ADD of one directory of the build context (no --from, no URL, no glob): its source relative
 * to the context and where its contents land in the image (relative to /). A file at DEST/x came
 * from SRC/x.
 */
function contextCopy(df: ParsedDockerfile, step: DockerfileStep): { src: string; dest: string } | undefined {
  if ((step.keyword !== 'COPY' && step.keyword !== 'ADD') || step.flags.from !== undefined) return undefined;
  const sources = step.sources ?? [];
  if (sources.length !== 1 || NOT_CONTEXT.test(sources[0]) || /[*?[]/.test(sources[0])) return undefined;
  const destRaw = step.dest ?? '';
  return { src: norm(sources[0]), dest: norm(destRaw.startsWith('/') ? destRaw : `${workdirAt(df, step)}/${destRaw}`).replace(/^\/+/, '') };
}

/** `./src/`, `src/.` → `src`; `.` → '' (posix rules, as the builder applies them). */
const norm = (p: string) => posix.normalize(p).replace(/^\.$/, '').replace(/^\.\//, '').replace(/\/+$/, '');

export function planIgnore(result: InspectResult, df: ParsedDockerfile, existing: string | undefined): IgnorePlan {
  const steps = df.stages.flatMap((s) => s.steps);
  const have = new Set((existing ?? '').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
  const lines = new Map<string, IgnoreLine>();
  const suggestions: Suggestion[] = [];
  const stepAt = (line: number | undefined) => (line === undefined ? undefined : steps.find((s) => s.line === line));
  const finalStage = Math.max(...steps.map((s) => s.stage));
  const hasTool = (tool: string) => BIN_DIRS.some((d) => resolvePath(result.analysis.root, `${d}/${tool}`) !== undefined);

  for (const f of result.findings.findings) {
    // What a build reads by design (sources, headers, build files) is never proposed for .dockerignore.
    if (f.bytes <= 0 || !(f.category === 'cache' || f.category === 'secret' || f.rule === 'source-vcs' || f.rule === 'source-objects')) continue;
    const step = stepAt(result.layers[f.layer]?.origin.line);
    const copy = step && step.stage === finalStage ? contextCopy(df, step) : undefined;
    if (!step || !copy) continue;
    const runsAfter = steps.some((s) => s.stage === step.stage && s.line > step.line && s.keyword === 'RUN');
    const { src, dest } = copy;
    const toContext = (p: string): string | undefined => {
      const rel = p.replace(/^\/+/, '');
      if (dest && rel !== dest && !rel.startsWith(`${dest}/`)) return undefined;
      const inside = dest ? rel.slice(dest.length).replace(/^\/+/, '') : rel;
      if (!inside) return undefined;
      return src ? `${src}/${inside}` : inside;
    };
    const leaked: string[] = [];
    let leakedBytes = 0;
    for (const p of f.paths) {
      const ctx = toContext(p.path);
      if (!ctx) continue;
      const parts = ctx.split('/');
      const at = parts.findIndex((x) => VCS[x] !== undefined);
      const tool = at >= 0 ? VCS[parts[at]] : undefined;
      if (f.rule === 'source-vcs' && tool && !runsAfter && !hasTool(tool)) {
        const pattern = parts.slice(0, at + 1).join('/');
        if (have.has(pattern) || have.has(`/${pattern}`)) continue;
        const l = lines.get(pattern);
        if (l) l.bytes += p.bytes;
        else lines.set(pattern, { pattern, bytes: p.bytes, rules: [f.rule], line: step.line, why: `the build context's ${pattern} (${tool} metadata) comes in with line ${step.line}; no RUN follows it in its stage and the image has no ${tool}, so nothing in the build read it` });
      } else {
        const shown = at >= 0 ? parts.slice(0, at + 1).join('/') : ctx;
        if (!leaked.includes(shown)) leaked.push(shown);
        leakedBytes += p.bytes;
      }
    }
    if (leaked.length) {
      suggestions.push({
        line: step.line,
        rules: [f.rule],
        bytes: leakedBytes,
        why: `${leaked[0]}${leaked.length > 1 ? ` and ${leaked.length - 1} more` : ''} came from the build context with line ${step.line}: list ${leaked.length > 1 ? 'them' : 'it'} in .dockerignore if the build does not read ${leaked.length > 1 ? 'them' : 'it'}`,
      });
    }
  }
  for (const l of nodeModulesLines(result, df, steps, have)) if (!lines.has(l.pattern)) lines.set(l.pattern, l);
  const out = [...lines.values()];
  return { lines: out, suggestions, bytes: out.reduce((s, l) => s + l.bytes, 0) };
}

/** `npm ci` deletes node_modules before it installs (npm documents it): what was there is never read. */
const NPM_CI = /(?:^|[\s;&|(])npm\s+ci\b/;

/**
 * A `node_modules` the build context brought in with a COPY/ADD of the context that the stage's next
 * RUN, an `npm ci`, deleted whole: every byte of it shipped and was hidden (waste), and no build step
 * read it between. The line saves those bytes and never changes what the build sees.
 */
function nodeModulesLines(result: InspectResult, df: ParsedDockerfile, steps: DockerfileStep[], have: Set<string>): IgnoreLine[] {
  const out: IgnoreLine[] = [];
  for (const layer of result.layers) {
    const step = steps.find((s) => s.line === layer.origin.line);
    const copy = step && contextCopy(df, step);
    if (!step || !copy) continue;
    const next = steps.find((s) => s.stage === step.stage && s.line > step.line && s.keyword === 'RUN');
    if (!next || !NPM_CI.test(next.args) || next.heredoc) continue;
    const { src, dest } = copy;
    const nm = `${dest ? `${dest}/` : ''}node_modules`;
    const files = layer.stats.changes.filter((c) => (c.path === nm || c.path.startsWith(`${nm}/`)) && c.entryKind !== 'dir');
    if (files.length === 0) continue;
    const ciLayer = result.layers.find((l) => l.origin.line === next.line);
    const hidden = new Map(result.analysis.waste.filter((w) => w.shippedIn === layer.index && w.hiddenBy === ciLayer?.index).map((w) => [w.path, w.bytes]));
    // Every file of it, links included, hidden by the npm ci layer: none of it ships visibly.
    if (!ciLayer || !files.every((c) => c.entryKind !== 'file' || hidden.has(c.path))) continue;
    if (files.some((c) => c.entryKind !== 'file' && c.entryKind !== 'hardlink' && c.entryKind !== 'symlink')) continue;
    const pattern = src ? `${src}/node_modules` : 'node_modules';
    if (have.has(pattern) || have.has(`/${pattern}`) || have.has(`${pattern}/`)) continue;
    const bytes = files.reduce((sum, c) => sum + (hidden.get(c.path) ?? 0), 0);
    if (bytes <= 0) continue;
    out.push({ pattern, bytes, rules: ['waste-deleted'], line: step.line, why: `the build context's ${pattern} comes in with line ${step.line}, and \`npm ci\` on line ${next.line}, the next RUN, deletes it before it installs: it ships, hidden, and nothing reads it` });
  }
  return out;
}

/** The `.dockerignore` text with the plan's lines appended (a missing file is created). */
export function applyIgnore(existing: string | undefined, plan: IgnorePlan): string {
  const base = existing ?? '';
  const sep = base === '' || base.endsWith('\n') ? '' : '\n';
  return `${base}${sep}${plan.lines.map((l) => `${l.pattern}\n`).join('')}`;
}
