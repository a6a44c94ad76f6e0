import type { DiffItem } from '../../analysis/diff.js';
import type { LayerOrigin } from '../../analysis/origin.js';
import type { LayerStats } from '../../analysis/types.js';
import type { FileNode, Mark } from './files.js';
import { type LayerRow, layerRows } from './layers.js';

/**
 * The diff screen's view-model: the changed paths of an ImageDiff as a directory tree whose
 * directories carry the totals of what changed below them, and the two images' layers as one list.
 * Sorting, filtering and folding reuse the Files pane's `flatten` (sort 'name' = by path, 'size' =
 * by |delta|), since a DiffNode is a FileNode whose `size` is the size of the change.
 */

export interface DiffNode extends FileNode {
  /** |delta|: what sorting "by size" orders by. */
  size: number;
  /** after − before: the path's own change, or for a directory the net change of everything below. */
  delta: number;
  /** Bytes at this path (a directory: below it) in the first and the second image. */
  before: number;
  after: number;
  /** The change at exactly this path; absent for directories that are only there for what is below. */
  item?: DiffItem;
  /** Changed paths at or below this node, by mark. */
  counts: Record<Mark, number>;
  children?: DiffNode[];
}

/** + added, - removed, ~ content changed, m metadata only (mode, owner, link target). */
export function diffMark(it: DiffItem): Mark {
  if (it.change === 'added') return 'added';
  if (it.change === 'removed') return 'removed';
  return it.contentChanged ? 'modified' : 'metadata';
}

const zero = (): Record<Mark, number> => ({ added: 0, removed: 0, modified: 0, metadata: 0 });
const MARKS: readonly Mark[] = ['added', 'removed', 'modified', 'metadata'];

/**
 * The changed paths as a tree. A path listed twice (removed and added: its type changed, e.g. a
 * symlink became a file) is one `~` change; a path that is both a changed entry and a directory of
 * changes (a directory replaced by a file) keeps both its change and its children.
 */
export function diffTree(items: readonly DiffItem[]): DiffNode {
  const node = (name: string, path: string): DiffNode => ({ name, path, size: 0, entryKind: 'dir', layer: -1, delta: 0, before: 0, after: 0, counts: zero() });
  const root = node('', '');
  root.children = [];
  const byPath = new Map<string, DiffNode>([['', root]]);
  const at = (path: string): DiffNode => {
    const hit = byPath.get(path);
    if (hit) return hit;
    const cut = path.lastIndexOf('/');
    const parent = at(cut < 0 ? '' : path.slice(0, cut));
    const n = node(path.slice(cut + 1), path);
    (parent.children ??= []).push(n);
    byPath.set(path, n);
    return n;
  };
  for (const it of items) {
    const n = at(it.path.startsWith('/') ? it.path.slice(1) : it.path);
    n.item = n.item ? merged(n.item, it) : it;
  }
  const total = (n: DiffNode): void => {
    n.before = n.item?.beforeBytes ?? 0;
    n.after = n.item?.afterBytes ?? 0;
    if (n.item) {
      n.mark = diffMark(n.item);
      n.counts[n.mark]++;
      n.layer = n.item.afterLayer ?? n.item.beforeLayer ?? -1;
    }
    if (n.children) {
      n.entryKind = 'dir';
      n.children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const c of n.children) {
        total(c);
        n.before += c.before;
        n.after += c.after;
        for (const k of MARKS) n.counts[k] += c.counts[k];
      }
    } else n.entryKind = 'file';
    n.delta = n.after - n.before;
    n.size = Math.abs(n.delta);
  };
  total(root);
  return root;
}

function merged(a: DiffItem, b: DiffItem): DiffItem {
  const beforeLayer = a.beforeLayer ?? b.beforeLayer;
  const afterLayer = a.afterLayer ?? b.afterLayer;
  return {
    path: a.path,
    change: 'changed',
    beforeBytes: a.beforeBytes + b.beforeBytes,
    afterBytes: a.afterBytes + b.afterBytes,
    contentChanged: true,
    ...(beforeLayer !== undefined ? { beforeLayer } : {}),
    ...(afterLayer !== undefined ? { afterLayer } : {}),
  };
}

export type Side = 'before' | 'after';

/** Keeps the paths whose version in image `side` was written by layer `index` (a flatten `keep`). */
export function writtenBy(side: Side, index: number): (n: FileNode) => boolean {
  return (n) => {
    const it = (n as DiffNode).item;
    return it !== undefined && (side === 'before' ? it.beforeLayer : it.afterLayer) === index;
  };
}

/** One layer of either image; `shared` marks the bottom layers both images have (same diff_id, same place). */
export interface DiffLayerRow {
  side: Side;
  layer: Extract<LayerRow, { kind: 'layer' }>;
  shared: boolean;
}

/** The first image's layers, then the second's, as the inspect screen's layer rows. */
export function diffLayerRows(before: LayerStats[], beforeOrigins: LayerOrigin[], after: LayerStats[], afterOrigins: LayerOrigin[], shared: number): DiffLayerRow[] {
  const rows = (side: Side, ls: LayerStats[], os: LayerOrigin[]): DiffLayerRow[] =>
    layerRows(ls, os, false).map((r) => ({ side, layer: r as DiffLayerRow['layer'], shared: r.kind === 'layer' && r.index < shared }));
  return [...rows('before', before, beforeOrigins), ...rows('after', after, afterOrigins)];
}
