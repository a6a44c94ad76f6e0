import type { Readable, Writable } from 'node:stream';

/**
 * Everything one run of the CLI talks to, passed in rather than read from `process`, so tests run
 * the CLI in-process and nothing leaks from one run into the next.
 */
export interface Io {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Where relative paths given on the command line are read from. */
  cwd: string;
}

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}

/** The terminal UI opens only when a person is at a terminal on both ends, and never under CI=true. */
export function interactive(io: Io): boolean {
  return !!io.stdout.isTTY && !!io.stdin.isTTY && !/^(true|1)$/i.test(io.env.CI ?? '');
}
