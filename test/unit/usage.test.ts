import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runMsb } from '../helpers/cli.js';

test('usage errors exit 2 with a short message; help and version exit 0', () => {
  const missing = runMsb(['inspect']);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, "msb: missing required argument 'image'\n(add --help for usage)\n");
  assert.equal(runMsb(['inspect', 'x.tar', '--bogus']).code, 2);
  assert.equal(runMsb(['frob']).code, 2);
  const help = runMsb(['inspect', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--dockerfile <path>/);
  assert.equal(runMsb(['--version']).code, 0);
});
