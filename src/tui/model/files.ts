import type { Change, ChangeKind, TreeNode, WasteItem, WasteKind } from '../../analysis/types.js';
import type { EntryKind } from '../../walk/types.js';

/**
 * The Files pane's view-model: a tree of FileNodes built from the merged image, from one layer's
 * changes, or from the waste list, flattened into rows under the view state (collapsed directories,
 * sort, filters). Rebuilt only when that state changes; moving the cursor just slices the rows.
 */

export type Mark = ChangeKind;

/** Text marks so colour is never the only carrier of what happened to a path. */
export const MARK_CHAR: Record<Mark, string> = { added: '+', modified: '~', removed: '-', metadata: 'm' };

export const WASTE_MARK: Record<WasteKind, Mark> = { overwritten: 'modified', metadata: 'metadata', deleted: 'removed' };

export interface FileNode {
  name: string;
  /** Path without a leading slash ("usr/bin/env"); '' for the root. */
  path: string;
  /** File size, or the directory's total. */
  size: number;
  entryKind: EntryKind;
  /** Layer that last wrote the entry, -1 if unknown. */
  layer: number;
  /** What the view's layer did here, when the tree was built from changes or waste. */
  mark?: Mark;
  linkname?: string;
  /** Children sorted by name; present for directories only. */
  children?: FileNode[];
}

export type SortKey = 'name' | 'size';

export interface Row {
  node: FileNode;
  depth: number;
  /** For directories: whether its children are hidden. */
  collapsed: boolean;
}

const byName = (a: FileNode, b: FileNode) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const bySize = (a: FileNode, b: FileNode) => b.size - a.size || byName(a, b);

/** The merged image filesystem. */
export function fromTree(root: TreeNode): FileNode {
  const conv = (t: TreeNode, path: string): FileNode => {
    const n: FileNode = { name: t.name, path, size: t.size, entryKind: t.kind, layer: t.layer };
    if (t.linkname !== undefined) n.linkname = t.linkname;
    if (t.children) {
      const kids: FileNode[] = [];
      for (const [name, c] of t.children) kids.push(conv(c, path ? `${path}/${name}` : name));
      n.children = kids.sort(byName);
    }
    return n;
  };
  return conv(root, '');
}

interface Leaf {
  path: string;
  size: number;
  entryKind: EntryKind;
  mark: Mark;
  layer: number;
}

/**
 * A tree from a flat list of paths; implied directories get totals of what is below them. Each
 * item is read as a leaf when its turn comes (no array of leaves beside the list: one layer's
 * changes can be 100,000 paths).
 */
function fromLeaves<T>(items: readonly T[], leaf: (item: T) => Leaf): FileNode {
  const root: FileNode = { name: '', path: '', size: 0, entryKind: 'dir', layer: -1, children: [] };
  const dirs = new Map<string, FileNode>([['', root]]);
  const dirOf = (path: string, layer: number): FileNode => {
    const hit = dirs.get(path);
    if (hit) {
      if (!hit.children) hit.children = [];
      return hit;
    }
    const cut = path.lastIndexOf('/');
    const parent = dirOf(cut < 0 ? '' : path.slice(0, cut), layer);
    const n: FileNode = { name: path.slice(cut + 1), path, size: 0, entryKind: 'dir', layer, children: [] };
    parent.children!.push(n);
    dirs.set(path, n);
    return n;
  };
  for (const item of items) {
    const l = leaf(item);
    const existing = dirs.get(l.path);
    if (existing) {
      // The directory entry itself was changed (or came before its contents in the list).
      existing.mark = l.mark;
      existing.size += l.size;
      continue;
    }
    const cut = l.path.lastIndexOf('/');
    const parent = dirOf(cut < 0 ? '' : l.path.slice(0, cut), l.layer);
    const n: FileNode = { name: l.path.slice(cut + 1), path: l.path, size: l.size, entryKind: l.entryKind, layer: l.layer, mark: l.mark };
    if (l.entryKind === 'dir') {
      n.children = [];
      dirs.set(l.path, n);
    }
    parent.children!.push(n);
  }
  const total = (n: FileNode): number => {
    if (!n.children) return n.size;
    n.children.sort(byName);
    let s = n.mark === 'removed' ? n.size : 0;
    for (const c of n.children) s += total(c);
    n.size = s;
    return s;
  };
  total(root);
  return root;
}

/** What one layer did: added / modified / metadata-only / removed paths with their sizes. */
export function fromChanges(changes: Change[], layer: number): FileNode {
  return fromLeaves(changes, (c) => ({ path: c.path, size: c.size, entryKind: c.entryKind, mark: c.kind, layer }));
}

/** Every wasted byte at the path that shipped it, marked with how it was hidden. */
export function fromWaste(waste: WasteItem[]): FileNode {
  return fromLeaves(waste, (w) => ({ path: w.path, size: w.bytes, entryKind: 'file', mark: WASTE_MARK[w.kind], layer: w.shippedIn }));
}

const sortCache = new WeakMap<FileNode, FileNode[]>();

