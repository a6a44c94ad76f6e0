import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MsbError } from '../errors.js';
import { safeJson, safeLines } from '../safe-text.js';
import type { Io } from './io.js';
import { Progress } from './progress.js';
import { sourceResolver, type SourceFlags } from './source-flags.js';

/**
 * `msb fix IMAGE --dockerfile PATH`: the Dockerfile patch the image's evidence supports, with the
 * bytes each change saves; `--apply` writes it in place (a temp file renamed over the original, so
 * the file is never half-written).
 */

export interface FixFlags extends SourceFlags {
  dockerfile: string;
  target?: string;
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
  const { parseBuildArgs } = await import('../pipeline/attribution.js');
  const { alignmentProblem, planFixes } = await import('../fix/plan.js');
  const { applyPlan, renderFixDiff } = await import('../report/fix.js');
  const progress = new Progress(io.stderr.isTTY ? io.stderr : undefined);
  const resolveImage = await sourceResolver(flags, io, progress);
  const image = await resolveImage(ref, { platform: flags.platform ? parsePlatform(flags.platform) : undefined });
  let result;
  try {
    result = await inspect(image, { dockerfile: flags.dockerfile, target: flags.target, buildArgs: flags.buildArg, onProgress: progress.walk(ref) });
  } finally {
    progress.clear();
    await image.close();
  }
  const problem = alignmentProblem(result, flags.dockerfile);
  if (problem) throw new MsbError(problem);
  const text = await readFile(flags.dockerfile, 'utf8');
  const plan = planFixes(result, text, { buildArgs: parseBuildArgs(flags.buildArg), harden: flags.harden });
  const rel = path.relative(io.cwd, path.resolve(io.cwd, flags.dockerfile)).split(path.sep).join('/');
  if (format === 'json') {
    io.stdout.write(`${safeJson(JSON.stringify({ schemaVersion: 1, dockerfile: rel, predictedSavingsBytes: plan.bytes, hunks: plan.hunks, suggestions: plan.suggestions }, null, 2))}\n`);
  } else {
    io.stdout.write(safeLines(renderFixDiff(rel, text, plan)));
  }
  if (flags.apply && plan.hunks.length) {
    const tmp = `${flags.dockerfile}.msb-fix.${process.pid}`;
    await writeFile(tmp, applyPlan(text, plan));
    await rename(tmp, flags.dockerfile);
    io.stderr.write(`msb: wrote ${rel} (${plan.hunks.length} change${plan.hunks.length === 1 ? '' : 's'})\n`);
  }
  return 0;
}
