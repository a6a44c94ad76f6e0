import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv as Ajv7 } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { ROOT } from './cli.js';

/**
 * Validators for what msb writes: the JSON report against docs/report.schema.json (draft-07) and
 * SARIF logs against the official SARIF 2.1.0 schema (draft-04, vendored in test/schemas/).
 */

const addFormats = addFormatsModule as unknown as (ajv: object) => void;
const load = (p: string) => JSON.parse(readFileSync(path.join(ROOT, p), 'utf8'));

const reportAjv = new Ajv7({ allErrors: true, strict: true });
addFormats(reportAjv);
const reportValidator = reportAjv.compile(load('docs/report.schema.json'));

const sarifAjv = new (AjvDraft04 as unknown as typeof Ajv7)({ allErrors: true, strict: false });
addFormats(sarifAjv);
const sarifValidator = sarifAjv.compile(load('test/schemas/sarif-schema-2.1.0.json'));

function check(v: typeof reportValidator, doc: unknown, what: string): void {
  if (!v(doc)) {
    const errs = (v.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    throw new Error(`${what} does not match its schema:\n  ${errs.join('\n  ')}`);
  }
}

export function assertReportSchema(doc: unknown, what = 'JSON report'): void {
  check(reportValidator, doc, what);
}

export function assertSarifSchema(doc: unknown, what = 'SARIF log'): void {
  check(sarifValidator, doc, what);
}
