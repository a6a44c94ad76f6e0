import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { applyIgnore, type IgnorePlan } from '../../src/fix/dockerignore.js';
import { renderFixDiff } from '../../src/report/fix.js';

/** The .dockerignore half of `msb fix`: the text written and the diff printed agree, and `git apply` takes the diff. */

const plan: IgnorePlan = { lines: [{ pattern: '.git', bytes: 1000, rules: ['source-vcs'], line: 3, why: 'w' }], suggestions: [], bytes: 1000 };
const none = { hunks: [], suggestions: [], bytes: 0 };

for (const [name, existing] of [['missing', undefined], ['empty', ''], ['ending in a newline', 'node_modules\n*.log\n'], ['without a final newline', 'a\nb\nc\nnode_modules']] as const) {
  test(`.dockerignore ${name}: the printed diff applies with git apply and gives what --apply writes`, () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'msb-ignore-'));
    try {
      if (existing !== undefined) writeFileSync(path.join(dir, '.dockerignore'), existing);
      const diff = renderFixDiff('Dockerfile', 'FROM x\n', none, { file: '.dockerignore', existing, plan });
      assert.match(diff, /^# msb fix: 1 change, predicted saving 1 kB$/m);
      const patch = diff.split('\n').filter((l) => !l.startsWith('#')).join('\n');
      writeFileSync(path.join(dir, 'p.diff'), patch);
      execFileSync('git', ['apply', '--unsafe-paths', 'p.diff'], { cwd: dir });
      const written = applyIgnore(existing, plan);
      assert.equal(readFileSync(path.join(dir, '.dockerignore'), 'utf8'), written);
      assert.ok(written.endsWith('.git\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
