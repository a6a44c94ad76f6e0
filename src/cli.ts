import { Command, Option } from 'commander';
import { MsbError, oneLine } from './errors.js';
import type { SourceFlags } from './cli-source.js';

/**
 * Wires commander to the pipeline. Heavy modules (the analysis pipeline, ink) are imported inside the
 * actions so `msb --help` stays instant and `--json` never pays for the terminal UI.
 */

interface InspectFlags extends SourceFlags {
  json?: boolean;
  text?: boolean;
  platform?: string;
  verify?: boolean;
  debug?: boolean;
}

const debug = process.argv.includes('--debug');

async function inspect(ref: string, flags: InspectFlags): Promise<void> {
  const { parsePlatform } = await import('./source/platform.js');
  const resolveImage = await (await import('./cli-source.js')).sourceResolver(flags);
  const { inspectImage } = await import('./inspect.js');
  const { buildJsonReport } = await import('./report/json.js');
  const image = await resolveImage(ref, { platform: flags.platform ? parsePlatform(flags.platform) : undefined });
  try {
    const ins = await inspectImage(image, { verify: flags.verify });
    const report = buildJsonReport(ins);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    const { renderText } = await import('./report/text.js');
    process.stdout.write(renderText(report, process.stdout.columns || 100));
  } finally {
    await image.close();
  }
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('msb')
    .description('Shows exactly why a container image is as big as it is.')
    .version('0.1.0')
    .option('--debug', 'show stack traces for errors')
    .showHelpAfterError();
  program
    .command('inspect')
    .description('analyze an image: layers, wasted bytes, and what each instruction added')
    .option('--source <source>', 'read IMAGE from: daemon, podman, registry or archive (default: an existing path is an archive; a name comes from the Docker daemon if it has it, else its registry; prefixes docker:// podman:// registry:// choose too)')
    .option('--username <user>', 'registry user name (with --password-stdin)')
    .option('--password-stdin', 'read the registry password or token from stdin')
    .option('--insecure', 'talk plain HTTP to the registry (always so for localhost and 127.0.0.1)')
    .option('--cache-dir <dir>', 'where downloaded registry blobs are cached (default $XDG_CACHE_HOME/msb or ~/.cache/msb)')
    .option('--no-cache', 'do not read or write the blob cache')
    .argument('<image>', 'a docker save / OCI archive, an OCI layout directory, or docker-archive:|oci:|oci-archive: PATH[:TAG]')
    .option('--json', 'print the JSON report to stdout')
    .option('--text', 'print the text report even in a terminal')
    .option('--platform <os/arch[/variant]>', 'pick this platform from a multi-platform image')
    .option('--verify', "read every byte and check each layer's digest and diff_id")
    .addOption(new Option('--debug', 'show stack traces for errors').hideHelp())
    .action(inspect);
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
