/**
 * Golden outputs of the CLI on the committed fixture images (test/golden/cases.ts): the JSON and text
 * reports, the CI gate's verdicts and exit codes, msb diff, and the one-line errors. They pin
 * behaviour across refactors byte for byte.
 */
import { test } from 'node:test';
import { runMsb } from '../helpers/cli.js';
import { CASES } from './cases.js';
import { matchGolden } from './golden.js';

for (const c of CASES) {
  test(`golden: msb ${c.args.join(' ')}`, async () => {
    const r = await runMsb(c.args);
    matchGolden(`cli/${c.name}.golden`, `$ msb ${c.args.join(' ')}\nexit: ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
  });
}
