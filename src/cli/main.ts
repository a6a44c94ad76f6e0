import { processIo } from './io.js';
import { run } from './run.js';

/** The process entry point (bin/msb.js): the real process as the run's io. */

// A closed pipe (msb inspect x | head) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});
process.exitCode = await run(process.argv.slice(2), processIo());
