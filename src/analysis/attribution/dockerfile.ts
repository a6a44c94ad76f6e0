import { createRequire } from 'node:module';
import type { DockerfileParser as Parser, Instruction } from 'dockerfile-ast';
import { MsbError } from '../../errors.js';

/**
 * dockerfile-ast is loaded on first use, not imported: most inspections have no Dockerfile, and
 * evaluating the parser's ~30 modules cost ~30 ms of every start-up (a static import runs them
 * whenever this module is loaded, bundled or not).
 */
let parser: typeof Parser | undefined;
function dockerfileParser(): typeof Parser {
  return (parser ??= (createRequire(import.meta.url)('dockerfile-ast') as typeof import('dockerfile-ast')).DockerfileParser);
}

/**
 * A Dockerfile reduced to what attribution needs: stages, the instructions of each with their line
 * range, and ARG/ENV substitution applied where the builders apply it (FROM, COPY --from, paths).
 * Tokenising (continuations, heredocs, flags, escape directive) is dockerfile-ast's job.
 */

export interface DockerfileStep {
  keyword: string;
  /** The instruction as written, continuations joined, whitespace collapsed, heredoc bodies elided. */
  text: string;
  /** Arguments after the flags, as written (RUN text is compared unexpanded: the shell expands it). */
  args: string;
  /** 1-based line range in the Dockerfile. */
  line: number;
  endLine: number;
  /** Flags (`--from`, `--chown`, `--link`, ...), values ARG-expanded; null for valueless flags. */
  flags: Record<string, string | null>;
  /** True when the instruction carries a heredoc (`RUN <<EOF`, `COPY <<EOT /dst`). */
  heredoc: boolean;
  /** COPY/ADD: sources and destination, ARG/ENV-expanded. */
  sources?: string[];
  dest?: string;
  /** ARG: the declared name. */
  argName?: string;
  /** Index of the stage this step belongs to. */
  stage: number;
}

export interface DockerfileStage {
  index: number;
  /** `AS name` (ARG-expanded), when given. */
  name?: string;
  /** The FROM image after ARG substitution; a stage name when the stage builds on another stage. */
  from: string;
  /** Index of the stage `from` names, when it names one (FROM <stage> chains). */
  fromStage?: number;
  line: number;
  steps: DockerfileStep[];
}

export interface ParsedDockerfile {
  stages: DockerfileStage[];
}

/** Expands $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alt} (the forms the Dockerfile frontend supports). */
export function expandVars(s: string, vars: Map<string, string>): string {
  return s.replace(/\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, braced, op, word, bare) => {
    if (m === '\\$') return '$';
    const name = braced ?? bare;
    const v = vars.get(name);
    if (op === '-') return v ? v : word;
    if (op === '+') return v ? word : '';
    return v ?? '';
  });
}