export function sortedChildren(n: FileNode, sort: SortKey): FileNode[] {
  if (sort === 'name') return n.children!;
  let s = sortCache.get(n);
  if (!s) {
    s = n.children!.slice().sort(bySize);
    sortCache.set(n, s);
  }
  return s;
}

export interface FlattenOptions {
  collapsed: ReadonlySet<string>;
  sort: SortKey;
  /** Keeps a node (and its ancestors) when it returns true; absent keeps everything. */
  keep?: (node: FileNode) => boolean;
}

/** Visible rows, depth-first, root excluded. */
export function flatten(root: FileNode, opts: FlattenOptions): Row[] {
  const out: Row[] = [];
  const { collapsed, sort, keep } = opts;
  if (!root.children) return out;
  if (!keep) {
    const walk = (n: FileNode, depth: number) => {
      for (const c of sortedChildren(n, sort)) {
        const isCollapsed = c.children !== undefined && collapsed.has(c.path);
        out.push({ node: c, depth, collapsed: isCollapsed });
        if (c.children && !isCollapsed) walk(c, depth + 1);
      }
    };
    walk(root, 0);
    return out;
  }
  // With a filter a directory shows only if something at or below it is kept: its row is written
  // first and taken back when nothing below it is (no per-directory arrays: this runs per key typed).
  const anyBelow = (n: FileNode): boolean => {
    for (const c of n.children!) if (keep(c) || (c.children && anyBelow(c))) return true;
    return false;
  };
  const walk = (n: FileNode, depth: number, parentKept: boolean): boolean => {
    let any = false;
    for (const c of sortedChildren(n, sort)) {
      const self = parentKept || keep(c);
      if (!c.children) {
        if (self) {
          out.push({ node: c, depth, collapsed: false });
          any = true;
        }
        continue;
      }
      const isCollapsed = collapsed.has(c.path);
      if (isCollapsed) {
        if (self || anyBelow(c)) {
          out.push({ node: c, depth, collapsed: true });
          any = true;
        }
        continue;
      }
      const at = out.length;
      out.push({ node: c, depth, collapsed: false });
      if (walk(c, depth + 1, self) || self) any = true;
      else out.length = at;
    }
    return any;
  };
  walk(root, 0, false);
  return out;
}

/** Case-insensitive substring match on the full path ("usr/lib" matches everything below it). */
export function pathFilter(query: string): (n: FileNode) => boolean {
  const q = query.toLowerCase().replace(/^\/+/, '');
  // Lower-cased paths are kept between keystrokes (a filter re-runs over every node per key).
  return (n) => (lowered.get(n) ?? lower(n)).includes(q);
}
const lowered = new WeakMap<FileNode, string>();
function lower(n: FileNode): string {
  const l = n.path.toLowerCase();
  lowered.set(n, l);
  return l;
}

/** Keeps paths at or below any of `paths` (leading slashes ignored). */
export function underAny(paths: Iterable<string>): (n: FileNode) => boolean {
  const set = new Set<string>();
  for (const p of paths) set.add(p.replace(/^\/+|\/+$/g, ''));
  return (n) => {
    let p = n.path;
    for (;;) {
      if (set.has(p)) return true;
      const cut = p.lastIndexOf('/');
      if (cut < 0) return false;
      p = p.slice(0, cut);
    }
  };
}

export function both(a?: (n: FileNode) => boolean, b?: (n: FileNode) => boolean): ((n: FileNode) => boolean) | undefined {
  if (!a) return b;
  if (!b) return a;
  return (n) => a(n) && b(n);
}

/** Every directory path in the tree (for "collapse all"). */
export function allDirs(root: FileNode): Set<string> {
  const out = new Set<string>();
  const walk = (n: FileNode) => {
    for (const c of n.children ?? []) {
      if (c.children) {
        out.add(c.path);
        walk(c);
      }
    }
  };
  walk(root);
  return out;
}

/** Finds a node by path. */
export function findNode(root: FileNode, path: string): FileNode | undefined {
  if (path === '') return root;
  let n: FileNode | undefined = root;
  for (const part of path.split('/')) {
    n = n?.children?.find((c) => c.name === part);
    if (!n) return undefined;
  }
  return n;
}

/** Ancestor directory paths of `path`, outermost first ("a/b/c" -> ["a", "a/b"]). */
export function ancestors(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

/** `collapsed` with the row's directory folded or unfolded (toggled when `open` is absent); undefined when nothing changes. */
export function toggled(collapsed: ReadonlySet<string>, r: Row | undefined, open?: boolean): ReadonlySet<string> | undefined {
  if (!r?.node.children) return undefined;
  const isOpen = !collapsed.has(r.node.path);
  if (open !== undefined && open === isOpen) return undefined;
  const next = new Set(collapsed);
  if (isOpen) next.add(r.node.path);
  else next.delete(r.node.path);
  return next;
}

/** A row's name as the tree shows it: indented, ▸/▾ for folded/open directories, symlink targets. */
export function rowLabel(r: Row): string {
  const n = r.node;
  const dir = n.children !== undefined;
  return `${'  '.repeat(r.depth)}${dir ? (r.collapsed ? '▸ ' : '▾ ') : '  '}${n.name}${dir ? '/' : ''}${n.linkname ? ` → ${n.linkname}` : ''}`;
}
