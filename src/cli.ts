import { Command, Option } from 'commander';
import { MsbError, oneLine } from './errors.js';
import type { SourceFlags } from './cli-source.js';

/**
 * Wires commander to the pipeline. Heavy modules (the analysis pipeline, ink) are imported inside the
 * actions so `msb --help` stays instant and `--json` never pays for the terminal UI.
 */

interface InspectFlags extends SourceFlags {
  json?: boolean;
  maxSize?: string;
  maxWaste?: string;
  minEfficiency?: string;
  failOn?: string;
  maxSavings?: string;
  text?: boolean;
  platform?: string;
  verify?: boolean;
  debug?: boolean;
  dockerfile?: string;
  target?: string;
  buildArg?: string[];
  files?: boolean;
}

const debug = process.argv.includes('--debug');

async function inspect(ref: string, flags: InspectFlags): Promise<void> {
  const { parsePlatform } = await import('./source/platform.js');
  const { sourceResolver, takeDownloads } = await import('./cli-source.js');
  const resolveImage = await sourceResolver(flags);
  const { inspectImage } = await import('./inspect.js');
  const { buildJsonReport } = await import('./report/json.js');
  const gate = await import('./report/gate.js');
  const limits = {
    maxSize: flags.maxSize !== undefined ? gate.parseSize(flags.maxSize, '--max-size') : undefined,
    maxWaste: flags.maxWaste !== undefined ? gate.parseWasteLimit(flags.maxWaste) : undefined,
    minEfficiency: flags.minEfficiency !== undefined ? gate.parseEfficiency(flags.minEfficiency) : undefined,
    failOn: flags.failOn !== undefined ? gate.parseFailOn(flags.failOn) : undefined,
    maxSavings: flags.maxSavings !== undefined ? gate.parseSize(flags.maxSavings, '--max-savings') : undefined,
  };
  const image = await resolveImage(ref, { platform: flags.platform ? parsePlatform(flags.platform) : undefined });
  try {
    const { attributeImage } = await import('./attribution.js');
    // Attribution first: a bad --dockerfile fails before the layers are walked.
    const attribution = await attributeImage(image, { dockerfile: flags.dockerfile, target: flags.target, buildArgs: flags.buildArg });
    if (!flags.json && !flags.text && !gate.hasLimits(limits) && process.stdout.isTTY && process.stdin.isTTY) {
      const { runTui } = await import('./tui/index.js');
      await runTui({
        image,
        inspect: (o) => inspectImage(image, { verify: flags.verify, ...o }),
        origins: () => attribution.origins,
        findings: async (ins, origins) => {
          const { findFindings } = await import('./analysis/findings/find.js');
          return findFindings({ analysis: ins.analysis, contents: ins.contents, origins }).findings;
        },
        // Registry layers download while they are walked: show it in the loading screen.
        subscribeDownloads: (emit) =>
          takeDownloads((p) => emit({ type: 'download', id: p.digest, bytes: p.bytes, total: p.total, done: p.done })),
      });
      return;
    }
    const ins = await inspectImage(image, { verify: flags.verify });
    const report = buildJsonReport(ins, { attribution, files: flags.files });
    const verdict = gate.hasLimits(limits) ? gate.evaluateGate(report, limits) : undefined;
    if (verdict) {
      report.gate = verdict;
      if (!verdict.pass) process.exitCode = 1;
    }
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    const { renderText } = await import('./report/text.js');
    process.stdout.write(renderText(report, process.stdout.columns || 100));
    if (verdict) process.stdout.write(`\n${gate.renderGate(verdict)}`);
  } finally {
    await image.close();
  }
}

async function diff(a: string, b: string, flags: InspectFlags): Promise<void> {
  const { parsePlatform } = await import('./source/platform.js');
  const { sourceResolver, takeDownloads } = await import('./cli-source.js');
  const resolveImage = await sourceResolver(flags);
  const { compareImages } = await import('./compare.js');
  const { buildDiffReport, renderDiffText } = await import('./report/diff.js');
  const platform = flags.platform ? parsePlatform(flags.platform) : undefined;
  const before = await resolveImage(a, { platform });
  try {
    const after = await resolveImage(b, { platform });
    try {
      if (!flags.json && !flags.text && process.stdout.isTTY && process.stdin.isTTY) {
        const { attributeImage } = await import('./attribution.js');
        const { runDiffTui } = await import('./tui/index.js');
        // The loading screen shows each layer's read (registry layers download as they are read);
        // the stderr download line would draw over the screen.
        const release = takeDownloads(() => undefined);
        try {
          await runDiffTui({
            before,
            after,
            compare: (x, y) => compareImages(before, after, { verify: flags.verify, ...x }, { verify: flags.verify, ...y }),
            origins: async (side) => (await attributeImage(side === 'before' ? before : after)).origins,
          });
        } finally {
          release();
        }
        return;
      }
      const report = buildDiffReport(await compareImages(before, after, { verify: flags.verify }));
      if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(renderDiffText(report, process.stdout.columns || 100));
    } finally {
      await after.close();
    }
  } finally {
    await before.close();
  }
}

