import prettyBytes from 'pretty-bytes';
import { parseDockerfile, type DockerfileStep, type ParsedDockerfile } from '../analysis/attribution/dockerfile.js';
import type { WasteItem } from '../analysis/types.js';
import type { InspectResult } from '../pipeline/types.js';
import { aptCacheTarget, joinAptUpdates, noInstallRecommends, type AptContext } from './apt.js';
import type { Edit, Rewrite, Suggestion } from './types.js';
import { CACHE_TOOLS, cacheRemoval } from './caches.js';

export type { Edit, Rewrite, Suggestion } from './types.js';

/**
 * `msb fix`: Dockerfile rewrites that the image's own evidence supports, each with the bytes it
 * saves. Pure: the inspect result (attributed to this Dockerfile) and the Dockerfile's text in, a
 * plan out. A rewrite msb cannot show to be safe becomes a suggestion, printed, never applied.
 * Rewrites work on whole instructions, so everything outside them stays byte for byte.
 */

export interface Hunk {
  /** 1-based first and last line of the instruction replaced. */
  line: number;
  endLine: number;
  /** The new text of the instruction (no trailing newline); '' deletes it. */
  text: string;
  rewrites: Rewrite[];
}

export interface FixPlan {
  hunks: Hunk[];
  suggestions: Suggestion[];
  /** Σ of the applied rewrites' bytes. */
  bytes: number;
}

const shellRun = (s: DockerfileStep) => s.keyword === 'RUN' && !s.heredoc && !s.args.trim().startsWith('[');
/** `rm [-rf...] ABS...` alone: what a RUN that only deletes looks like. */
const RM_ONLY = /^rm(?:\s+-[a-zA-Z]+)*((?:\s+\/\S+)+)$/;
const CHMOD_ONLY = /^chmod\s+([0-7]{3,4})((?:\s+\/\S+)+)$/;
/** `chown [-R] USER[:GROUP] ABS...` alone. */
const CHOWN_ONLY = /^chown(?:\s+-[a-zA-Z]+)*\s+([\w.-]+(?::[\w.-]+)?)((?:\s+\/\S+)+)$/;

const under = (path: string, args: string[]) => args.some((a) => path === a || path.startsWith(`${a.replace(/\/+$/, '')}/`));
const abs = (p: string) => `/${p.replace(/^\/+/, '')}`;
const mb = (n: number) => prettyBytes(n);

export interface PlanOptions {
  buildArgs?: Record<string, string>;
  /** Also run the final stage as a non-root user (opt-in: it can break an app that needs root). */
  harden?: boolean;
}

/**
 * Why no patch can be written for this result, if so: a Dockerfile that did not align with the
 * image (a patch for another image would be a guess). Names the instruction that did not match.
 */
export function alignmentProblem(result: InspectResult, dockerfile: string): string | undefined {
  const st = result.attribution.status;
  const bad = st.warnings.find((w) => /not aligned|does not match|no history/i.test(w));
  if (st.source === 'dockerfile' && !bad) return undefined;
  return bad ?? `${dockerfile}: does not match the image; no fix is written`;
}

