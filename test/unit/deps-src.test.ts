/**
 * The real src/ tree against the dependency rules (scripts/check-deps.ts): no import cycles, no
 * runtime analysis/ imports from report/, tui/ or cli/, and a pure analysis/. Expected to fail
 * until the pipeline redesign removes the last cycles and layer violations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { checkDeps } from '../../scripts/check-deps.js';

test('src/ has no import cycles and no layer violations', () => {
  const { cycles, violations } = checkDeps(fileURLToPath(new URL('../..', import.meta.url)));
  // One assertion, so that a failure lists the cycles and the violations together.
  assert.deepEqual({ cycles: cycles.map((c) => c.join(' <-> ')), violations }, { cycles: [], violations: [] });
});
