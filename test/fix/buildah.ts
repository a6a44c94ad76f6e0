import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runMsb } from '../helpers/cli.js';

/**
 * The rebuild proofs' tools: a private buildah store under a temp dir (vfs, chroot isolation: no
 * daemon, nothing outside the dir), build and save to a docker-archive, and msb's JSON output.
 */
export class Buildah {
  readonly dir: string;
  readonly args: string[];
  constructor(prefix: string) {
    this.dir = mkdtempSync(path.join(tmpdir(), prefix));
    this.args = ['--storage-driver', 'vfs', '--root', path.join(this.dir, 'storage'), '--runroot', path.join(this.dir, 'runroot')];
  }

  /** Builds `dockerfile` in `ctx` as `tag`; returns the seconds it took. */
  build(dockerfile: string, tag: string, ctx: string, timeoutMs = 600_000): number {
    const t0 = Date.now();
    execFileSync('buildah', [...this.args, 'build', '--isolation', 'chroot', '--network', 'host', '--layers', '--pull-never', '-q', '-f', dockerfile, '-t', tag, ctx], { stdio: ['ignore', 'ignore', 'inherit'], timeout: timeoutMs });
    return (Date.now() - t0) / 1000;
  }

  /** `buildah push` of `tag` to a docker-archive at `file`. */
  save(tag: string, file: string): string {
    execFileSync('buildah', [...this.args, 'push', '-q', tag, `docker-archive:${file}:${tag.replace(/^localhost\//, '')}`], { stdio: 'inherit' });
    return file;
  }

  /** Runs `argv` in a container of `tag`; its stdout. */
  run(tag: string, argv: string[]): string {
    const c = execFileSync('buildah', [...this.args, 'from', '-q', tag], { encoding: 'utf8' }).trim();
    try {
      return execFileSync('buildah', [...this.args, 'run', '--isolation', 'chroot', c, '--', ...argv], { encoding: 'utf8' });
    } finally {
      execFileSync('buildah', [...this.args, 'rm', c], { stdio: 'ignore' });
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** msb's JSON output for `args`, asserting exit 0. */
export async function msbJson(args: string[]) {
  const r = await runMsb(args);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}
