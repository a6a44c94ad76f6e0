/**
 * Dependency check for src/: no import cycles, and the boxes depend one way
 * (source → walk → analysis → pipeline → report/tui, cli wires them; see the rules below).
 *
 * A small script on the TypeScript compiler API, which is already a devDependency, instead of
 * dependency-cruiser or madge: the rules are few, and the compiler tells type-only imports apart
 * exactly as it elides them.
 *
 *   node --import tsx scripts/check-deps.ts [rootDir]
 *
 * prints each cycle and violation on its own line and exits 1, or prints a one-line summary.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

export interface ImportRef {
  specifier: string;
  /** Erased at compile time: `import type`, `export type`, every named specifier `type`, `import('x').T`. */
  typeOnly: boolean;
  /** `await import('x')`: loaded at run time, later. Still an edge: a lazy cycle is a cycle. */
  dynamic: boolean;
}

export interface Edge extends ImportRef {
  /** The resolved file (relative to rootDir, `/`-separated) for relative specifiers; the bare specifier otherwise. */
  target: string;
  /** true when target is a file of the tree. */
  local: boolean;
}

export interface DepsResult {
  files: string[];
  edges: Map<string, Edge[]>;
  /** Each strongly connected group of files (sorted), i.e. files that import each other in a loop. */
  cycles: string[][];
  violations: string[];
}

/** Imports of one module. Syntax only: nothing is resolved or type-checked. */
export function listImports(fileName: string, text: string): ImportRef[] {
  const kind = /\.tsx$/.test(fileName) ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, kind);
  const out: ImportRef[] = [];
  const add = (spec: ts.Node | undefined, typeOnly: boolean, dynamic = false) => {
    if (spec && ts.isStringLiteralLike(spec)) out.push({ specifier: spec.text, typeOnly, dynamic });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const c = node.importClause;
      // A bare `import './x'` runs x; `import {} from './x'` is treated the same (conservative).
      const typeOnly =
        !!c && (c.isTypeOnly || (!c.name && !!c.namedBindings && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node)) {
      const nb = node.exportClause;
      const typeOnly = node.isTypeOnly || (!!nb && ts.isNamedExports(nb) && nb.elements.length > 0 && nb.elements.every((e) => e.isTypeOnly));
      add(node.moduleSpecifier, typeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false, true);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const SOURCE = /\.(?:ts|tsx|mts|cts)$/;
const DECLARATION = /\.d\.(?:ts|mts|cts)$/;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') out.push(...sourceFiles(p));
    } else if (SOURCE.test(e.name) && !DECLARATION.test(e.name)) out.push(p);
  }
  return out;
}

const toPosix = (p: string) => p.split(sep).join('/');

/** './x.js' → x.ts, x.tsx or x/index.ts(x) among `known` (rootDir-relative paths); undefined if none. */
function resolveRelative(fromFile: string, specifier: string, known: Set<string>): string | undefined {
  const base = toPosix(join(dirname(fromFile), specifier));
  const stem = base.replace(/\.(?:js|jsx|mjs|cjs|ts|tsx|mts|cts)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, `${stem}.cts`, `${base}/index.ts`, `${base}/index.tsx`];
  return candidates.find((c) => known.has(c));
}

/** 'fs' and 'node:fs' are the same module; 'react/jsx-runtime' belongs to react. */
function packageOf(specifier: string): string {
  if (specifier.startsWith('node:')) return specifier;
  if (isBuiltin(specifier)) return `node:${specifier}`;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** I/O and UI modules that analysis/ (pure) must not load, even for types: its inputs are plain data. */
const IMPURE = ['node:fs', 'node:fs/promises', 'node:child_process', 'node:net', 'node:http', 'node:https', 'node:zlib', 'dockerode', 'ink', 'react', 'commander'];

const box = (file: string): string | undefined => /^src\/([^/]+)\//.exec(file)?.[1];
/** Boxes that only render or wire a result: they may know analysis types, not call analysis code. */
const RENDERERS = new Set(['report', 'tui', 'cli']);
/** Boxes analysis/ must not depend on at run time: it sits below them. */
const ABOVE_OR_IO = new Set(['source', 'walk', 'pipeline', 'report', 'tui', 'cli']);

function ruleViolations(file: string, edges: Edge[]): string[] {
  const out: string[] = [];
  const from = box(file);
  for (const e of edges) {
    const to = e.local ? box(e.target) : undefined;
    if (from && RENDERERS.has(from) && to === 'analysis' && !e.typeOnly) {
      out.push(`${file}: runtime import of ${e.target} (${from}/ may import analysis/ only with \`import type\`)`);
    }
    if (from === 'analysis') {
      if (!e.local) {
        const pkg = packageOf(e.specifier);
        const hit = IMPURE.find((m) => pkg === m || pkg.startsWith(`${m}/`));
        if (hit) out.push(`${file}: imports ${e.specifier} (analysis/ is pure: no I/O or UI modules)`);
      } else if (to && ABOVE_OR_IO.has(to) && !e.typeOnly) {
        out.push(`${file}: runtime import of ${e.target} (analysis/ may import ${to}/ only with \`import type\`)`);
      }
    }
  }
  return out;
}

/** Tarjan's strongly connected components; those with more than one file (or a self-import) are cycles. */
function findCycles(files: string[], edges: Map<string, Edge[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let next = 0;
  const targets = (f: string) => [...new Set((edges.get(f) ?? []).filter((e) => e.local).map((e) => e.target))];
  const strong = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of targets(v)) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1 || targets(v).includes(v)) cycles.push(group.sort());
    }
  };
  for (const f of files) if (!index.has(f)) strong(f);
  return cycles.sort((a, b) => a[0].localeCompare(b[0]));
}

/** Checks every source file under rootDir/src; paths in the result are relative to rootDir. */
export function analyzeDeps(rootDir: string): DepsResult {
  const root = resolve(rootDir);
  const files = sourceFiles(join(root, 'src'))
    .map((p) => toPosix(relative(root, p)))
    .sort();
  const known = new Set(files);
  const edges = new Map<string, Edge[]>();
  for (const f of files) {
    const refs = listImports(f, readFileSync(join(root, f), 'utf8'));
    edges.set(
      f,
      refs.map((r) => {
        const target = r.specifier.startsWith('.') ? resolveRelative(f, r.specifier, known) : undefined;
        return { ...r, target: target ?? r.specifier, local: target !== undefined };
      }),
    );
  }
  const violations = files.flatMap((f) => ruleViolations(f, edges.get(f)!));
  return { files, edges, cycles: findCycles(files, edges), violations };
}

export function checkDeps(rootDir: string): { cycles: string[][]; violations: string[] } {
  const { cycles, violations } = analyzeDeps(rootDir);
  return { cycles, violations };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const root = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..');
  const { files, cycles, violations } = analyzeDeps(root);
  for (const c of cycles) console.log(`cycle: ${c.join(' <-> ')}`);
  for (const v of violations) console.log(v);
  if (cycles.length || violations.length) {
    console.error(`deps: ${files.length} files, ${cycles.length} cycles, ${violations.length} layer violations`);
    process.exitCode = 1;
  } else console.log(`deps: ${files.length} files, 0 cycles, 0 layer violations`);
}
