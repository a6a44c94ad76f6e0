import { safeJson, safeLines } from '../safe-text.js';
import { MsbError } from '../errors.js';
import type { Io } from './io.js';
import { planOutputs, writeAtomic } from './output.js';
import { interactive } from './io.js';
import { Progress } from './progress.js';
import { layerCacheOf, sourceResolver, type SourceFlags } from './source-flags.js';

/** `msb diff`: inspect both images through the pipeline, compare, then render the UI, JSON or text. */

export interface DiffFlags extends SourceFlags {
  json?: boolean;
  format?: string;
  output?: string;
  text?: boolean;
  platform?: string;
  verify?: boolean;
}

export async function diffCommand(a: string, b: string, flags: DiffFlags, io: Io): Promise<number> {
  const { parsePlatform } = await import('../source/platform.js');
  const progress = new Progress(io.stderr.isTTY ? io.stderr : undefined);
  const resolveImage = await sourceResolver(flags, io, progress);
  const { inspect } = await import('../pipeline/inspect.js');
  const { diffResults } = await import('../pipeline/diff.js');
  const platform = flags.platform ? parsePlatform(flags.platform) : undefined;
  const layerCache = await layerCacheOf(flags, io);
  const before = await resolveImage(a, { platform });
  try {
    const after = await resolveImage(b, { platform });
    try {
      const format = flags.format ?? (flags.json ? 'json' : flags.text ? 'text' : undefined);
      if (format !== undefined && !['text', 'json', 'html'].includes(format)) throw new MsbError(`unknown --format "${format}": expected one of text, json, html`);
      const target = flags.output ? planOutputs([format ?? 'text'], [flags.output], io.cwd)[0] : undefined;
      if (format === undefined && !target && interactive(io)) {
        const { runDiffTui } = await import('../tui/index.js');
        // The loading screen shows each layer's read (registry layers download as they are read);
        // the stderr download line would draw over the screen.
        const release = progress.takeDownloads(() => undefined);
        try {
          await runDiffTui({
            before,
            after,
            compare: async (x, y) => diffResults(await inspect(before, { verify: flags.verify, layerCache, ...x }), await inspect(after, { verify: flags.verify, layerCache, ...y })),
          });
        } finally {
          release();
        }
        return 0;
      }
      let result;
      try {
        const x = await inspect(before, { verify: flags.verify, layerCache, onProgress: progress.walk(a) });
        const y = await inspect(after, { verify: flags.verify, layerCache, onProgress: progress.walk(b) });
        result = await diffResults(x, y);
      } finally {
        progress.clear();
      }
      const { buildDiffReport, renderDiffText } = await import('../report/diff.js');
      const report = buildDiffReport(result);
      const text =
        format === 'html'
          ? (await import('../report/html/page.js')).renderDiffHtml(result)
          : format === 'json'
            ? `${safeJson(JSON.stringify(report, null, 2))}\n`
            : safeLines(renderDiffText(report, io.stdout.columns || 100));
      if (target?.file) writeAtomic(target.file, target.shown!, text);
      else io.stdout.write(text);
      return 0;
    } finally {
      await after.close();
    }
  } finally {
    await before.close();
  }
}
