import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/cli.js';
import { assertReportSchema, assertSarifSchema } from '../helpers/schemas.js';

/**
 * Every golden JSON report of `msb inspect` matches the published schema, docs/report.schema.json,
 * and every golden SARIF log the official SARIF 2.1.0 schema.
 */

const dir = path.join(ROOT, 'test/golden/cli');

/** A golden file is "exit code, stdout, stderr"; pull the JSON document out of its stdout. */
function goldenJson(file: string): unknown {
  const text = readFileSync(path.join(dir, file), 'utf8');
  const start = text.indexOf('{\n');
  const end = text.lastIndexOf('\n}');
  assert.ok(start >= 0 && end > start, `${file}: no JSON document`);
  return JSON.parse(text.slice(start, end + 2));
}

const files = readdirSync(dir).filter((f) => /^(inspect|gate|ci)-.*\.json\.golden$/.test(f) && !f.includes('codeclimate'));
const sarifs = readdirSync(dir).filter((f) => f.endsWith('.sarif.golden'));

test('there are golden JSON reports to check', () => assert.ok(files.length >= 20, `only ${files.length}`));

for (const f of files) {
  test(`golden ${f} matches docs/report.schema.json`, () => assertReportSchema(goldenJson(f), f));
}

test('there are golden SARIF logs to check', () => assert.ok(sarifs.length >= 2, `only ${sarifs.length}`));

for (const f of sarifs) {
  test(`golden ${f} is valid SARIF 2.1.0`, () => assertSarifSchema(goldenJson(f), f));
}

test('the schema rejects a report with an unknown field or a wrong type', () => {
  const doc = goldenJson('inspect-demo.json.golden') as Record<string, unknown>;
  assert.throws(() => assertReportSchema({ ...doc, surprise: 1 }), /additional/);
  assert.throws(() => assertReportSchema({ ...doc, schemaVersion: 2 }), /constant/);
  const summary = { ...(doc.summary as object), totalBytes: -1 };
  assert.throws(() => assertReportSchema({ ...doc, summary }), /totalBytes/);
});
