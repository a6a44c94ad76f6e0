import type { TreeNode } from '../analysis/types.js';
import type { Attribution, AttributionStatus, LayerOrigin, StepOrigin } from '../analysis/origin.js';
import type { EntryKind } from '../walk/types.js';

/**
 * The attribution-derived parts of the JSON report, kept out of json.ts so that file only wires them
 * in. Every layer, wasted entry and (with --files) every file says which instruction, Dockerfile line
 * and stage it came from.
 */

export interface LayerAttributionJson {
  /** The instruction as written in the Dockerfile, or read back from the history; '' if unknown. */
  instruction: string;
  /** Build stage (name, or index when unnamed), when a Dockerfile or provenance was aligned. */
  stage?: string;
  /** 1-based Dockerfile line range. */
  line?: number;
  endLine?: number;
  /** COPY --from: the source stage (or image, with fromImage: true) and source path(s). */
  fromStage?: string;
  fromImage?: boolean;
  fromPath?: string;
  /** Set on layers that came from the FROM image: its reference ("base image" when unknown). */
  base?: string;
}

/** Attribution carried by wasted entries and files: the shipping layer's, inline. */
export interface EntryAttributionJson {
  instruction: string;
  stage?: string;
  line?: number;
  base?: string;
}

export type AttributionJson = AttributionStatus;

/** `{ historyIndex, instruction, emptyLayer, layer?, stage?, line?, endLine?, base? }` */
export type StepJson = StepOrigin;

export interface FileJson {
  path: string;
  kind: EntryKind;
  size: number;
  /** Layer that last wrote the entry; its instruction is layers[layer].instruction. */
  layer: number;
  /** Permission bits (and setuid/setgid/sticky), without the file-type bits. */
  mode: number;
  uid: number;
  gid: number;
  linkname?: string;
  stage?: string;
  line?: number;
  base?: string;
}

export function layerAttribution(o: LayerOrigin | undefined): LayerAttributionJson {
  if (!o) return { instruction: '' };
  const out: LayerAttributionJson = { instruction: o.instruction };
  if (o.stage !== undefined) out.stage = o.stage;
  if (o.line !== undefined) out.line = o.line;
  if (o.endLine !== undefined && o.endLine !== o.line) out.endLine = o.endLine;
  if (o.fromStage !== undefined) out.fromStage = o.fromStage;
  if (o.fromImage) out.fromImage = true;
  if (o.fromPath !== undefined) out.fromPath = o.fromPath;
  if (o.base !== undefined) out.base = o.base;
  return out;
}

export function entryAttribution(o: LayerOrigin | undefined): EntryAttributionJson {
  if (!o) return { instruction: '' };
  const out: EntryAttributionJson = { instruction: o.instruction };
  if (o.stage !== undefined) out.stage = o.stage;
  if (o.line !== undefined) out.line = o.line;
  if (o.base !== undefined) out.base = o.base;
  return out;
}

/** Every entry of the final filesystem, depth-first in path order; bounded by the tree already held. */
export function fileList(root: TreeNode, origins: readonly LayerOrigin[]): FileJson[] {
  const out: FileJson[] = [];
  const sorted = (node: TreeNode) => [...node.children!.keys()].sort().map((name) => [name, node.children!.get(name)!] as const);
  // An explicit stack: hostile layers nest directories deeper than the call stack goes.
  const stack: Array<{ items: ReturnType<typeof sorted>; i: number; path: string }> = root.children ? [{ items: sorted(root), i: 0, path: '' }] : [];
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.i >= top.items.length) {
      stack.pop();
      continue;
    }
    const [name, child] = top.items[top.i++];
    const p = `${top.path}/${name}`;
    const f: FileJson = { path: p, kind: child.kind, size: child.kind === 'dir' ? 0 : child.size, layer: child.layer, mode: child.mode & 0o7777, uid: child.uid, gid: child.gid };
    if (child.linkname !== undefined) f.linkname = child.linkname;
    const o = origins[child.layer];
    if (o?.stage !== undefined) f.stage = o.stage;
    if (o?.line !== undefined) f.line = o.line;
    if (o?.base !== undefined) f.base = o.base;
    out.push(f);
    if (child.children) stack.push({ items: sorted(child), i: 0, path: p });
  }
  return out;
}

export function attributionJson(a: Attribution): AttributionJson {
  return a.status;
}