/** Where images come from: shared by every command that reads images. */
function withSourceOptions(cmd: Command): Command {
  return cmd
    .option('--source <source>', 'read IMAGE from: daemon, podman, registry or archive (default: an existing path is an archive; a name comes from the Docker daemon if it has it, else its registry; prefixes docker:// podman:// registry:// choose too)')
    .option('--username <user>', 'registry user name (with --password-stdin)')
    .option('--password-stdin', 'read the registry password or token from stdin')
    .option('--insecure', 'talk plain HTTP to the registry (always so for localhost and 127.0.0.1)')
    .option('--cache-dir <dir>', 'where downloaded registry blobs are cached (default $XDG_CACHE_HOME/msb or ~/.cache/msb)')
    .option('--no-cache', 'do not read or write the blob cache');
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('msb')
    .description('Shows exactly why a container image is as big as it is.')
    .version('0.1.0')
    .option('--debug', 'show stack traces for errors')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ outputError: (str, write) => write(`msb: ${str.replace(/^error: /, '')}`) })
    // Usage errors exit 2 like other bad input; 1 is reserved for a failed CI gate.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
  withSourceOptions(program
    .command('inspect')
    .description('analyze an image: layers, wasted bytes, and what each instruction added'))
    .argument('<image>', 'a docker save / OCI archive, an OCI layout directory, or docker-archive:|oci:|oci-archive: PATH[:TAG]')
    .option('--json', 'print the JSON report to stdout')
    .option('--dockerfile <path>', 'attribute layers to the lines and stages of this Dockerfile')
    .option('--target <stage>', 'the stage the image was built as (with --dockerfile; default: the last)')
    .option('--build-arg <KEY=VALUE>', 'a build arg the image was built with (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--files', 'with --json: list every file of the final filesystem with its layer and origin')
    .option('--text', 'print the text report even in a terminal')
    .option('--platform <os/arch[/variant]>', 'pick this platform from a multi-platform image')
    .option('--verify', "read every byte and check each layer's digest and diff_id")
    .option('--max-size <size>', 'CI gate: fail (exit 1) if the image is larger, e.g. 500MB')
    .option('--max-waste <size|percent>', 'CI gate: fail if wasted bytes exceed this, e.g. 20MB or 5%')
    .option('--min-efficiency <ratio|percent>', 'CI gate: fail if efficiency is lower, e.g. 0.95 or 95%')
    .option('--fail-on <list>', 'CI gate: fail on any finding of these categories or severities, e.g. secret or secret,high')
    .option('--max-savings <size>', 'CI gate: fail if the fixes msb suggests would save more than this, e.g. 50MB')
    .addOption(new Option('--debug', 'show stack traces for errors').hideHelp())
    .action(inspect);
  withSourceOptions(program
    .command('diff')
    .description('compare two images: what was added, removed or changed, and where the size went'))
    .argument('<before>', 'the image to compare from (same forms as inspect)')
    .argument('<after>', 'the image to compare to')
    .option('--json', 'print the JSON diff report to stdout')
    .option('--text', 'print the text report even in a terminal')
    .option('--platform <os/arch[/variant]>', 'pick this platform from multi-platform images')
    .option('--verify', "read every byte and check each layer's digest and diff_id")
    .addOption(new Option('--debug', 'show stack traces for errors').hideHelp())
    .action(diff);
  return program;
}

async function main(): Promise<void> {
  // A closed pipe (msb inspect x | head) is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (e) {
    if (debug) console.error(e);
    const msg = e instanceof MsbError ? e.message : `internal error: ${oneLine((e as Error)?.message ?? String(e))}`;
    process.stderr.write(`msb: ${msg}\n`);
    process.exitCode = e instanceof MsbError ? e.exitCode : 3;
  }
}

await main();
