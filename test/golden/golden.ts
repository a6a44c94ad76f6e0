import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Golden files: a test compares what it produced with the file byte for byte; with UPDATE_GOLDENS=1
 * it writes the file instead (a deliberate change to a golden is its own commit, with the reason).
 */
export const GOLDEN_DIR = new URL('.', import.meta.url).pathname;

export function matchGolden(rel: string, actual: string): void {
  const file = join(GOLDEN_DIR, rel);
  if (process.env.UPDATE_GOLDENS === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `${rel}: no golden file (run with UPDATE_GOLDENS=1 to create it)`);
  const expected = readFileSync(file, 'utf8');
  if (actual !== expected) {
    const a = actual.split('\n');
    const e = expected.split('\n');
    const i = a.findIndex((l, k) => l !== e[k]);
    const at = i < 0 ? Math.min(a.length, e.length) : i;
    assert.fail(`${rel}: differs from the golden at line ${at + 1}\n  golden: ${JSON.stringify(e[at])}\n  actual: ${JSON.stringify(a[at])}`);
  }
}
