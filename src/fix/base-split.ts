import prettyBytes from 'pretty-bytes';
import type { DockerfileStage } from '../analysis/attribution/dockerfile.js';
import { forEachVisibleFile, resolvePath } from '../analysis/findings/tree.js';
import type { TreeNode } from '../analysis/types.js';
import type { InspectResult } from '../pipeline/types.js';
import { familyHint } from './family.js';
import { javaLaunch } from './java.js';
import { libraryDirs } from './libraries.js';
import { buildLayers, carriedSteps, isUnder, ownFilesUnder, ownRuntimeFiles, stageNames, unaccounted, type SplitPlan } from './stage.js';

/**
 * Splits of a single-stage build whose interpreter is the FROM image's own (nothing of the build to
 * install again): a runtime stage FROM the same family's smaller image (`python:3.12` →
 * `python:3.12-slim`, `eclipse-temurin:17-jdk` → `…-jre`). Always suggestions: msb has not seen
 * that image, so it cannot show the app finds there what it loads. Pure.
 */

/**
 * Packages of every Debian and Alpine image, slim ones too (apt and apk themselves need them): an
 * extension's need of them says nothing about the smaller image.
 */
const EVERY_BASE = new Set(['libc6', 'libgcc-s1', 'libstdc++6', 'zlib1g', 'musl', 'libgcc', 'libstdc++', 'zlib']);

/**
 * What the native extensions under `dirs` (absolute) load from outside them: the packages a runtime
 * stage installs for them (`sameBase`: FROM the build's own base, which has its own packages
 * already, so only those the build installed), and the evidence.
 */
export function extensionNeeds(result: InspectResult, dirs: string[], firstOwn: number, sameBase = false) {
  // A tree inside a copied dir, or one holding it (the gem tree /var/lib/gems for /var/lib/gems/3.1.0).
  const overlaps = (p: string) => dirs.some((d) => isUnder(p, d) || isUnder(d, p));
  const exts = (result.findings.extensions ?? []).filter((e) => overlaps(e.root));
  const install = [...new Set(exts.flatMap((e) => e.packages.filter((p) => !sameBase || p.layer >= firstOwn).map((p) => p.name)))].filter((n) => !EVERY_BASE.has(n)).sort();
  const evidence: string[] = [];
  const problems: string[] = [];
  for (const e of exts) {
    const pkgs = e.packages.filter((p) => !EVERY_BASE.has(p.name));
    evidence.push(
      `${e.files} native extension(s) under ${e.root} (ELF headers)${pkgs.length ? ` load libraries of ${pkgs.map((p) => `${p.name} (${p.layer >= firstOwn ? 'the build installed it' : "the FROM image's"})`).join(', ')}` : ' load no library beyond the C runtime'}`,
    );
    if (e.unresolved.length) problems.push(`libraries the extensions need are not in the image: ${e.unresolved.slice(0, 3).join(', ')}`);
    if (e.unowned.length) problems.push(`extensions load libraries no package owns, which the runtime stage would not have: ${e.unowned.slice(0, 3).join(', ')}`);
    if (e.inexact) evidence.push(`${e.inexact} of them were read from their strings (their dynamic section lies beyond the kept header): the list may be incomplete`);
  }
  return { install, evidence, problems };
}

/** `jre` and `interpreter` families only; undefined for others. */
export function baseImageSplit(result: InspectResult, stage: DockerfileStage, dockerfileText: string): SplitPlan | undefined {
  const hint = familyHint(stage.from);
  if (hint?.kind === 'jre') return jreBaseSplit(result, stage, dockerfileText, hint);
  if (hint?.kind === 'interpreter') return slimInterpreterSplit(result, stage, dockerfileText, hint);
  return undefined;
}

type Hint = NonNullable<ReturnType<typeof familyHint>>;

/** Dirs of every image that an app's own directory lies below, never the app's directory itself. */
const SYSTEM = /^(?:usr|usr\/(?:local|local\/lib|local\/bin|local\/share|lib|share|src)|etc|var|var\/lib|lib|bin|sbin|opt|home|root|srv|tmp)$/;

