import prettyBytes from 'pretty-bytes';
import type { DockerfileStage, ParsedDockerfile } from '../analysis/attribution/dockerfile.js';
import type { InspectResult } from '../pipeline/types.js';
import type { Hunk } from './plan.js';
import { baseImageSplit, extensionNeeds, scriptCopies } from './base-split.js';
import { familyHint } from './family.js';
import { javaLaunch } from './java.js';
import { scratchPlan } from './scratch.js';
import { buildLayers, carriedSteps, ownRuntimeFiles, stageNames, unaccounted, type SplitPlan } from './stage.js';
import type { Rewrite } from './types.js';

export type { SplitPlan };

/**
 * Splitting a single-stage build whose entrypoint is a native program (C, C++, Go, Rust...): build in
 * the stage as it is, then start a runtime stage FROM the same base and copy only the program the
 * build made. Pure. The runtime base is the original FROM image, the one base msb can show carries
 * every library the program loads from outside the build.
 *
 * Applied only when the image shows it is safe: the program loads nothing but libraries of the FROM
 * image (ELF DT_NEEDED, all resolved), the command names it by its own path, and every other file
 * the build's layers leave is accounted for as build-only (toolchain packages, caches, sources,
 * build outputs) or package bookkeeping. A file nothing accounts for (a config file, assets, a CA
 * bundle the build installed, a user added to /etc/passwd) may be one the program opens at run time,
 * which ELF headers do not show: then the split is printed as a suggestion naming those files.
 */

/** More files than this from the build's own layers, and the runtime is an installed stack, not a program. */
const MAX_COPIED = 8;

/** Where distribution packages put programs and libraries: a program there was installed, not built. */
const PACKAGED = /^(?:usr\/)?(?:s?bin|lib(?:32|64|x32)?|libexec)\//;
const SHARED_LIB = /\.so(?:\.\d+)*$/;
const ON_PATH = /^(?:usr\/local\/s?bin|usr\/s?bin|s?bin)\/[^/]+$/;

