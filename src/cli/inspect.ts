import { safeJson, safeLines } from '../safe-text.js';
import type { Io } from './io.js';
import { interactive } from './io.js';
import { Progress } from './progress.js';
import { layerCacheOf, sourceResolver, type SourceFlags } from './source-flags.js';

/** `msb inspect`: resolve the image, run the pipeline once, then render: the UI, JSON or text, and the gate. */

export interface InspectFlags extends SourceFlags {
  json?: boolean;
  maxSize?: string;
  maxWaste?: string;
  minEfficiency?: string;
  failOn?: string;
  maxSavings?: string;
  text?: boolean;
  platform?: string;
  verify?: boolean;
  dockerfile?: string;
  target?: string;
  buildArg?: string[];
  files?: boolean;
}

/** Returns the exit code: 0, or 1 when a gate check failed. */
export async function inspectCommand(ref: string, flags: InspectFlags, io: Io): Promise<number> {
  const { parsePlatform } = await import('../source/platform.js');
  const gate = await import('../report/gate.js');
  const limits = {
    maxSize: flags.maxSize !== undefined ? gate.parseSize(flags.maxSize, '--max-size') : undefined,
    maxWaste: flags.maxWaste !== undefined ? gate.parseWasteLimit(flags.maxWaste) : undefined,
    minEfficiency: flags.minEfficiency !== undefined ? gate.parseEfficiency(flags.minEfficiency) : undefined,
    failOn: flags.failOn !== undefined ? gate.parseFailOn(flags.failOn) : undefined,
    maxSavings: flags.maxSavings !== undefined ? gate.parseSize(flags.maxSavings, '--max-savings') : undefined,
  };
  const progress = new Progress(io.stderr.isTTY ? io.stderr : undefined);
  const resolveImage = await sourceResolver(flags, io, progress);
  const { inspect } = await import('../pipeline/inspect.js');
  const image = await resolveImage(ref, { platform: flags.platform ? parsePlatform(flags.platform) : undefined });
  const options = { verify: flags.verify, dockerfile: flags.dockerfile, target: flags.target, buildArgs: flags.buildArg, layerCache: await layerCacheOf(flags, io) };
  try {
    if (!flags.json && !flags.text && !gate.hasLimits(limits) && interactive(io)) {
      const { runTui } = await import('../tui/index.js');
      await runTui({
        image,
        inspect: (o) => inspect(image, { ...options, ...o }),
        // Registry layers download while they are walked: show it in the loading screen.
        subscribeDownloads: (emit) =>
          progress.takeDownloads((p) => emit({ type: 'download', id: p.digest, bytes: p.bytes, total: p.total, done: p.done })),
      });
      return 0;
    }
    let result;
    try {
      result = await inspect(image, { ...options, onProgress: progress.walk(ref) });
    } finally {
      progress.clear();
    }
    const verdict = gate.hasLimits(limits) ? gate.evaluateGate(result, limits) : undefined;
    if (flags.json) {
      const { buildJsonReport } = await import('../report/json.js');
      const report = buildJsonReport(result, { files: flags.files });
      if (verdict) report.gate = verdict;
      io.stdout.write(`${safeJson(JSON.stringify(report, null, 2))}\n`);
    } else {
      const { renderText } = await import('../report/text.js');
      io.stdout.write(safeLines(renderText(result, io.stdout.columns || 100)));
      if (verdict) io.stdout.write(safeLines(`\n${gate.renderGate(verdict)}`));
    }
    return verdict && !verdict.pass ? 1 : 0;
  } finally {
    await image.close();
  }
}
