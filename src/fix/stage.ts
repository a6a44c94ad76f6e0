import prettyBytes from 'pretty-bytes';
import type { DockerfileStage } from '../analysis/attribution/dockerfile.js';
import { resolveFinal } from '../analysis/findings/runtime.js';
import { forEachVisibleFile } from '../analysis/findings/tree.js';
import type { TreeNode } from '../analysis/types.js';
import type { InspectResult } from '../pipeline/types.js';
import type { Hunk } from './plan.js';
import type { Suggestion } from './types.js';

/** What the splits of a single-stage build share: the build's layers, the stage names, the carried config. Pure. */

/** A split msb can apply: the hunks that make the single stage a build stage and append the runtime stage. */
export interface SplitPlan {
  /** Applied: the FROM line naming the build stage, and the runtime stage after the file's last line. */
  hunks?: Hunk[];
  /** Not shown safe: the same stage text, as a suggestion. */
  suggestion?: Suggestion;
}

/** Config-carrying instructions the runtime stage repeats, in their order. */
const CARRIED = new Set(['ARG', 'ENV', 'WORKDIR', 'USER', 'EXPOSE', 'LABEL', 'ENTRYPOINT', 'CMD', 'STOPSIGNAL', 'HEALTHCHECK', 'VOLUME', 'SHELL']);

/** How many bottom layers are the FROM image's, and the bytes of the build's own layers above them. */
export function buildLayers(result: InspectResult): { baseLayers: number; ownBytes: number; baseBytes: number } {
  const baseLayers = result.layers.filter((l) => l.origin.base !== undefined).length;
  const sum = (ls: InspectResult['layers']) => ls.reduce((s, l) => s + l.stats.bytes, 0);
  return { baseLayers, ownBytes: sum(result.layers.slice(baseLayers)), baseBytes: sum(result.layers.slice(0, baseLayers)) };
}

/**
 * The build stage's name (`x-build` for a stage named x, whose name the runtime stage keeps, so
 * `--target x` still builds what runs), the FROM line as written, and the FROM line of each stage.
 */
export function stageNames(stage: DockerfileStage, lines: string[]) {
  const name = stage.name ? `${stage.name}-build` : 'build';
  const fromLine = lines[stage.line - 1];
  const from = fromLine.trim().replace(/\s+AS\s+\S+\s*$/i, '');
  return { name, fromLine, from, runtimeFrom: stage.name ? `${from} AS ${stage.name}` : from };
}

/** The stage's config-carrying instructions as written (an ENV or WORKDIR the program may rely on). */
export function carriedSteps(stage: DockerfileStage, lines: string[]): string[] {
  return stage.steps.filter((s) => CARRIED.has(s.keyword)).map((s) => lines.slice(s.line - 1, s.endLine).join('\n'));
}

/** The runtime set's files (links followed) that the build's own layers made: what a runtime stage copies. */
export function ownRuntimeFiles(result: InspectResult, baseLayers: number): Array<{ node: TreeNode; path: string }> {
  const root = result.analysis.root;
  return result.findings.runtime.files
    .map((f) => resolveFinal(root, f))
    .filter((h): h is NonNullable<typeof h> => h !== undefined && h.node.data !== undefined && h.node.layer >= baseLayers);
}

/** `path` is `dir` or lies below it (both absolute, or both without the leading "/"). */
export function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/** Why files the build left that nothing accounts for stop a split: `use` says how the app may touch them. */
export function unaccounted(u: { files: number; bytes: number; paths: string[] }, use: string, detail = ''): string {
  return `${u.files} file(s) of the build (${prettyBytes(u.bytes)}) are not known to be build-only, and ${use} at run time${detail}: ${u.paths.slice(0, 4).join(', ')}${u.files > 4 ? ', …' : ''}`;
}

/** The visible files at or under `node` that the build's layers (from `firstOwn` on) made: how many, and their bytes. */
export function ownFilesUnder(node: TreeNode, firstOwn: number): { files: number; bytes: number } {
  const out = { files: 0, bytes: 0 };
  const add = (layer: number, size: number) => {
    if (layer < firstOwn) return;
    out.files++;
    out.bytes += size;
  };
  if (node.data) add(node.layer, node.data.size);
  else forEachVisibleFile(node, (f) => add(f.node.layer, f.data.size));
  return out;
}
