/**
 * Start-up: `msb --version` is answered before the command line parser loads (src/cli/main.ts);
 * it must print what commander's --version prints, from source and from the shipped bundle.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, test } from 'node:test';
import { VERSION } from '../../src/cli/version.js';
import { runMsb, spawnMsb } from '../helpers/cli.js';
import { buildCli, removeCli } from '../tui/build.js';

after(() => removeCli('startup'));

test('msb --version: the fast path agrees with the parser, from source and from the bundle', async () => {
  const parsed = await runMsb(['--version']);
  assert.equal(parsed.stdout, `${VERSION}\n`);
  for (const flag of ['--version', '-V']) {
    const src = spawnMsb([flag]);
    assert.equal(src.code, 0);
    assert.equal(src.stdout, parsed.stdout);
  }
  const cli = buildCli('startup');
  const r = spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8' });
  assert.equal(r.stdout, parsed.stdout);
  const help = spawnSync(process.execPath, [cli, 'cache', '--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /prune/);
});
