import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../../src/analysis/findings/types.js';
import { inspect as runPipeline } from '../../src/pipeline/inspect.js';
import type { InspectOptions, InspectResult } from '../../src/pipeline/types.js';
import { resolveImage } from '../../src/source/resolve.js';

/**
 * What the fixture tests share: the pipeline's result for an archive, and the removal check (the
 * image unpacked, the files msb names removed the way dpkg would, the app run in a chroot).
 */

export async function inspectArchive(path: string, opts: InspectOptions = {}): Promise<InspectResult> {
  const img = await resolveImage(path);
  try {
    return await runPipeline(img, opts);
  } finally {
    await img.close();
  }
}

/** Finding categories that claim build-only bytes (the ones the truth tables measure). */
export const BUILD = new Set(['toolchain', 'cache', 'source']);
export const sum = (fs: Finding[]) => fs.reduce((s, f) => s + f.bytes, 0);
export const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;

/** The image's merged filesystem in a fresh dir (`DIR/root`): each layer streamed out of the archive, in order (no whiteouts in these fixtures). */
export function unpack(tar: string, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const root = join(dir, 'root');
  mkdirSync(root);
  const [manifest] = JSON.parse(execFileSync('tar', ['-xOf', tar, 'manifest.json'], { encoding: 'utf8' })) as Array<{ Layers: string[] }>;
  for (const l of manifest.Layers) execFileSync('bash', ['-c', 'tar -xOf "$1" "$2" | tar --numeric-owner -xf - -C "$3"', 'unpack', tar, l, root]);
  return dir;
}

/** Removes files the way dpkg would: files and symlinks to files; directories stay. */
export function removeFiles(root: string, paths: string[]): void {
  for (const p of paths) {
    const f = join(root, p);
    try {
      if (statSync(f).isDirectory()) continue; // merged /usr: /lib64 is a symlink to a directory
    } catch {
      // a dangling symlink, or gone already
    }
    rmSync(f, { force: true });
  }
}

/** Removes every file of `packages` the way `dpkg --purge` would, from their dpkg file lists in the unpacked `root`. */
export function removePackages(root: string, packages: Array<{ name: string }>): void {
  const gone: string[] = [];
  const info = join(root, 'var/lib/dpkg/info');
  const lists = readdirSync(info);
  for (const p of packages) {
    // libstd-rust-dev:amd64.list: Multi-Arch: same packages carry the arch in the name
    const list = lists.find((n) => n === `${p.name}.list` || (n.startsWith(`${p.name}:`) && n.endsWith('.list')));
    assert.ok(list, `${p.name} has a dpkg file list`);
    for (const f of readFileSync(join(info, list), 'utf8').split('\n')) {
      if (f && f !== '/.') gone.push(f);
    }
  }
  removeFiles(root, gone);
}
