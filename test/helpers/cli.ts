import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/run.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A cache directory of this test process (blob and layer caches), so no run reads what an earlier
 * test run, or the user's own msb, left in ~/.cache/msb. Removed when the process exits.
 */
export const TEST_CACHE_HOME = mkdtempSync(path.join(os.tmpdir(), 'msb-test-cache-'));
process.on('exit', () => rmSync(TEST_CACHE_HOME, { recursive: true, force: true }));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeout?: number;
}

/** Runs the msb CLI from source in a process of its own (through tsx), as a user would run the binary. */
export function spawnMsb(args: string[], opts: RunOptions = {}): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: TEST_CACHE_HOME, ...opts.env },
    input: opts.input,
    timeout: opts.timeout ?? 60_000,
    maxBuffer: 256 << 20,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A Writable that keeps what is written (not a terminal: no TTY, no columns). */
function sink(): Writable & { text(): string } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return Object.assign(w, { text: () => Buffer.concat(chunks).toString('utf8') });
}

/** Runs the msb CLI in this process through run(argv, io), with the repo root as the working directory. */
export async function runMsb(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  const stdout = sink();
  const stderr = sink();
  const stdin = Readable.from(opts.input !== undefined ? [Buffer.from(opts.input)] : []);
  const code = await run(args, { stdout, stderr, stdin, env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: TEST_CACHE_HOME, ...opts.env }, cwd: ROOT });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

export function fixture(name: string): string {
  return path.join(ROOT, 'test/fixtures/images', name);
}