/** `df` is `dockerfileText` parsed (plan.ts's planFixes parses it the same way). `harden`: the runtime stage runs as nobody. */
export function planSplit(result: InspectResult, df: ParsedDockerfile, dockerfileText: string, harden = false): SplitPlan | undefined {
  if (df.stages.length !== 1) return undefined;
  const stage = df.stages[0];
  if (stage.from === 'scratch') return undefined;
  // The runtime set's own verdict: one native program (no shell, interpreter or launcher, no file of
  // the image as an argument) whose libraries all resolved, so its files are exactly what it loads.
  const rt = result.findings.runtime;
  if (!rt.native) return interpreted(result, stage, dockerfileText, harden);
  const { baseLayers, ownBytes } = buildLayers(result);
  if (baseLayers === 0) return undefined;
  // Beyond the base image it must need the program the build made (not a packaged one under /usr
  // or /lib: installed, not built, with data files msb does not see) and shared libraries only.
  const own = ownRuntimeFiles(result, baseLayers);
  const files = [...new Map(own.map((h) => [h.path, h.node])).entries()];
  const programs = files.filter(([p]) => !SHARED_LIB.test(p));
  if (programs.length !== 1 || PACKAGED.test(programs[0][0]) || files.length > MAX_COPIED) return undefined;

  const kept = files.reduce((s, [, n]) => s + n.data!.size, 0);
  if (ownBytes - kept <= 0) return undefined;

  const lines = dockerfileText.split('\n');
  const { name, fromLine, from, runtimeFrom } = stageNames(stage, lines);
  const carried = carriedSteps(stage, lines);
  const asNobody = runsAsNobody(result, stage, harden);
  if (asNobody) carried.splice(lastRunAt(carried), 0, 'USER 65534:65534');
  const problems = [...unsafe(result, programs[0][0], files.length), ...placementProblems(stage, fromLine, lines)];
  const copied = files.map(([p, n]) => `/${p} (${prettyBytes(n.data!.size)})`).join(', ');
  const evidence = [
    rt.files.length === 1
      ? `runs \`${rt.command.join(' ').slice(0, 80)}\`: one native program, static (no ELF interpreter, no library)`
      : `runs \`${rt.command.join(' ').slice(0, 80)}\`: one native program; every library it loads (ELF DT_NEEDED) resolved${files.length === 1 ? ' in the FROM image' : ''}`,
    `copied from the build: ${copied}`,
    `the build's layers: ${prettyBytes(ownBytes)}; the runtime stage ships ${prettyBytes(kept)} of them`,
  ];
  // A static program (no loader, no library: the runtime set is the program alone) needs nothing of
  // the base that ELF headers show; what it may open there, its own bytes name (scratch.ts).
  const { baseBytes } = buildLayers(result);
  const scratch = rt.files.length === 1 ? scratchPlan(result, { path: programs[0][0], node: programs[0][1] }, stage, baseLayers) : undefined;
  if (scratch && !rt.command[0]?.startsWith('/')) scratch.problems.push(`the command finds ${rt.command[0]} by PATH search`);
  const onScratch = scratch !== undefined && scratch.problems.length === 0;
  const bytes = ownBytes - kept + (onScratch ? baseBytes - scratch.bytes : 0);
  const runtime = onScratch
    ? [
        `FROM scratch${stage.name ? ` AS ${stage.name}` : ''}`,
        ...files.map(([p]) => `COPY --from=${name} /${p} /${p}`),
        ...scratch.copies.map(([src, dest]) => `COPY --from=${name} ${src} ${dest}`),
        ...scratch.env.map(envLine),
        ...carried,
      ]
    : [runtimeFrom, ...files.map(([p]) => `COPY --from=${name} /${p} /${p}`), ...carried];
  if (scratch) {
    evidence.push(...scratch.evidence);
    if (onScratch) evidence.push(`FROM scratch: the runtime stage ships none of the FROM image's ${prettyBytes(baseBytes)}${scratch.copies.length ? ' beyond the paths the program names' : ''}${scratch.env.length ? `; its environment is repeated (${scratch.env.map((e) => e.slice(0, e.indexOf('='))).join(', ')})` : ''}`);
    else evidence.push(`FROM scratch would also drop the base's ${prettyBytes(baseBytes)}; not shown safe: ${scratch.problems.join('; ')}`);
  }
  if (!onScratch) evidence.push(...familyNote(stage.from, baseBytes));
  const base = onScratch ? 'scratch' : stage.from;
  const rewrite: Rewrite = { rules: ['split-stages'], bytes, why: '', evidence };
  if (problems.length === 0) {
    evidence.push('every other file the build left is build-only by a finding, or package bookkeeping');
    rewrite.why = `build in stage "${name}" and run from ${base} with only ${[...files.map(([p]) => `/${p}`), ...(scratch?.copies.length && onScratch ? scratch.copies.map(([, d]) => d) : [])].join(', ')} copied: the build's toolchain, caches and sources stay in the build stage; the stage's other rewrites save no image bytes then and are left out`;
    return { hunks: splitHunks(stage, fromLine, lines, name, runtime, rewrite, asNobody) };
  }
  rewrite.why = `build in a stage of its own and run from ${base} with only ${files.map(([p]) => `/${p}`).join(', ')} copied (what \`${rt.command.join(' ').slice(0, 60)}\` loads beyond the base image); not applied: ${problems.join('; ')}: ${[`${from} AS ${name}`, '# … the build as it is …', ...runtime].join(' ⏎ ')}`;
  return { suggestion: { line: stage.line, ...rewrite } };
}