/** The instruction as written: continuation lines joined, comment lines dropped, heredoc bodies elided. */
function oneLineText(ins: Instruction, lines: string[], escape: string): { text: string; args: string; heredoc: boolean } {
  const r = ins.getRange();
  const first = lines[r.start.line] ?? '';
  const heredoc = /<<-?["']?[A-Za-z_]/.test(first);
  const parts: string[] = [];
  for (let i = r.start.line; i <= (heredoc ? r.start.line : r.end.line); i++) {
    const l = (lines[i] ?? '').trimEnd();
    if (i > r.start.line && /^\s*#/.test(l)) continue;
    parts.push(l.endsWith(escape) ? l.slice(0, -1) : l);
  }
  const text = parts.join(' ').replace(/\s+/g, ' ').trim();
  const keyword = ins.getKeyword().toUpperCase();
  const args = text.replace(/^\S+\s*/, '');
  return { text: args ? `${keyword} ${args}` : keyword, args, heredoc };
}

/** Removes leading `--flag[=value]` words from an argument string. */
function stripFlags(args: string): string {
  return args.replace(/^(?:--[A-Za-z-]+(?:=(?:"[^"]*"|\S*))?\s+)*/, '');
}

function propertyPairs(ins: Instruction): Array<[string, string | null]> {
  const props = (ins as unknown as { getProperties?: () => Array<{ getName(): string; getValue(): string | null }> }).getProperties?.() ?? [];
  return props.map((p) => [p.getName(), p.getValue()]);
}

function unquote(s: string): string {
  return /^"(.*)"$/s.exec(s)?.[1] ?? /^'(.*)'$/s.exec(s)?.[1] ?? s;
}

/** Parses a Dockerfile; `buildArgs` are the `--build-arg K=V` values that override ARG defaults. */
export function parseDockerfile(text: string, buildArgs: Record<string, string> = {}, label = 'Dockerfile'): ParsedDockerfile {
  const df = dockerfileParser().parse(text);
  const lines = text.split(/\r?\n/);
  const escape = df.getEscapeCharacter();
  const stages: DockerfileStage[] = [];
  const globals = new Map<string, string>();
  const overrides = new Map(Object.entries(buildArgs));
  let cur: DockerfileStage | undefined;
  let vars = new Map<string, string>();
  const stageVars: Map<string, string>[] = [];
  for (const ins of df.getInstructions()) {
    const keyword = ins.getKeyword().toUpperCase();
    const range = ins.getRange();
    const line = range.start.line + 1;
    const endLine = range.end.line + 1;
    if (keyword === 'FROM') {
      const words = (ins.getArgumentsContent() ?? '').split('\n')[0].trim();
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+[Aa][Ss]\s+(\S+))?\s*$/.exec(words);
      if (!m) throw new MsbError(`${label}:${line}: cannot read this FROM instruction`);
      const from = expandVars(m[1], globals);
      const name = m[2] ? expandVars(m[2], globals) : undefined;
      const fromStage = stages.findIndex((s) => s.name !== undefined && s.name.toLowerCase() === from.toLowerCase());
      cur = { index: stages.length, from, line, steps: [], ...(name ? { name } : {}), ...(fromStage >= 0 ? { fromStage } : {}) };
      stages.push(cur);
      // A stage built on another stage inherits its ENV (and WORKDIR), not its ARGs.
      vars = new Map(fromStage >= 0 ? stageVars[fromStage] : []);
      stageVars.push(vars);
      continue;
    }
    if (!cur) {
      if (keyword === 'ARG') {
        for (const [k, v] of propertyPairs(ins)) globals.set(k, overrides.get(k) ?? (v === null ? '' : unquote(expandVars(v, globals))));
      }
      continue; // parser directives, comments, global ARGs
    }
    const { text: t, args, heredoc } = oneLineText(ins, lines, escape);
    const flags: Record<string, string | null> = {};
    for (const f of (ins as unknown as { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> }).getFlags?.() ?? []) {
      const v = f.getValue();
      flags[f.getName()] = v === null ? null : expandVars(v, new Map([...globals, ...vars]));
    }
    const step: DockerfileStep = { keyword, text: t, args: stripFlags(args), line, endLine, flags, heredoc, stage: cur.index };
    if (keyword === 'ARG') {
      const pairs = propertyPairs(ins);
      step.argName = pairs[0]?.[0];
      for (const [k, v] of pairs) {
        const val = overrides.get(k) ?? (v !== null ? unquote(expandVars(v, vars)) : globals.get(k));
        if (val !== undefined) vars.set(k, val);
      }
    } else if (keyword === 'ENV') {
      for (const [k, v] of propertyPairs(ins)) vars.set(k, unquote(expandVars(v ?? '', vars)));
    } else if (keyword === 'COPY' || keyword === 'ADD') {
      let words = step.args.split(' ').filter(Boolean);
      if (words[0]?.startsWith('[')) {
        try {
          words = JSON.parse(step.args) as string[];
        } catch {
          /* not JSON after all: keep the words */
        }
      }
      words = words.filter((w) => !/^<<-?["']?[A-Za-z_]/.test(w)).map((w) => expandVars(w, vars));
      step.dest = words[words.length - 1];
      step.sources = words.slice(0, -1);
    }
    cur.steps.push(step);
  }
  if (stages.length === 0) throw new MsbError(`${label}: no FROM instruction`);
  return { stages };
}

/** Finds a stage by name (case-insensitive, as the builders do) or by index. */
export function findStage(df: ParsedDockerfile, ref: string): DockerfileStage | undefined {
  const byName = df.stages.find((s) => s.name !== undefined && s.name.toLowerCase() === ref.toLowerCase());
  if (byName) return byName;
  return /^\d+$/.test(ref) ? df.stages[Number(ref)] : undefined;
}

/** The stages whose steps end up in `target`'s image: FROM <stage> chains, root first. */
export function stageChain(df: ParsedDockerfile, target?: string, label = 'Dockerfile'): DockerfileStage[] {
  const last = df.stages[df.stages.length - 1];
  const t = target === undefined ? last : findStage(df, target);
  if (!t) {
    const names = df.stages.map((s) => s.name ?? String(s.index)).join(', ');
    throw new MsbError(`${label}: no stage named "${target}" (stages: ${names})`);
  }
  const chain = [t];
  while (chain[0].fromStage !== undefined) chain.unshift(df.stages[chain[0].fromStage]);
  return chain;
}

export function stageLabel(s: DockerfileStage): string {
  return s.name ?? String(s.index);
}
