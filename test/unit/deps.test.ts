/**
 * The dependency check (scripts/check-deps.ts) on small trees written to a temp dir, one rule at a
 * time. The real src/ tree is checked by deps-src.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkDeps, listImports } from '../../scripts/check-deps.js';

/** Writes `files` (path under the root → source text) to a fresh temp dir and checks it. */
function check(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'msb-deps-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return checkDeps(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('listImports tells type-only imports and re-exports apart', () => {
  const refs = listImports(
    'x.ts',
    [
      "import type { A } from './a.js';",
      "import { type B, type C } from './b.js';",
      "import { type D, e } from './d.js';",
      "import f from './f.js';",
      "import './side.js';",
      "export type { G } from './g.js';",
      "export { type H } from './h.js';",
      "export { i } from './i.js';",
      "export * from './star.js';",
      "const j = await import('./lazy.js');",
      "let k: import('./typeof.js').K;",
    ].join('\n'),
  );
  assert.deepEqual(
    refs.map((r) => `${r.specifier} ${r.typeOnly ? 'type' : 'runtime'}${r.dynamic ? ' dynamic' : ''}`),
    [
      './a.js type',
      './b.js type',
      './d.js runtime',
      './f.js runtime',
      './side.js runtime',
      './g.js type',
      './h.js type',
      './i.js runtime',
      './star.js runtime',
      './lazy.js runtime dynamic',
      './typeof.js type',
    ],
  );
});

test('a clean tree passes', () => {
  const r = check({
    'src/source/read.ts': "import { readFileSync } from 'node:fs';\nexport const read = (p: string) => readFileSync(p);\n",
    'src/analysis/types.ts': 'export interface Result { n: number }\n',
    'src/analysis/sum.ts': "import type { Result } from './types.js';\nimport type { Image } from '../source/types.js';\nexport const sum = (): Result => ({ n: 1 });\n",
    'src/source/types.ts': 'export interface Image { id: string }\n',
    'src/pipeline/run.ts': "import { sum } from '../analysis/sum.js';\nimport { read } from '../source/read.js';\nexport const run = () => [sum(), read('x')];\n",
    'src/report/text.ts': "import type { Result } from '../analysis/types.js';\nexport const text = (r: Result) => String(r.n);\n",
    'src/tui/App.tsx': "import React from 'react';\nimport type { Result } from '../analysis/index.js';\nexport const App = (p: { r: Result }) => <>{p.r.n}</>;\n",
    'src/analysis/index.ts': "export type { Result } from './types.js';\n",
    'src/cli/main.ts': "import { run } from '../pipeline/run.js';\nimport { text } from '../report/text.js';\nrun();\ntext({ n: 1 });\n",
  });
  assert.deepEqual(r, { cycles: [], violations: [] });
});

test('a runtime import cycle is found, with every file in it', () => {
  const r = check({
    'src/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
    'src/b.ts': "import { c } from './sub/c.js';\nexport const b = () => c;\n",
    'src/sub/c.ts': "import { a } from '../a.js';\nexport const c = () => a;\n",
    'src/d.ts': "import { a } from './a.js';\nexport const d = a;\n",
  });
  assert.deepEqual(r.cycles, [['src/a.ts', 'src/b.ts', 'src/sub/c.ts']]);
});

test('a type-only cycle is a cycle too', () => {
  const r = check({
    'src/report/gate.ts': "import type { JsonReport } from './json.js';\nexport interface GateResult { ok: boolean; of?: JsonReport }\n",
    'src/report/json.ts': "import type { GateResult } from './gate.js';\nexport interface JsonReport { gate?: GateResult }\n",
  });
  assert.deepEqual(r.cycles, [['src/report/gate.ts', 'src/report/json.ts']]);
  assert.deepEqual(r.violations, []);
});

test('a lazy import() closes a cycle', () => {
  const r = check({
    'src/inspect.ts': "export interface Options { n: number }\nexport async function inspect() { return (await import('./arrivals.js')).arrivals(); }\n",
    'src/arrivals.ts': "import type { Options } from './inspect.js';\nexport const arrivals = (o?: Options) => o?.n;\n",
  });
  assert.deepEqual(r.cycles, [['src/arrivals.ts', 'src/inspect.ts']]);
});

test('specifiers resolve to .ts, .tsx and index.ts', () => {
  const r = check({
    'src/a.ts': "import { b } from './b.js';\nimport { C } from './c.js';\nimport { d } from './d/index.js';\nimport { e } from './e';\nexport const a = 1;\n",
    'src/b.ts': "import { a } from './a.js';\nexport const b = a;\n",
    'src/c.tsx': "import { a } from './a.js';\nexport const C = a;\n",
    'src/d/index.ts': "import { a } from '../a.js';\nexport const d = a;\n",
    'src/e/index.ts': "import { a } from '../a.js';\nexport const e = a;\n",
  });
  assert.deepEqual(r.cycles, [['src/a.ts', 'src/b.ts', 'src/c.tsx', 'src/d/index.ts', 'src/e/index.ts']]);
});

test('report/, tui/ and cli/ may import analysis/ types, not analysis/ code', () => {
  const analysis = { 'src/analysis/find.ts': 'export interface Finding { id: string }\nexport const find = (): Finding[] => [];\n' };
  const typeOnly = check({
    ...analysis,
    'src/report/json.ts': "import type { Finding } from '../analysis/find.js';\nexport const json = (f: Finding[]) => f;\n",
    'src/tui/App.tsx': "import { type Finding } from '../analysis/find.js';\nexport const n = (f: Finding[]) => f.length;\n",
  });
  assert.deepEqual(typeOnly.violations, []);
  const runtime = check({
    ...analysis,
    'src/report/json.ts': "import { find, type Finding } from '../analysis/find.js';\nexport const json = (): Finding[] => find();\n",
    'src/cli/main.ts': "const { find } = await import('../analysis/find.js');\nfind();\n",
  });
  assert.equal(runtime.violations.length, 2, runtime.violations.join('\n'));
  assert.match(runtime.violations[0], /^src\/cli\/main\.ts: runtime import of src\/analysis\/find\.ts/);
  assert.match(runtime.violations[1], /^src\/report\/json\.ts: runtime import of src\/analysis\/find\.ts/);
});

test('analysis/ is pure: no I/O or UI modules, no runtime imports of the boxes around it', () => {
  const r = check({
    'src/analysis/a.ts': "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n",
    'src/analysis/b.ts': "import { readFile } from 'fs/promises';\nexport const b = readFile;\n",
    'src/analysis/c.tsx': "import { Text } from 'ink';\nexport const c = Text;\n",
    'src/analysis/d.ts': "import { walk } from '../walk/layer.js';\nexport const d = walk;\n",
    'src/analysis/e.ts': "import type { Entry } from '../walk/layer.js';\nimport { createHash } from 'node:crypto';\nexport const e = (x: Entry) => createHash('sha256').update(x.path);\n",
    'src/walk/layer.ts': "export interface Entry { path: string }\nexport const walk = () => [] as Entry[];\n",
  });
  assert.deepEqual(r.violations, [
    "src/analysis/a.ts: imports node:fs (analysis/ is pure: no I/O or UI modules)",
    "src/analysis/b.ts: imports fs/promises (analysis/ is pure: no I/O or UI modules)",
    "src/analysis/c.tsx: imports ink (analysis/ is pure: no I/O or UI modules)",
    'src/analysis/d.ts: runtime import of src/walk/layer.ts (analysis/ may import walk/ only with `import type`)',
  ]);
  assert.deepEqual(r.cycles, []);
});
