import type { FileEntry } from '../walk/types.js';
import { forEachLeaf } from './tree-walk.js';
import type { Analysis, TreeNode } from './types.js';
import { byText } from '../text-order.js';

/**
 * Compares the final filesystems of two images: what was added, removed or changed, and where the
 * size went. Files from a layer with the same diff_id in both images are identical without looking;
 * otherwise size, then content digest (when known), then metadata decide.
 */

export type DiffChange = 'added' | 'removed' | 'changed';

export interface DiffItem {
  /** Absolute path. */
  path: string;
  change: DiffChange;
  beforeBytes: number;
  afterBytes: number;
  /** For `changed`: false when only mode/owner/link target changed. */
  contentChanged: boolean;
  /** Layer that last wrote the path in each image. */
  beforeLayer?: number;
  afterLayer?: number;
}

export interface DiffSide {
  layers: number;
  totalBytes: number;
  finalBytes: number;
  wastedBytes: number;
  files: number;
}

export interface DirectoryDelta {
  path: string;
  deltaBytes: number;
  added: number;
  removed: number;
  changed: number;
}

export interface ImageDiff {
  /** Bottom layers the two images share (same diff_id at the same position). */
  sharedLayers: number;
  before: DiffSide;
  after: DiffSide;
  addedBytes: number;
  removedBytes: number;
  /** Net size change of files present in both. */
  changedDeltaBytes: number;
  items: DiffItem[];
  /** Net change per directory, two levels deep, largest first. */
  directories: DirectoryDelta[];
}

export interface DiffInput {
  analysis: Analysis;
  diffIds: string[];
}

function side(a: Analysis): DiffSide {
  return { layers: a.layers.length, totalBytes: a.totalBytes, finalBytes: a.finalBytes, wastedBytes: a.wastedBytes, files: a.files };
}

const isFile = (n: TreeNode) => n.kind === 'file' || n.kind === 'hardlink';
const bytesOf = (n: TreeNode) => (n.kind === 'file' ? n.size : n.children ? n.size : 0);

/**
 * Runs `visit` on every pair of same-named children of two directories, depth first: `visit` returns
 * true to descend into the pair (both directories), and `after` runs once a pair's children are done.
 * An explicit stack: hostile layers nest directories deeper than the call stack goes.
 */
function walkPairs(
  x: TreeNode,
  y: TreeNode,
  p: string,
  visit: (cx: TreeNode, cy: TreeNode | undefined, path: string) => boolean,
  after?: (x: TreeNode, y: TreeNode, p: string) => void,
): void {
  const stack = [{ x, y, p, it: x.children!.entries() }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const next = top.it.next();
    if (next.done) {
      after?.(top.x, top.y, top.p);
      stack.pop();
      continue;
    }
    const [name, cx] = next.value;
    const cy = top.y.children!.get(name);
    const path = `${top.p}/${name}`;
    if (visit(cx, cy, path)) stack.push({ x: cx, y: cy!, p: path, it: cx.children!.entries() });
  }
}

/** Visits paths present in both trees as regular files with equal sizes from different layers. */
function sameSizePairs(a: DiffInput, b: DiffInput, visit: (x: TreeNode, y: TreeNode) => void): void {
  const { root: x } = a.analysis;
  const { root: y } = b.analysis;
  if (!x.children || !y.children) return;
  walkPairs(x, y, '', (cx, cy) => {
    if (!cy) return false;
    if (cx.children && cy.children) return true;
    if (cx.kind === 'file' && cy.kind === 'file' && cx.data && cy.data && cx.size === cy.size) {
      if (a.diffIds[cx.layer] !== b.diffIds[cy.layer]) visit(cx, cy);
    }
    return false;
  });
}

/** An entry whose content digest is needed, with the index of the layer holding its bytes. */
export type DigestNeed = [FileEntry, number];