/** `df` is `dockerfileText` parsed with `opts.buildArgs`; pass it when the caller has it already. */
export function planFixes(result: InspectResult, dockerfileText: string, opts: PlanOptions = {}, df: ParsedDockerfile = parseDockerfile(dockerfileText, opts.buildArgs ?? {})): FixPlan {
  const steps = df.stages.flatMap((s) => s.steps);
  const stepAt = (line: number | undefined) => (line === undefined ? undefined : steps.find((s) => s.line === line));
  const edits = new Map<DockerfileStep, Edit>();
  const editOf = (step: DockerfileStep): Edit => {
    let e = edits.get(step);
    if (!e) edits.set(step, (e = { step, append: [], replace: [], flags: [], remove: false, rewrites: [] }));
    return e;
  };
  const suggestions: Suggestion[] = [];
  const layers = result.layers;
  const stepOfLayer = (i: number) => stepAt(layers[i]?.origin.line);
  /** The next instruction after `a` in its stage that made a layer is `b`: nothing ran in between. */
  const adjacent = (a: number, b: number) => {
    for (let i = a + 1; i < b; i++) if (stepOfLayer(i)?.keyword === 'RUN') return false;
    return stepOfLayer(a)?.stage === stepOfLayer(b)?.stage;
  };

  // Wasted bytes grouped by (kind, shipping layer, hiding layer).
  const groups = new Map<string, { kind: WasteItem['kind']; shipped: number; hidden: number; items: WasteItem[]; bytes: number }>();
  for (const w of result.analysis.waste) {
    const key = `${w.kind}|${w.shippedIn}|${w.hiddenBy}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { kind: w.kind, shipped: w.shippedIn, hidden: w.hiddenBy, items: [], bytes: 0 }));
    g.items.push(w);
    g.bytes += w.bytes;
  }

  // The narrowed COPY --from layers first: a later chmod of a narrowed copy can use --chmod.
  const narrowed = new Map<number, Array<[string, string]>>();
  for (const l of layers) {
    const step = stepOfLayer(l.index);
    const flagged = result.findings.findings.filter((f) => f.layer === l.index && (f.category === 'source' || f.category === 'cache'));
    if (!step || step.keyword !== 'COPY' || !step.flags.from || flagged.length === 0) continue;
    const bytes = flagged.reduce((s, f) => s + f.bytes, 0);
    const flaggedPaths = flagged.flatMap((f) => f.paths.map((p) => abs(p.path)));
    const files = l.stats.changes.filter((c) => c.entryKind === 'file' || c.entryKind === 'hardlink').map((c) => abs(c.path));
    const keep = files.filter((p) => !under(p, flaggedPaths));
    const [src, dest] = [step.sources ?? [], step.dest ?? ''];
    if (keep.length === 0 || keep.length > 4 || src.length !== 1 || !dest.startsWith('/') || !keep.every((p) => under(p, [dest]))) {
      suggestions.push({ line: step.line, rules: [...new Set(flagged.map((f) => f.rule))], bytes, why: `COPY --from=${step.flags.from} copies ${mb(bytes)} of sources, objects or caches: copy only what the image runs` });
      continue;
    }
    const pairs: Array<[string, string]> = keep.map((p) => [`${src[0].replace(/\/+$/, '')}${p.slice(dest.replace(/\/+$/, '').length)}`, p]);
    narrowed.set(l.index, pairs);
    const e = editOf(step);
    e.copies = pairs;
    e.rewrites.push({ rules: [...new Set(flagged.map((f) => f.rule))], bytes, why: `copy only ${keep.join(', ')} from stage ${step.flags.from}: the rest is ${mb(bytes)} of sources, objects or caches` });
  }

  for (const g of groups.values()) {
    const made = stepOfLayer(g.shipped);
    const hid = stepOfLayer(g.hidden);
    const paths = g.items.map((w) => abs(w.path));
    const hiddenCmd = hid && shellRun(hid) ? hid.args.trim() : '';
    const hidOnly = (layer: number) => layers[layer].stats.bytes === 0 && layers[layer].stats.hidBytes === g.bytes;
    if (g.kind === 'deleted') {
      const rm = RM_ONLY.exec(hiddenCmd);
      const args = rm ? rm[1].trim().split(/\s+/) : [];
      if (made && hid && shellRun(made) && rm && paths.every((p) => under(p, args)) && adjacent(g.shipped, g.hidden)) {
        const e = editOf(made);
        e.append.push(hiddenCmd);
        e.rewrites.push({ rules: ['waste-deleted'], bytes: g.bytes, why: `delete ${paths.length === 1 ? `${paths[0]} in the RUN that creates it` : `${paths.length} files in the RUN that creates them`} (line ${hid.line} deletes ${paths.length === 1 ? 'it' : 'them'} a layer later, when the bytes already ship)` });
        if (hidOnly(g.hidden)) editOf(hid).remove = true;
      } else {
        suggestions.push({ line: made?.line, rules: ['waste-deleted'], bytes: g.bytes, why: `remove ${paths[0]}${paths.length > 1 ? ` and ${paths.length - 1} more` : ''} in the instruction that creates ${paths.length > 1 ? 'them' : 'it'}${hid ? ` (line ${hid.line} deletes them later)` : ''}` });
      }
    } else if (g.kind === 'metadata') {
      const chmod = CHMOD_ONLY.exec(hiddenCmd);
      const chown = chmod ? null : CHOWN_ONLY.exec(hiddenCmd);
      const ch = chmod ?? chown;
      const [verb, what] = chmod ? ['chmod', 'mode'] : ['chown', 'owner'];
      const args = ch ? ch[2].trim().split(/\s+/) : [];
      // The chmod/chown layer re-ships exactly these files and does nothing else.
      const metaOnly = layers[g.hidden].stats.changes.every((c) => c.entryKind === 'dir' || (c.kind === 'metadata' && paths.includes(abs(c.path))));
      // Setting the mode earlier is safe where adding bits is all it does (builds run as root, and
      // read and write ignore mode bits for root): the steps in between are not asked to change.
      // An owner earlier only where no RUN comes in between: one may add the user it names.
      const ok = made && hid && ch && paths.every((p) => under(p, args)) && metaOnly && (chmod !== null || adjacent(g.shipped, g.hidden));
      const copies = narrowed.get(g.shipped);
      // COPY --chmod/--chown applies to everything the COPY makes, directories included: only a COPY
      // of the one file the later RUN changed (as narrowed above, if it was).
      const copiedFiles = layers[g.shipped].stats.changes.filter((c) => c.entryKind !== 'dir');
      const oneFile = paths.length === 1 && (copies ? copies.length === 1 && copies[0][1] === paths[0] : copiedFiles.length === 1 && abs(copiedFiles[0].path) === paths[0]);
      if (ok && shellRun(made)) {
        const e = editOf(made);
        e.append.push(hiddenCmd);
        e.rewrites.push({ rules: ['waste-metadata'], bytes: g.bytes, why: `${verb} in the RUN that creates the files (line ${hid.line} re-ships them only to change the ${what})` });
        editOf(hid).remove = true;
      } else if (ok && made.keyword === 'COPY' && oneFile && (copies ?? made.sources ?? []).length === 1 && (!copies || copies.every(([, d]) => under(d, args)))) {
        const e = editOf(made);
        e.flags.push(`--${verb}=${ch[1]}`);
        e.rewrites.push({ rules: ['waste-metadata'], bytes: g.bytes, why: `set the ${what} as the file is copied (line ${hid.line} re-ships it only to change the ${what})` });
        editOf(hid).remove = true;
      } else {
        suggestions.push({ line: made?.line, rules: ['waste-metadata'], bytes: g.bytes, why: `set the mode/owner where the files are created (COPY --chmod/--chown, or chmod in that RUN), not in a later layer` });
      }
    }
  }

  // Package-manager caches, in the RUN that made them, only where that RUN runs the package manager.
  // `done`: the RUN already runs the fix, so what is left (npm's own logs, say) is not its to clean.
  const PM: Record<string, CacheFix> = {
    'cache-apt-lists': { has: /\bapt(?:-get)?\s+(?:update|install)\b/, fix: (e) => e.append.push('rm -rf /var/lib/apt/lists/*'), what: 'remove the apt lists in the same RUN', done: /\brm -rf \/var\/lib\/apt\/lists\/\*/ },
    'cache-apt': { has: /\bapt(?:-get)?\s+install\b/, fix: (e) => e.append.push('apt-get clean'), what: 'apt-get clean in the same RUN', done: /\bapt-get clean\b/ },
    'cache-pip': { has: /\bpip3?\s+install\b/, fix: (e) => e.replace.push([/\b(pip3?\s+install)\b(?!\s+--no-cache-dir)/g, '$1 --no-cache-dir']), what: 'pip install --no-cache-dir' },
    'cache-apk': { has: /\bapk\s+add\b/, fix: (e) => e.replace.push([/\b(apk\s+add)\b(?!\s+--no-cache)/g, '$1 --no-cache']), what: 'apk add --no-cache' },
    'cache-npm': { has: /\bnpm\s+(?:ci|install|i)\b/, fix: (e) => e.append.push('npm cache clean --force'), what: 'npm cache clean --force in the same RUN', done: /\bnpm cache clean\b/ },
    // clear-cache empties composer's own cache dir wherever COMPOSER_HOME/COMPOSER_CACHE_DIR put it.
    // devDependencies (the lockfile's dev flags) go at the end of the RUN that installed them, after
    // any build it runs; a later RUN of the stage may build with them, so then it is a suggestion.
    'node-dev-dependencies': {
      has: /\bnpm\s+(?:ci|install|i)\b/,
      fix: (e) => e.append.unshift('npm prune --omit=dev'),
      what: 'npm prune --omit=dev at the end of the RUN that installed them (the lockfile marks them dev)',
      done: /\bnpm prune\b/,
      blocked: (step) => {
        const later = laterRun(step);
        return later ? `line ${later.line} runs after the install and may build with devDependencies: prune after the build, or build in a stage of its own` : undefined;
      },
    },
    'cache-composer': { has: /\bcomposer\s+(?:\S+\s+)*(?:install|update|require)\b/, fix: (e) => e.append.push('composer clear-cache'), what: 'composer clear-cache in the same RUN', done: /\bcomposer clear-cache\b/ },
  };
  const apt: AptContext = { result, steps, stepOfLayer, editOf, suggestions, shellRun };
  const joined = joinAptUpdates(apt);
  noInstallRecommends(apt);
  const laterRun = (step: DockerfileStep) => steps.find((t) => t.stage === step.stage && t.line > step.line && t.keyword === 'RUN');
  for (const f of result.findings.findings) {
    const pm = PM[f.rule] ?? toolCache(result, f, laterRun);
    if (!pm || f.bytes <= 0) continue;
    const made = stepOfLayer(f.layer);
    // apt's lists go where the update ran last: the install RUN it joined, never before an install.
    const step = made && f.rule.startsWith('cache-apt') ? aptCacheTarget(apt, made, joined) : made;
    const blocked = step && (pm.done?.test(step.args) ? `the RUN runs it already; what is left (${f.paths.slice(0, 3).map((p) => p.path).join(', ')}) is not its to clean` : pm.blocked?.(step));
    if (step && shellRun(step) && pm.has.test(step.args) && !blocked) {
      const e = editOf(step);
      pm.fix(e);
      e.rewrites.push({ rules: [f.rule], bytes: f.bytes, why: pm.what });
    } else {
      suggestions.push({ line: made?.line, rules: [f.rule], bytes: f.bytes, why: blocked ? `${pm.what}: not applied, ${blocked}` : f.fix });
    }
  }

  if (opts.harden) harden(result, df.stages[df.stages.length - 1]?.steps ?? [], editOf, suggestions);

  const lines = dockerfileText.split('\n');
  const hunks: Hunk[] = [...edits.values()]
    .sort((a, b) => a.step.line - b.step.line)
    .map((e) => ({ line: e.step.line, endLine: e.step.endLine, text: render(e, lines), rewrites: e.rewrites }));
  return { hunks, suggestions, bytes: hunks.reduce((s, h) => s + h.rewrites.reduce((t, r) => t + r.bytes, 0), 0) };
}

/** How a cache finding is fixed in the RUN that made it. */
interface CacheFix {
  /** The RUN runs the package manager. */
  has: RegExp;
  fix: (e: Edit) => void;
  what: string;
  /** The RUN runs the fix already. */
  done?: RegExp;
  /** Why the fix is not safe here, if so. */
  blocked?: (step: DockerfileStep) => string | undefined;
}

/**
 * A build tool's cache with no flag of its own (fix/caches.ts): `rm -rf` of the directory the
 * finding owns whole, at the end of the RUN. Not when a later RUN of the stage could build from it
 * (an offline `mvn -o`), nor when the image runs the tool itself.
 */
function toolCache(result: InspectResult, f: Parameters<typeof cacheRemoval>[1], laterRun: (s: DockerfileStep) => DockerfileStep | undefined): CacheFix | undefined {
  const tool = CACHE_TOOLS[f.rule];
  if (!tool) return undefined;
  const rm = cacheRemoval(result, f);
  return {
    has: tool,
    fix: (e) => e.append.push(rm!),
    what: rm ? `${rm} at the end of the RUN that filled it (what it removes is the cache and nothing else)` : 'remove the cache at the end of the RUN that filled it',
    done: rm ? new RegExp(`${rm.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:\\s|$)`, 'm') : undefined,
    blocked: (step) => {
      if (!rm) return 'the cache shares its directories with other files: remove only the cache by hand';
      const later = laterRun(step);
      if (later) return `line ${later.line} runs after it and may build from the cache (offline): remove it after the last build`;
      if (tool.test(` ${result.findings.runtime.command.join(' ')}`)) return 'the image runs the tool itself, which may read its cache';
      return undefined;
    },
  };
}

/**
 * Runs as root when the config names no user, or user 0: a USER line before the final stage's
 * CMD/ENTRYPOINT (or at its end) with the numeric nobody id, which needs no passwd entry.
 */
function harden(result: InspectResult, finalSteps: DockerfileStep[], editOf: (s: DockerfileStep) => Edit, suggestions: Suggestion[]): void {
  const user = result.image.config.config?.User ?? '';
  if (user !== '' && !/^(?:0|root)(?::.*)?$/.test(user)) return;
  if (finalSteps.some((s) => s.keyword === 'USER')) {
    suggestions.push({ rules: ['hardening-root'], bytes: 0, why: 'the final stage sets USER, yet the image runs as root: check the last USER line' });
    return;
  }
  const at = finalSteps.find((s) => s.keyword === 'CMD' || s.keyword === 'ENTRYPOINT') ?? finalSteps[finalSteps.length - 1];
  if (!at) return;
  const e = editOf(at);
  e.prepend = 'USER 65534:65534';
  e.rewrites.push({ rules: ['hardening-root'], bytes: 0, why: 'run as an unprivileged user (65534, nobody): files the app writes must be writable by it' });
}

/** The instruction's new text: its lines as written, with the edits applied. */
function render(e: Edit, lines: string[]): string {
  if (e.remove) return '';
  const original = lines.slice(e.step.line - 1, e.step.endLine).join('\n');
  if (e.copies) {
    const flags = Object.entries(e.step.flags).map(([k, v]) => (v === null ? `--${k}` : `--${k}=${v}`));
    return e.copies.map(([s, d]) => ['COPY', ...flags, ...e.flags, s, d].join(' ')).join('\n');
  }
  let text = original;
  if (e.flags.length) text = text.replace(/^(\s*COPY)\b/i, `$1 ${e.flags.join(' ')}`);
  for (const [re, to] of e.replace) text = text.replace(re, to);
  if (e.prefix) text = text.replace(/^(\s*RUN\s+)/i, `$1${e.prefix} \\\n && `);
  if (e.append.length) text = `${text.replace(/\s+$/, '')} \\\n && ${[...new Set(e.append)].join(' \\\n && ')}`;
  return e.prepend ? `${e.prepend}\n${text}` : text;
}
