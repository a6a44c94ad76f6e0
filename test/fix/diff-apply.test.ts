/**
 * msb fix's diff and its --apply agree, whatever the Dockerfile's last line: `git apply` of the
 * printed diff gives the same bytes as applyPlan, for files with and without a final newline and
 * hunks that rewrite, delete or extend the last line or only reach it as context.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FixPlan, Hunk } from '../../src/fix/plan.js';
import { applyPlan, renderFixDiff } from '../../src/report/fix.js';

const rewrite = { rules: ['waste-deleted'], bytes: 1, why: 'test' };
const plan = (hunks: Array<Omit<Hunk, 'rewrites'>>): FixPlan => ({ hunks: hunks.map((h) => ({ ...h, rewrites: [rewrite] })), suggestions: [], bytes: hunks.length });
const BODY = ['FROM base', 'RUN a', 'RUN b', 'RUN c', 'RUN d', 'RUN e', 'CMD ["x"]'];

const cases: Array<[string, FixPlan]> = [
  ['rewrite the last line', plan([{ line: 7, endLine: 7, text: 'CMD ["y"]' }])],
  ['extend the last line (a stage appended)', plan([{ line: 7, endLine: 7, text: 'CMD ["x"]\n\nFROM base\nCOPY --from=build /x /x\nCMD ["x"]' }])],
  ['delete the last line', plan([{ line: 7, endLine: 7, text: '' }])],
  ['a middle line, the last one in its context', plan([{ line: 5, endLine: 5, text: 'RUN d && rm -rf /tmp/x' }])],
  ['a far line, the last one out of context', plan([{ line: 2, endLine: 2, text: 'RUN a \\\n && rm /x' }])],
  ['the first and the last line', plan([{ line: 1, endLine: 1, text: 'FROM base AS build' }, { line: 7, endLine: 7, text: 'CMD ["x"]\nUSER 1' }])],
];

for (const final of ['\n', '']) {
  for (const [name, p] of cases) {
    test(`${name}, ${final ? 'with' : 'without'} a final newline: git apply of the diff = --apply`, () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'msb-diff-'));
      try {
        const text = BODY.join('\n') + final;
        const file = path.join(dir, 'Dockerfile');
        writeFileSync(file, text);
        writeFileSync(path.join(dir, 'p.diff'), renderFixDiff('Dockerfile', text, p));
        execFileSync('git', ['apply', '--unsafe-paths', 'p.diff'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
        assert.equal(readFileSync(file, 'utf8'), applyPlan(text, p));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}
