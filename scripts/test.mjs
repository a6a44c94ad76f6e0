#!/usr/bin/env node
/**
 * Runs the test suite, or one tier of it, in ONE `node --import tsx --test` process tree (so the
 * closing `# pass N` / `# fail N` lines count everything that ran):
 *   node scripts/test.mjs unit          pure, in-process tests (no image files, tools or services)
 *   node scripts/test.mjs integration   real images, daemons, registries, the terminal
 *   node scripts/test.mjs               both
 * A test file is a unit test when it is listed in UNIT below; every other test file is integration,
 * so a new file can never fall between the tiers.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const UNIT = new Set([
  'test/unit/deps.test.ts',
  'test/unit/deps-src.test.ts',
  'test/unit/downloads.test.ts',
  'test/unit/merge.test.ts',
  'test/unit/tar.test.ts',
  'test/unit/path-strings.test.ts',
  'test/unit/with-captures.test.ts',
  'test/unit/usage.test.ts',
  'test/unit/cache-cmd.test.ts',
  'test/tui/app.test.tsx',
  'test/tui/keys.test.ts',
  'test/tui/map.test.ts',
  'test/tui/model.test.ts',
  'test/tui/rows.test.ts',
  'test/tui/diff-model.test.ts',
  'test/tui/loading.test.tsx',
  'test/findings/rules.test.ts',
  'test/findings/runtime.test.ts',
  'test/findings/secrets.test.ts',
  'test/findings/advice.test.ts',
  'test/findings/recommends.test.ts',
  'test/fix/jar.test.ts',
  'test/fix/family.test.ts',
  'test/fix/scratch.test.ts',
  'test/fix/libraries.test.ts',
  'test/findings/unclaimed.test.ts',
  'test/findings/extensions.test.ts',
  'test/fix/apt-plan.test.ts',
  'test/attribution/dockerfile.test.ts',
  'test/attribution/history.test.ts',
  'test/sources/reference.test.ts',
  'test/sources/units.test.ts',
  'test/sources/offline-units.test.ts',
  'test/report/schema-goldens.test.ts',
  'test/report/ci-units.test.ts',
  'test/fix/dockerignore.test.ts',
]);

export function testFiles(dir = join(ROOT, 'test')) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (name === 'fixtures' || name === 'node_modules') continue;
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (/\.test\.tsx?$/.test(name)) out.push(relative(ROOT, p));
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tier = process.argv[2] ?? 'all';
  if (!['unit', 'integration', 'all'].includes(tier)) {
    process.stderr.write('usage: node scripts/test.mjs [unit|integration]\n');
    process.exit(2);
  }
  const all = testFiles();
  const missing = [...UNIT].filter((f) => !all.includes(f));
  if (missing.length) {
    process.stderr.write(`scripts/test.mjs: UNIT lists files that do not exist: ${missing.join(', ')}\n`);
    process.exit(2);
  }
  let files = all.filter((f) => tier === 'all' || (tier === 'unit') === UNIT.has(f));
  if (tier === 'unit') {
    // Pure tests are cheap; starting a process (and tsx) per file is not. The unit tier runs as two
    // processes, each importing half of the files, so it stays well under 20 s on two cores.
    const out = join(ROOT, '.test-dist', 'unit');
    mkdirSync(out, { recursive: true });
    files = [0, 1].map((half) => {
      const entry = join(out, `unit-${half}.test.ts`);
      const mine = files.filter((_, i) => i % 2 === half);
      writeFileSync(entry, mine.map((f) => `import ${JSON.stringify(relative(out, join(ROOT, f)).replace(/\.tsx?$/, '.js'))};`).join('\n') + '\n');
      return relative(ROOT, entry);
    });
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { cwd: ROOT, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
