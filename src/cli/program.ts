import { Command, Option } from 'commander';
import type { Io } from './io.js';

/**
 * Commander wiring only: options and arguments, each command's action a lazily imported module, so
 * `msb --help` stays instant and `--json` never pays for the terminal UI. `setExit` receives the
 * command's exit code.
 */

/** Where images come from: shared by every command that reads images. */
function withSourceOptions(cmd: Command): Command {
  return cmd
    .option('--source <source>', 'read IMAGE from: daemon, podman, registry or archive (default: an existing path is an archive; a name comes from the Docker daemon if it has it, else its registry; prefixes docker:// podman:// registry:// choose too)')
    .option('--username <user>', 'registry user name (with --password-stdin)')
    .option('--password-stdin', 'read the registry password or token from stdin')
    .option('--insecure', 'skip TLS certificate checks for the named registry, falling back to plain HTTP (loopback registries always use HTTP)')
    .option('--cache-dir <dir>', 'where downloaded registry blobs are cached (default $XDG_CACHE_HOME/msb or ~/.cache/msb)')
    .option('--no-cache', 'do not read or write the blob and layer caches')
    .option('--offline', "registry images: use only msb's cache (a tag's manifest as last fetched), never the network");
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name('msb')
    .description('Shows exactly why a container image is as big as it is.')
    .version('0.1.0')
    .option('--debug', 'show stack traces for errors')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (str, write) => write(`msb: ${str.replace(/^error: /, '')}`),
    })
    // Commander throws instead of exiting; run() turns it into the exit code.
    .exitOverride();
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
    .option('--format <format>', 'report format: text, json, markdown, sarif, codeclimate or html (repeatable; pairs in order with -o)', collect)
    .option('-o, --output <file>', 'write the report to FILE atomically instead of stdout (repeatable; pairs in order with --format)', collect)
    .option('--ci', 'CI mode (also CI=true with no report format): no UI, the rule table, exit 0 pass, 1 fail, 2 bad input')
    .option('--ci-config <file>', "dive's CI rules file (default: .dive-ci or .dive-ci.yml in the working directory)")
    .option('--config <file>', "msb's CI rules file (default: .msb.yml in the working directory)")
    .option('--lowestEfficiency <ratio>', "dive's rule: fail if efficiency is lower, e.g. 0.95, or disabled")
    .option('--highestWastedBytes <size>', "dive's rule: fail if wasted bytes exceed this, e.g. 20MB, 20MiB, or disabled")
    .option('--highestUserWastedPercent <ratio>', "dive's rule: fail if waste outside the base image exceeds this share, e.g. 0.1, or disabled")
    .option('--baseline <image|report.json>', 'compare with this image or saved JSON report (maxGrowth, maxNewFindings)')
    .option('--max-growth <size|percent>', 'CI gate with --baseline: fail if the image grew more, e.g. 5MB, 10% or 10%,5MB (both)')
    .option('--max-new-findings <n>', 'CI gate with --baseline: fail on more than N findings the baseline did not have')
    .addOption(new Option('--debug', 'show stack traces for errors').hideHelp())
    .action(async (ref, flags) => setExit(await (await import('./inspect.js')).inspectCommand(ref, flags, io)));
  withSourceOptions(program
    .command('diff')
    .description('compare two images: what was added, removed or changed, and where the size went'))
    .argument('<before>', 'the image to compare from (same forms as inspect)')
    .argument('<after>', 'the image to compare to')
    .option('--json', 'print the JSON diff report to stdout')
    .option('--format <text|json|html>', 'the diff report format (html: a self-contained page with a map of where the image grew)')
    .option('-o, --output <file>', 'write the report to this file (atomically) instead of stdout')
    .option('--text', 'print the text report even in a terminal')
    .option('--platform <os/arch[/variant]>', 'pick this platform from multi-platform images')
    .option('--verify', "read every byte and check each layer's digest and diff_id")
    .addOption(new Option('--debug', 'show stack traces for errors').hideHelp())
    .action(async (a, b, flags) => setExit(await (await import('./diff.js')).diffCommand(a, b, flags, io)));
  withSourceOptions(program
    .command('fix')
    .description('write the Dockerfile patch that makes the image smaller, with the bytes each change saves'))
    .argument('<image>', 'the image built from the Dockerfile (same forms as inspect)')
    .requiredOption('--dockerfile <path>', 'the Dockerfile the image was built from')
    .option('--target <stage>', 'the stage the image was built as (default: the last)')
    .option('--build-arg <KEY=VALUE>', 'a build arg the image was built with (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--platform <os/arch[/variant]>', 'pick this platform from a multi-platform image')
    .option('--context <dir>', "the build context, where .dockerignore lines go (default: the Dockerfile's directory)")
    .option('--apply', 'rewrite the Dockerfile (and .dockerignore) in place, atomically')
    .option('--harden', 'also run the final stage as a non-root user (USER 65534:65534; opt-in: it can break an app that needs root)')
    .option('--format <diff|json>', 'output: a unified diff (default) or JSON')
    .addOption(new Option('--debug', 'show stack traces for errors').hideHelp())
    .action(async (ref, flags) => setExit(await (await import('./fix.js')).fixCommand(ref, flags, io)));
  withSourceOptions(program
    .command('scan')
    .description('inspect many images in one run: a table per image, the layers they share (each walked once), the top causes across them'))
    .argument('[images...]', 'images (same forms as inspect)')
    .option('--from-file <list>', 'read more images from this file, one per line (# comments; - for stdin)')
    .option('--json', 'print the JSON scan report to stdout')
    .option('--jobs <n>', 'images inspected at once (default 2)')
    .option('--platform <os/arch[/variant]>', 'pick this platform from multi-platform images')
    .option('--max-size <size>', 'CI gate, per image: fail (exit 1) if any image is larger, e.g. 500MB')
    .option('--max-waste <size|percent>', 'CI gate, per image: fail if wasted bytes exceed this')
    .option('--min-efficiency <ratio|percent>', 'CI gate, per image: fail if efficiency is lower')
    .option('--fail-on <list>', 'CI gate, per image: fail on any finding of these categories or severities')
    .option('--max-savings <size>', 'CI gate, per image: fail if the suggested fixes would save more than this')
    .addOption(new Option('--debug', 'show stack traces for errors').hideHelp())
    .action(async (images, flags) => setExit(await (await import('./scan.js')).scanCommand(images, flags, io)));
  program
    .command('cache')
    .description("msb's cache (tag records for offline use, layer analyses, downloaded blobs): ls, du, or prune it")
    .argument('<action>', 'ls | du | prune')
    .option('--cache-dir <dir>', 'the cache directory (default $XDG_CACHE_HOME/msb or ~/.cache/msb)')
    .option('--older-than <age>', 'prune: remove entries (layers, blobs, tag records) unused for longer than this, e.g. 30d, 12h')
    .option('--max-size <size>', 'prune: then remove the least recently used until the rest fit, e.g. 2GB')
    .option('--json', 'print JSON')
    .addOption(new Option('--debug', 'show stack traces for errors').hideHelp())
    .action(async (action, flags) => setExit(await (await import('./cache.js')).cacheCommand(action, flags, io)));
  return program;
}
