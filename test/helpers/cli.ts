import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the msb CLI from source (through tsx), as a user would run the binary. */
export function runMsb(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeout?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    input: opts.input,
    timeout: opts.timeout ?? 60_000,
    maxBuffer: 256 << 20,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function fixture(name: string): string {
  return path.join(ROOT, 'test/fixtures/images', name);
}
