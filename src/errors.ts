/**
 * An error the user caused or can act on: bad input, a missing image, a daemon that is not running.
 * The CLI prints its message as one line and exits with `exitCode`; anything else is a bug and
 * only shows a stack trace under --debug.
 */
export class MsbError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'MsbError';
  }
}

/** Prefix an error with where it happened ("x.tar: layer 2 (sha256:ab…)") and keep it one line. */
export function contextError(where: string, err: unknown): MsbError {
  const msg = err instanceof Error ? err.message : String(err);
  return new MsbError(`${where}: ${oneLine(msg)}`, err instanceof MsbError ? err.exitCode : 2);
}

export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

export function shortDigest(d: string | undefined): string {
  if (!d) return '?';
  const [algo, hex] = d.includes(':') ? d.split(':', 2) : ['sha256', d];
  return `${algo}:${hex.slice(0, 12)}`;
}
