import { processIo } from './io.js';
import { VERSION } from './version.js';

/** The process entry point (bin/msb.js): the real process as the run's io. */

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // Answered before the command line parser is even loaded: start-up is most of this command.
  process.stdout.write(`${VERSION}\n`);
} else {
  // A closed pipe (msb inspect x | head) is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  const { run } = await import('./run.js');
  process.exitCode = await run(argv, processIo());
}