/**
 * A script run by the FROM image's interpreter (`python:3.12`, `node:20`, `ruby:3.3`: full variants
 * with compilers and `-dev` packages to build native extensions): a runtime stage FROM the slim
 * variant with the app's directory, the libraries the build installed where the interpreter loads
 * them, and the system packages their native extensions load (their ELF headers, extensionNeeds).
 * Its bytes are the build's own layers minus what that stage copies; the slim base saves more, not
 * counted (msb has not seen it).
 */
function slimInterpreterSplit(result: InspectResult, stage: DockerfileStage, dockerfileText: string, hint: Hint): SplitPlan | undefined {
  const rt = result.findings.runtime;
  const { baseLayers, ownBytes, baseBytes } = buildLayers(result);
  if (baseLayers === 0) return undefined;
  const root = result.analysis.root;
  // The family's interpreter, from the FROM image (python3.12, node, ruby3.3): else the image runs something else.
  const family = /^[a-z]+/.exec(hint.image.replace(/^.*\//, ''))?.[0] ?? '';
  const interp = rt.files.find((f) => f.slice(f.lastIndexOf('/') + 1).startsWith(family) && (resolvePath(root, f)?.node.layer ?? Infinity) < baseLayers);
  if (!interp) return undefined;
  const own = ownRuntimeFiles(result, baseLayers);
  const { copies, kept } = scriptCopies(result, baseLayers, own.map((h) => h.path), interp.slice(interp.lastIndexOf('/') + 1));
  if (copies.length === 0) return undefined;
  const ext = extensionNeeds(result, copies, baseLayers);
  const problems = [...ext.problems];
  if (ext.install.length && result.findings.packageManager !== 'dpkg') problems.push(`the extensions' libraries come from ${result.findings.packageManager ?? 'no package manager msb reads'}, not apt`);
  const left = (result.findings.unclaimed?.paths ?? []).filter((p) => !copies.some((c) => isUnder(p, c)));
  if (left.length) problems.push(`the build also left files the runtime stage does not copy, which the app may read: ${left.slice(0, 4).join(', ')}${left.length > 4 ? ', …' : ''}`);
  const lines = dockerfileText.split('\n');
  const { name, from } = stageNames(stage, lines);
  const runtime = [
    `FROM ${hint.image}${stage.name ? ` AS ${stage.name}` : ''}`,
    ...(ext.install.length ? [`RUN apt-get update && apt-get install -y --no-install-recommends ${ext.install.join(' ')} && rm -rf /var/lib/apt/lists/*`] : []),
    ...copies.map((c) => `COPY --from=${name} ${c} ${c}`),
    ...carriedSteps(stage, lines),
  ];
  return {
    suggestion: {
      line: stage.line,
      rules: ['split-stages'],
      bytes: Math.max(0, ownBytes - kept),
      why: `build in a stage of its own and run on ${hint.image} (assumed: the same family as ${stage.from} without ${hint.drops}; msb has not seen it) with the app and its installed libraries copied${problems.length ? `; first: ${problems.join('; ')}` : ''}: ${[`${from} AS ${name}`, '# … the build as it is …', ...runtime].join(' ⏎ ')}`,
      evidence: [
        `runs \`${rt.command.join(' ').slice(0, 80)}\` with /${interp} of the FROM image`,
        `copied from the build: ${copies.join(', ')}`,
        ...ext.evidence,
        `the build's layers: ${prettyBytes(ownBytes)}, of which the runtime stage copies ${prettyBytes(kept)}; ${hint.image}'s smaller base saves more of the FROM image's ${prettyBytes(baseBytes)}, not counted`,
      ],
    },
  };
}

/**
 * What a script's runtime stage copies from the build: the app's directory (appRoot) for each of
 * the build's files the command names and for the WORKDIR, then the library dirs the build filled
 * where the interpreter (`program`, a basename) looks, unless already inside; and the build's bytes
 * under them (what the stage ships again). `own`: real paths, no leading "/".
 */
export function scriptCopies(result: InspectResult, baseLayers: number, own: string[], program: string): { copies: string[]; kept: number } {
  const root = result.analysis.root;
  const copies: string[] = [];
  const add = (p: string | undefined) => {
    if (p && !copies.some((c) => isUnder(p, c))) copies.push(p);
  };
  for (const p of own) add(appRoot(root, p, baseLayers));
  const workdir = (result.image.config.config?.WorkingDir ?? '').replace(/^\/+|\/+$/g, '');
  if (workdir && resolvePath(root, workdir)?.node.children) add(appRoot(root, `${workdir}/`, baseLayers));
  for (const l of libraryDirs(root, baseLayers, program, own[0])) add(l.path);
  let kept = 0;
  for (const c of copies) {
    const hit = resolvePath(root, c.slice(1));
    if (hit) kept += ownFilesUnder(hit.node, baseLayers).bytes;
  }
  return { copies, kept };
}

/**
 * The directory an app file lies in that the build made whole (every visible file under it is the
 * build's): `/app` for `/app/src/main.py`. The file itself when no such directory holds it (a console
 * script in /usr/local/bin). `path` has no leading "/"; a trailing "/" names a directory.
 */
function appRoot(root: TreeNode, path: string, firstOwn: number): string | undefined {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    if (SYSTEM.test(dir)) continue;
    const hit = resolvePath(root, dir);
    if (!hit?.node.children) break;
    let mine = true;
    let files = 0;
    forEachVisibleFile(hit.node, (f) => {
      files++;
      mine &&= f.node.layer >= firstOwn;
    });
    if (mine && files > 0) return `/${hit.path}`;
  }
  return path.endsWith('/') ? undefined : `/${path}`;
}

/**
 * `java -jar` on a JDK the FROM image brought (eclipse-temurin:17-jdk, maven:3.9-eclipse-temurin-17:
 * no package of the build to install again): a runtime stage FROM the same family's JRE image with
 * the jar. Always a suggestion, since msb has not seen that image; its bytes are the build's own
 * layers minus the jar, and the smaller base saves more on top.
 */
function jreBaseSplit(result: InspectResult, stage: DockerfileStage, dockerfileText: string, hint: Hint): SplitPlan | undefined {
  const { baseLayers, ownBytes } = buildLayers(result);
  if (baseLayers === 0) return undefined;
  const own = ownRuntimeFiles(result, baseLayers);
  if (own.length !== 1) return undefined;
  const jar = own[0];
  const java = javaLaunch(result, { path: `/${jar.path}`, content: jar.node.data!.content });
  if (!java) return undefined;
  const bytes = ownBytes - jar.node.data!.size;
  if (bytes <= 0) return undefined;
  const lines = dockerfileText.split('\n');
  const { name, from } = stageNames(stage, lines);
  const runtime = [`FROM ${hint.image}${stage.name ? ` AS ${stage.name}` : ''}`, `COPY --from=${name} /${jar.path} /${jar.path}`, ...carriedSteps(stage, lines)];
  const u = result.findings.unclaimed;
  const problems = [...java.problems];
  if (u && u.files > 0) problems.push(unaccounted(u, 'the app may read them'));
  return {
    suggestion: {
      line: stage.line,
      rules: ['split-stages'],
      bytes,
      why: `build in a stage of its own and run the jar on ${hint.image} (assumed: the same family as ${stage.from} without ${hint.drops}; msb has not seen it)${problems.length ? `; first: ${problems.join('; ')}` : ''}: ${[`${from} AS ${name}`, '# … the build as it is …', ...runtime].join(' ⏎ ')}`,
      evidence: [
        `runs \`${result.findings.runtime.command.join(' ').slice(0, 80)}\` with the JDK of the FROM image`,
        ...java.evidence,
        `the build's layers: ${prettyBytes(ownBytes)}, of which the runtime stage ships the jar (${prettyBytes(jar.node.data!.size)}); the JRE image's smaller base saves more, not counted`,
      ],
    },
  };
}
