import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MsbError } from '../errors.js';
import { safeJson, safeLines } from '../safe-text.js';
import type { Io } from './io.js';
import type { InspectResult } from '../pipeline/types.js';
import { Progress } from './progress.js';
import { layerCacheOf, sourceResolver, type SourceFlags } from './source-flags.js';

/**
 * `msb fix IMAGE --dockerfile PATH`: the Dockerfile patch the image's evidence supports, with the
 * bytes each change saves; `--apply` writes it in place (a temp file renamed over the original, so
 * the file is never half-written).
 */

export interface FixFlags extends SourceFlags {
  dockerfile: string;
  target?: string;
  context?: string;
  buildArg?: string[];
  platform?: string;
  apply?: boolean;
  harden?: boolean;
  format?: string;
}

export async function fixCommand(ref: string, flags: FixFlags, io: Io): Promise<number> {
  const format = flags.format ?? 'diff';
  if (format !== 'diff' && format !== 'json') throw new MsbError(`invalid --format "${format}": expected diff or json`);
  const { parsePlatform } = await import('../source/platform.js');
  const { inspect } = await import('../pipeline/inspect.js');
  const { applyPlan, renderFixDiff } = await import('../report/fix.js');
  const { applyIgnore } = await import('../fix/dockerignore.js');
  const progress = new Progress(io.stderr.isTTY ? io.stderr : undefined);
  const resolveImage = await sourceResolver(flags, io, progress);
  const image = await resolveImage(ref, { platform: flags.platform ? parsePlatform(flags.platform) : undefined });
  let result;
  try {
    // The layer cache as for inspect: a second msb fix (after an edit, or with --apply) reads no layer bytes.
    result = await inspect(image, { dockerfile: flags.dockerfile, target: flags.target, buildArgs: flags.buildArg, layerCache: await layerCacheOf(flags, io), onProgress: progress.walk(ref) });
  } finally {
    progress.clear();
    await image.close();
  }
  const { text, plan, ignore, bytes: total, rel, ignoreRel, ignoreFile, existing } = await readAndPlan(result, flags.dockerfile, flags, io);
  if (format === 'json') {
    const dockerignore = { file: ignoreRel, created: existing === undefined, lines: ignore.lines };
    io.stdout.write(`${safeJson(JSON.stringify({ schemaVersion: 1, dockerfile: rel, predictedSavingsBytes: total, hunks: plan.hunks, dockerignore, suggestions: [...plan.suggestions, ...ignore.suggestions] }, null, 2))}\n`);
  } else {
    io.stdout.write(safeLines(renderFixDiff(rel, text, plan, { file: ignoreRel, existing, plan: ignore })));
  }
  if (flags.apply && plan.hunks.length) {
    await writeAtomically(flags.dockerfile, applyPlan(text, plan));
    io.stderr.write(`msb: wrote ${rel} (${plan.hunks.length} change${plan.hunks.length === 1 ? '' : 's'})\n`);
  }
  if (flags.apply && ignore.lines.length) {
    await writeAtomically(ignoreFile, applyIgnore(existing, ignore));
    io.stderr.write(`msb: wrote ${ignoreRel} (${ignore.lines.length} line${ignore.lines.length === 1 ? '' : 's'} added)\n`);
  }
  return 0;
}

/**
 * `msb fix`'s plan (fix/all.ts) with its inputs read: the Dockerfile, and the .dockerignore the
 * build reads, with the paths as the diff names them. The terminal UI's Fix view uses it too. A
 * Dockerfile that does not align with the image is refused.
 */
export async function readAndPlan(result: InspectResult, dockerfile: string, flags: { buildArg?: string[]; harden?: boolean; context?: string }, io: Io) {
  const { parseBuildArgs } = await import('../pipeline/attribution.js');
  const { alignmentProblem } = await import('../fix/plan.js');
  const { planAll } = await import('../fix/all.js');
  const problem = alignmentProblem(result, dockerfile);
  if (problem) throw new MsbError(problem);
  const text = await readFile(dockerfile, 'utf8');
  const relOf = (p: string) => path.relative(io.cwd, path.resolve(io.cwd, p)).split(path.sep).join('/');
  // BuildKit reads <Dockerfile>.dockerignore beside the Dockerfile first, then the context's .dockerignore.
  const beside = `${dockerfile}.dockerignore`;
  const ignoreFile = (await readOptional(beside)) !== undefined ? beside : path.join(flags.context ?? path.dirname(dockerfile), '.dockerignore');
  const existing = await readOptional(ignoreFile);
  const full = planAll(result, text, { buildArgs: parseBuildArgs(flags.buildArg), harden: flags.harden }, existing);
  return { ...full, text, rel: relOf(dockerfile), ignoreRel: relOf(ignoreFile), ignoreFile, existing };
}

/** A temp file beside the target, renamed over it: the file is never half-written. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.msb-fix.${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MsbError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
