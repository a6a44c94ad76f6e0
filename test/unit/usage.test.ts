import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runMsb } from '../helpers/cli.js';

test('usage errors exit 2 with a short message; help and version exit 0', async () => {
  const missing = await runMsb(['inspect']);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, "msb: missing required argument 'image'\n(add --help for usage)\n");
  assert.equal((await runMsb(['inspect', 'x.tar', '--bogus'])).code, 2);
  assert.equal((await runMsb(['frob'])).code, 2);
  const help = await runMsb(['inspect', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--dockerfile <path>/);
  assert.equal((await runMsb(['--version'])).code, 0);
});
