import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Shared by the TUI's process-level tests: the compiled CLI and the buildah-built test image. */

export const repo = resolve(import.meta.dirname, '../..');

/**
 * Builds the CLI as it ships (the esbuild bundle of scripts/build.mjs) into a directory of its own
 * (dist/ may be rebuilt by another test meanwhile) and returns the path of its entry file. Inside
 * the repo so the packages left outside the bundle (ink, react, dockerode) resolve.
 */
export function buildCli(name: string): string {
  const out = join(repo, '.test-dist', name);
  execFileSync(process.execPath, [join(repo, 'scripts/build.mjs'), out], { cwd: repo, stdio: 'inherit' });
  return join(out, 'msb.js');
}

export function removeCli(name: string): void {
  rmSync(join(repo, '.test-dist', name), { recursive: true, force: true });
}

/**
 * The image of test/fixtures/tui (docker-archive), built once per Dockerfile version into the temp
 * dir and shared by the test files (renamed into place, so concurrent builders never see half a tar).
 */
export function tuiImage(): string {
  const here = join(repo, 'test/fixtures/tui');
  const hash = createHash('sha256').update(readFileSync(join(here, 'Dockerfile'))).update(readFileSync(join(here, 'build.sh'))).digest('hex').slice(0, 12);
  const tar = join(tmpdir(), `msb-tui-demo-${hash}.tar`);
  if (existsSync(tar)) return tar;
  const part = `${tar}.${process.pid}.part`;
  execFileSync('bash', [join(here, 'build.sh'), part], { stdio: 'inherit' });
  renameSync(part, tar);
  return tar;
}