/** `KEY=value` as an ENV line, the value quoted (a space, `$` or `"` in it stays as it was). */
function envLine(e: string): string {
  const i = e.indexOf('=');
  return `ENV ${e.slice(0, i)}="${e.slice(i + 1).replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

/** The FROM line naming the build stage, and the runtime stage after the file's last line. */
function splitHunks(stage: DockerfileStage, fromLine: string, lines: string[], name: string, runtime: string[], rewrite: Rewrite, asNobody: boolean): Hunk[] {
  const last = lastLine(lines);
  return [
    { line: stage.line, endLine: stage.line, text: `${fromLine.replace(/\s+AS\s+\S+\s*$/i, '')} AS ${name}`, rewrites: [rewrite] },
    {
      line: last,
      endLine: last,
      text: [lines[last - 1], '', ...runtime].join('\n'),
      rewrites: asNobody ? [{ rules: ['hardening-root'], bytes: 0, why: 'the runtime stage runs as an unprivileged user (65534, nobody): files the app writes must be writable by it' }] : [],
    },
  ];
}

/** `--harden` and the image runs as root with no USER line of the stage's own: the runtime stage gets one. */
function runsAsNobody(result: InspectResult, stage: DockerfileStage, harden: boolean): boolean {
  const user = result.image.config.config?.User ?? '';
  return harden && !stage.steps.some((s) => s.keyword === 'USER') && (user === '' || /^(?:0|root)(?::.*)?$/.test(user));
}

/** Why the hunks cannot be placed: both rewrite a line of its own. */
function placementProblems(stage: DockerfileStage, fromLine: string, lines: string[]): string[] {
  return /\\\s*$/.test(fromLine) || lastLine(lines) === stage.line ? ['the FROM instruction spans lines or ends the file'] : [];
}

/** Why the split cannot be shown safe, if so. */
function unsafe(result: InspectResult, program: string, copied: number): string[] {
  const out: string[] = [];
  const argv0 = result.findings.runtime.command[0] ?? '';
  if (argv0 !== `/${program}` && !(argv0 === program.slice(program.lastIndexOf('/') + 1) && ON_PATH.test(program))) {
    out.push(`the command names ${argv0}, not /${program} (a link or a PATH search the copy would not keep)`);
  }
  if (copied > 1) out.push('the program loads libraries the build made (their links and the loader cache are not copied)');
  const u = result.findings.unclaimed;
  if (!u) out.push("the FROM image's layers are not known");
  else if (u.files > 0) out.push(unaccounted(u, 'the program may open them'));
  return out;
}

/** Where a USER line goes: before the first CMD/ENTRYPOINT, else at the end. */
function lastRunAt(carried: string[]): number {
  const i = carried.findIndex((t) => /^\s*(?:CMD|ENTRYPOINT)\b/i.test(t));
  return i < 0 ? carried.length : i;
}

/** The file's last line (1-based), a final newline not counting as a line. */
function lastLine(lines: string[]): number {
  return lines.length > 1 && lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
}

/**
 * A single-stage build whose entrypoint is an interpreter the build installed (`java -jar app.jar`
 * with a JDK, `python3 app.py` with a compiler beside it): a runtime stage FROM the same base that
 * installs the interpreter's package alone (apt completes its dependencies, and its maintainer
 * scripts make again what they made in the build) and copies the files the command names. The
 * saving counts the build's layers minus what the runtime stage ships again (the runtime set's
 * packages the build installed, and those files).
 *
 * Applied only for `java -jar` on a jar whose manifest shows it carries its own classes (java.ts),
 * when every other file of the build is accounted for by the reinstall or a finding, and the build
 * installed without Recommends (the runtime stage does too). Otherwise a suggestion: a script's
 * interpreter loads what neither the ELF headers nor a manifest show (imports, installed libraries,
 * assets), so the files to copy are a person's to complete.
 */
function interpreted(result: InspectResult, stage: DockerfileStage, dockerfileText: string, harden: boolean): SplitPlan | undefined {
  const rt = result.findings.runtime;
  const build = rt.build;
  if (rt.resolved && !build?.program) return baseImageSplit(result, stage, dockerfileText);
  if (!rt.resolved || !build?.program || result.findings.packageManager !== 'dpkg') return undefined;
  // Only worth a stage when the build installed build-only packages too.
  if (!result.findings.findings.some((f) => f.category === 'toolchain' && result.layers[f.layer]?.origin.base === undefined)) return undefined;
  const { baseLayers, ownBytes, baseBytes } = buildLayers(result);
  if (baseLayers === 0) return undefined;
  const appFiles = ownRuntimeFiles(result, baseLayers).filter((h) => !PACKAGED.test(h.path));
  const java = appFiles.length === 1 ? javaLaunch(result, { path: `/${appFiles[0].path}`, content: appFiles[0].node.data!.content }) : undefined;
  // A jar is the app whole (its manifest says so); a script's app is its directory, with the
  // libraries the build installed where the interpreter loads them (site-packages, gems, node_modules).
  const program = rt.files[0]?.slice(rt.files[0].lastIndexOf('/') + 1) ?? '';
  const { copies, kept } = java
    ? { copies: [`/${appFiles[0].path}`], kept: appFiles[0].node.data!.size }
    : scriptCopies(result, baseLayers, appFiles.map((h) => h.path), program);
  const bytes = ownBytes - build.bytes - kept;
  if (bytes <= 0) return undefined;
  // The system libraries the copied libraries' native extensions load, of packages the build installed.
  const ext = extensionNeeds(result, copies, baseLayers, true);
  // (one apt brings with the interpreter's package, a package of the runtime set, needs no naming)
  const install = [build.program, ...ext.install.filter((p) => !rt.packages.includes(p))];
  const lines = dockerfileText.split('\n');
  const { name, fromLine, from, runtimeFrom } = stageNames(stage, lines);
  const carried = carriedSteps(stage, lines);
  const asNobody = runsAsNobody(result, stage, harden);
  if (asNobody) carried.splice(lastRunAt(carried), 0, 'USER 65534:65534');
  const runtime = [
    runtimeFrom,
    `RUN apt-get update && apt-get install -y --no-install-recommends ${install.join(' ')} && rm -rf /var/lib/apt/lists/*`,
    ...copies.map((c) => `COPY --from=${name} ${c} ${c}`),
    ...carried,
  ];
  const evidence = [
    `runs \`${rt.command.join(' ').slice(0, 80)}\`: ${rt.command[0]} comes from ${build.program}, which the build installed`,
    `the runtime set's packages the build installed: ${build.packages.length} (${prettyBytes(build.bytes)}), installed again by the runtime stage`,
    `the build's layers: ${prettyBytes(ownBytes)}; the saving is what the runtime stage does not ship again (its own dpkg records not counted)`,
    ...ext.evidence,
    ...familyNote(stage.from, baseBytes),
  ];
  const rewrite: Rewrite = { rules: ['split-stages'], bytes, why: '', evidence };
  const stageText = [`${from} AS ${name}`, '# … the build as it is …', ...runtime].join(' ⏎ ');
  if (java) {
    evidence.push(...java.evidence);
    const problems = [...java.problems, ...reinstallProblems(result, stage), ...placementProblems(stage, fromLine, lines)];
    if (problems.length === 0) {
      evidence.push("every other file the build left is build-only by a finding, package bookkeeping, or comes back with the runtime set's packages");
      rewrite.why = `build in stage "${name}"; the runtime stage installs only ${build.program} (the package of \`${rt.command[0]}\`, which apt completes with its dependencies) and copies ${copies.join(', ')}: the JDK, the build tool, its caches and the sources stay in the build stage; the stage's other rewrites save no image bytes then and are left out`;
      return { hunks: splitHunks(stage, fromLine, lines, name, runtime, rewrite, asNobody) };
    }
    rewrite.why = `build in a stage of its own; the runtime stage installs only ${build.program} and copies ${copies.join(', ')}; not applied: ${problems.join('; ')}: ${stageText}`;
    return { suggestion: { line: stage.line, ...rewrite } };
  }
  evidence.splice(1, 0, `copied from the build: ${copies.join(', ')} (the app's directory and the libraries the build installed where ${program} loads them: ${prettyBytes(kept)})`);
  const first = ext.problems.length ? `; first: ${ext.problems.join('; ')}` : '';
  rewrite.why = `build in a stage of its own; the runtime stage installs only ${install.join(', ')} (the package of \`${rt.command[0]}\`, which apt completes with its dependencies${install.length > 1 ? ', and what the native extensions load' : ''}) and copies ${copies.length ? copies.join(', ') : 'nothing of the build msb can name'}; add what the app loads that msb cannot see (modules outside its directory, assets, config, files it opens)${first}: ${stageText}`;
  return { suggestion: { line: stage.line, ...rewrite } };
}

/**
 * Why reinstalling the runtime set's packages would not give the app all it had: files of the build
 * that neither a finding, the reinstall nor package bookkeeping accounts for, and an install that
 * took Recommends (the runtime stage installs without them, so the app could lose a package it uses).
 */
function reinstallProblems(result: InspectResult, stage: DockerfileStage): string[] {
  const out: string[] = [];
  const u = result.findings.unclaimed?.beyondReinstall;
  if (!u) out.push("the FROM image's layers are not known");
  else if (u.files > 0) {
    const pkgs = u.packages.length ? ` (of packages neither build-only nor run: ${u.packages.slice(0, 4).join(', ')})` : '';
    out.push(unaccounted(u, 'the app may read them', pkgs));
  }
  const withRecommends = stage.steps.some((s) => s.keyword === 'RUN' && /\bapt(?:-get)?\s+(?:-\S+\s+)*install\b/.test(s.text) && !/--no-install-recommends|Install-Recommends[= ]+(?:false|0)/i.test(s.text));
  if (withRecommends) out.push('the build installs packages with their Recommends and the runtime stage would not (add --no-install-recommends to the build first)');
  return out;
}

/** The same family's smaller image, stated as an assumption: msb has not seen it, so never the applied base. */
function familyNote(from: string, baseBytes: number): string[] {
  const hint = familyHint(from);
  return hint ? [`assumption: ${hint.image}, of the same family as ${from} without ${hint.drops}, would also drop much of the base's ${prettyBytes(baseBytes)} if the app needs none of it (msb has not seen that image)`] : [];
}