/** Entries whose content digest the comparison needs (same path and size, different layers). */
export function diffDigestCandidates(a: DiffInput, b: DiffInput): [DigestNeed[], DigestNeed[]] {
  const xs: DigestNeed[] = [];
  const ys: DigestNeed[] = [];
  sameSizePairs(a, b, (x, y) => {
    if (x.data!.digest === undefined) xs.push([x.data!, x.layer]);
    if (y.data!.digest === undefined) ys.push([y.data!, y.layer]);
  });
  return [xs, ys];
}

export function diffImages(a: DiffInput, b: DiffInput): ImageDiff {
  const items: DiffItem[] = [];
  const addAll = (top: TreeNode, at: string, change: 'added' | 'removed') => {
    forEachLeaf(top, at, (p, n) => {
      if (!isFile(n) && n.kind !== 'symlink') return;
      const bytes = bytesOf(n);
      items.push({
        path: p,
        change,
        beforeBytes: change === 'removed' ? bytes : 0,
        afterBytes: change === 'added' ? bytes : 0,
        contentChanged: true,
        ...(change === 'removed' ? { beforeLayer: n.layer } : { afterLayer: n.layer }),
      });
    });
  };
  const pair = (cx: TreeNode, cy: TreeNode | undefined, path: string): boolean => {
    if (!cy) {
      addAll(cx, path, 'removed');
      return false;
    }
    if (cx.children && cy.children) return true;
    if (cx.children || cy.children || cx.kind !== cy.kind) {
      addAll(cx, path, 'removed');
      addAll(cy, path, 'added');
      return false;
    }
    if (a.diffIds[cx.layer] === b.diffIds[cy.layer] && cx.layer >= 0) return false; // same layer content
    const content =
      cx.kind === 'symlink'
        ? cx.linkname !== cy.linkname
        : cx.size !== cy.size || !cx.data || !cy.data || cx.data.digest === undefined || cx.data.digest !== cy.data.digest;
    const meta = cx.mode !== cy.mode || cx.uid !== cy.uid || cx.gid !== cy.gid;
    if (content || meta) items.push({ path, change: 'changed', beforeBytes: bytesOf(cx), afterBytes: bytesOf(cy), contentChanged: content, beforeLayer: cx.layer, afterLayer: cy.layer });
    return false;
  };
  // Paths only in the second image, once a directory's own paths have been compared.
  const onlyAfter = (x: TreeNode, y: TreeNode, p: string) => {
    for (const [name, cy] of y.children!) if (!x.children!.has(name)) addAll(cy, `${p}/${name}`, 'added');
  };
  walkPairs(a.analysis.root, b.analysis.root, '', pair, onlyAfter);
  items.sort((i, j) => Math.abs(j.afterBytes - j.beforeBytes) - Math.abs(i.afterBytes - i.beforeBytes) || byText(i.path, j.path));

  const dirs = new Map<string, DirectoryDelta>();
  let addedBytes = 0;
  let removedBytes = 0;
  let changedDeltaBytes = 0;
  for (const it of items) {
    if (it.change === 'added') addedBytes += it.afterBytes;
    else if (it.change === 'removed') removedBytes += it.beforeBytes;
    else changedDeltaBytes += it.afterBytes - it.beforeBytes;
    const parts = it.path.split('/').slice(1, -1).slice(0, 2);
    const key = parts.length ? `/${parts.join('/')}` : '/';
    const d = dirs.get(key) ?? { path: key, deltaBytes: 0, added: 0, removed: 0, changed: 0 };
    d.deltaBytes += it.afterBytes - it.beforeBytes;
    d[it.change]++;
    dirs.set(key, d);
  }
  let shared = 0;
  while (shared < a.diffIds.length && shared < b.diffIds.length && a.diffIds[shared] === b.diffIds[shared]) shared++;
  return {
    sharedLayers: shared,
    before: side(a.analysis),
    after: side(b.analysis),
    addedBytes,
    removedBytes,
    changedDeltaBytes,
    items,
    directories: [...dirs.values()].sort((x, y) => Math.abs(y.deltaBytes) - Math.abs(x.deltaBytes) || byText(x.path, y.path)),
  };
}
