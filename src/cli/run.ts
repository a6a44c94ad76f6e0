import { CommanderError } from 'commander';
import { MsbError, oneLine } from '../errors.js';
import { safeLines, safeText } from '../safe-text.js';
import type { Io } from './io.js';
import { buildProgram } from './program.js';

/**
 * One run of the CLI: parses argv (without node and the script), runs the command and returns the
 * exit code: 0 success, 1 a CI gate check failed, 2 bad input or usage (one `msb:` line on stderr),
 * 3 an internal error, 130 cancelled. Nothing here touches `process`: bin/msb.js passes it in.
 */
export async function run(argv: string[], io: Io): Promise<number> {
  let code = 0;
  try {
    await buildProgram(io, (c) => (code = c)).parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    // Usage errors exit 2 like other bad input (commander has printed them); --help and --version 0.
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (argv.includes('--debug')) io.stderr.write(`${safeLines((e as Error)?.stack ?? String(e))}\n`);
    const msg = e instanceof MsbError ? e.message : `internal error: ${oneLine((e as Error)?.message ?? String(e))}`;
    // Error text quotes tar entry names, manifest fields and registry messages: neutralise it.
    io.stderr.write(`msb: ${safeText(oneLine(msg))}\n`);
    return e instanceof MsbError ? e.exitCode : 3;
  }
}
