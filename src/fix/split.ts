import type { ParsedDockerfile } from '../analysis/attribution/dockerfile.js';
import { resolveFinal } from '../analysis/findings/runtime.js';
import type { InspectResult } from '../pipeline/types.js';
import type { Suggestion } from './plan.js';

/**
 * Splitting a single-stage build whose entrypoint is a native program (C, C++, Go, Rust...): build in
 * the stage as it is, then start a runtime stage FROM the same base and copy only the files the
 * entrypoint needs that the build added (its binary, and any library it loads from the build's
 * layers). Pure. Always a suggestion, never applied: msb sees what the program loads (ELF
 * DT_NEEDED) but not the files it opens at run time (templates, static assets, config), so the
 * stage text is printed for a person to check. The runtime base is the original FROM image, the
 * one base msb can show carries every library the program loads from outside the build.
 */

/** More files than this from the build's own layers, and the runtime is an installed stack, not a program. */
const MAX_COPIED = 8;
/** Config-carrying instructions the runtime stage repeats, in their order. */
const CARRIED = new Set(['ENV', 'WORKDIR', 'USER', 'EXPOSE', 'LABEL', 'ENTRYPOINT', 'CMD', 'STOPSIGNAL', 'HEALTHCHECK', 'VOLUME', 'SHELL']);

/** Where distribution packages put programs and libraries: a program there was installed, not built. */
const PACKAGED = /^(?:usr\/)?(?:s?bin|lib(?:32|64|x32)?|libexec)\//;
const SHARED_LIB = /\.so(?:\.\d+)*$/;

/** `df` is `dockerfileText` parsed (plan.ts's planFixes parses it the same way). */
export function planSplit(result: InspectResult, df: ParsedDockerfile, dockerfileText: string): Suggestion | undefined {
  if (df.stages.length !== 1) return undefined;
  const stage = df.stages[0];
  if (stage.from === 'scratch') return undefined;
  // The runtime set's own verdict: one native program (no shell, interpreter or launcher, no file of
  // the image as an argument) whose libraries all resolved, so its files are exactly what it loads.
  const rt = result.findings.runtime;
  if (!rt.native) return undefined;
  const root = result.analysis.root;
  const baseLayers = result.layers.filter((l) => l.origin.base !== undefined).length;
  if (baseLayers === 0) return undefined;
  // Beyond the base image it must need the program the build made (not a packaged one under /usr
  // or /lib: installed, not built, with data files msb does not see) and shared libraries only.
  const own = rt.files
    .map((f) => resolveFinal(root, f))
    .filter((h): h is NonNullable<typeof h> => h !== undefined && h.node.data !== undefined && h.node.layer >= baseLayers);
  const files = [...new Map(own.map((h) => [h.path, h.node])).entries()];
  const programs = files.filter(([p]) => !SHARED_LIB.test(p));
  if (programs.length !== 1 || PACKAGED.test(programs[0][0]) || files.length > MAX_COPIED) return undefined;

  const ownBytes = result.layers.slice(baseLayers).reduce((s, l) => s + l.stats.bytes, 0);
  const kept = files.reduce((s, [, n]) => s + n.data!.size, 0);
  const bytes = ownBytes - kept;
  if (bytes <= 0) return undefined;
  const lines = dockerfileText.split('\n');
  const carried = stage.steps.filter((s) => CARRIED.has(s.keyword)).map((s) => lines.slice(s.line - 1, s.endLine).join('\n'));
  const from = lines[stage.line - 1].trim();
  const text = [
    `${from.replace(/\s+AS\s+\S+\s*$/i, '')} AS build`,
    '# … the build as it is …',
    from.replace(/\s+AS\s+\S+\s*$/i, ''),
    ...files.map(([p]) => `COPY --from=build /${p} /${p}`),
    ...carried,
  ];
  return {
    line: stage.line,
    rules: ['split-stages'],
    bytes,
    why: `build in a stage of its own and run from ${stage.from} with only ${files.map(([p]) => `/${p}`).join(', ')} copied (what \`${rt.command.join(' ').slice(0, 60)}\` loads beyond the base image); add any file the program opens at run time, which msb cannot see: ${text.join(' ⏎ ')}`,
  };
}
