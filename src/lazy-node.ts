import { createRequire } from 'node:module';

/**
 * Node modules loaded on first use instead of when msb starts: `msb inspect` of an uncompressed
 * docker-archive never hashes, inflates or spawns, and loading node:crypto, node:zlib and
 * node:child_process (with net and dgram) was ~4% of its instructions on a 7k-file image.
 */
const load = createRequire(import.meta.url);
let crypto: typeof import('node:crypto') | undefined;
let zlib: typeof import('node:zlib') | undefined;
let childProcess: typeof import('node:child_process') | undefined;

export const nodeCrypto = (): typeof import('node:crypto') => (crypto ??= load('node:crypto') as typeof import('node:crypto'));
export const nodeZlib = (): typeof import('node:zlib') => (zlib ??= load('node:zlib') as typeof import('node:zlib'));
export const nodeChildProcess = (): typeof import('node:child_process') => (childProcess ??= load('node:child_process') as typeof import('node:child_process'));
