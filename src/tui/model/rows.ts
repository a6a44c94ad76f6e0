import type { TreeNode } from '../../analysis/types.js';
import { type FileNode, type Row, type SortKey, sortedChildren, toggled } from './files.js';

/**
 * The rows a tree pane shows, read by index. A flattened list (`listRows`), or for the merged image
 * (`imageRows`) rows made only where they are drawn: on a 200,000-file image a FileNode and a Row per
 * file cost ~40 MB, while the screen shows twenty. The image's rows are read straight from the
 * merged tree: the number of rows below each open directory, and per directory drawn, where each
 * child's rows start (a binary search finds a row).
 */
export interface Rows {
  readonly length: number;
  at(i: number): Row | undefined;
  /** The index of the row showing `path`, or -1. */
  indexOf(path: string): number;
}

export function listRows(rows: Row[]): Rows {
  return { length: rows.length, at: (i) => rows[i], indexOf: (p) => rows.findIndex((r) => r.node.path === p) };
}

const byName = (a: TreeNode, b: TreeNode) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const bySize = (a: TreeNode, b: TreeNode) => b.size - a.size || byName(a, b);
/** A directory's children in each order, sorted once when first drawn (kept while the tree lives). */
const sorted = { name: new WeakMap<TreeNode, TreeNode[]>(), size: new WeakMap<TreeNode, TreeNode[]>() };

function kids(n: TreeNode, sort: SortKey): TreeNode[] {
  let s = sorted[sort].get(n);
  if (!s) {
    s = [...n.children!.values()].sort(sort === 'name' ? byName : bySize);
    sorted[sort].set(n, s);
  }
  return s;
}

const join = (dir: string, name: string) => (dir ? `${dir}/${name}` : name);

/**
 * A row's node as the Files pane reads it (what `fromTree` makes). A directory's `children` is an
 * empty list: it only says "directory"; the tree itself stays the merged one.
 */
function fileNode(t: TreeNode, path: string): FileNode {
  const n: FileNode = { name: t.name, path, size: t.size, entryKind: t.kind, layer: t.layer };
  if (t.linkname !== undefined) n.linkname = t.linkname;
  if (t.children) n.children = [];
  return n;
}

/**
 * Rows of a tree, made when read. `below` holds the rows under each open directory (counted once);
 * `starts`, per directory drawn, where each of its sorted children's rows begin, so a row is found
 * by one binary search per level.
 */
abstract class Windowed<N> implements Rows {
  readonly length: number;
  private readonly below = new Map<N, number>();
  private readonly starts = new Map<N, Int32Array>();

  constructor(protected readonly root: N, protected readonly collapsed: ReadonlySet<string>) {
    this.length = this.isDir(root) ? this.count(root, '') : 0;
  }

  protected abstract isDir(n: N): boolean;
  /** Children in any order (for counting). */
  protected abstract children(n: N): Iterable<N>;
  /** Children in the view's order. */
  protected abstract sorted(n: N): N[];
  protected abstract pathOf(n: N, parent: string): string;
  protected abstract node(n: N, path: string): FileNode;
  abstract indexOf(path: string): number;

  private count(dir: N, path: string): number {
    let c = 0;
    for (const k of this.children(dir)) {
      c++;
      if (!this.isDir(k)) continue;
      // Paths are only needed to look folds up.
      const p = this.collapsed.size ? this.pathOf(k, path) : '';
      if (!this.collapsed.size || !this.collapsed.has(p)) c += this.count(k, p);
    }
    this.below.set(dir, c);
    return c;
  }

  protected startsOf(dir: N): Int32Array {
    let s = this.starts.get(dir);
    if (!s) {
      const ks = this.sorted(dir);
      s = new Int32Array(ks.length);
      let at = 0;
      for (let j = 0; j < ks.length; j++) {
        s[j] = at;
        at += 1 + (this.below.get(ks[j]) ?? 0);
      }
      this.starts.set(dir, s);
    }
    return s;
  }

  at(i: number): Row | undefined {
    if (!(i >= 0 && i < this.length)) return undefined;
    let dir = this.root;
    let path = '';
    for (let depth = 0; ; depth++) {
      const ks = this.sorted(dir);
      const s = this.startsOf(dir);
      let lo = 0;
      let hi = ks.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (s[mid] <= i) lo = mid;
        else hi = mid - 1;
      }
      const k = ks[lo];
      const p = this.pathOf(k, path);
      if (s[lo] === i) return { node: this.node(k, p), depth, collapsed: this.isDir(k) && this.collapsed.has(p) };
      i -= s[lo] + 1;
      dir = k;
      path = p;
    }
  }
}

class ImageRows extends Windowed<TreeNode> {
  constructor(root: TreeNode, collapsed: ReadonlySet<string>, private readonly sort: SortKey) {
    super(root, collapsed);
  }
  protected isDir(n: TreeNode): boolean {
    return n.children !== undefined;
  }
  protected children(n: TreeNode): Iterable<TreeNode> {
    return n.children!.values();
  }
  protected sorted(n: TreeNode): TreeNode[] {
    return kids(n, this.sort);
  }
  protected pathOf(n: TreeNode, parent: string): string {
    return join(parent, n.name);
  }
  protected node(n: TreeNode, path: string): FileNode {
    return fileNode(n, path);
  }

  /** Names are unique in a directory of the merged tree: the path leads straight to its row. */
  indexOf(path: string): number {
    if (!path || !this.root.children) return -1;
    const parts = path.split('/');
    let dir = this.root;
    let at = 0;
    let p = '';
    for (let d = 0; ; d++) {
      const k = dir.children!.get(parts[d]);
      if (!k) return -1;
      at += this.startsOf(dir)[kids(dir, this.sort).indexOf(k)];
      if (d === parts.length - 1) return at;
      p = join(p, k.name);
      if (!k.children || this.collapsed.has(p)) return -1;
      at++;
      dir = k;
    }
  }
}

class FileNodeRows extends Windowed<FileNode> {
  constructor(root: FileNode, collapsed: ReadonlySet<string>, private readonly sort: SortKey) {
    super(root, collapsed);
  }
  protected isDir(n: FileNode): boolean {
    return n.children !== undefined;
  }
  protected children(n: FileNode): Iterable<FileNode> {
    return n.children!;
  }
  protected sorted(n: FileNode): FileNode[] {
    return sortedChildren(n, this.sort);
  }
  protected pathOf(n: FileNode): string {
    return n.path;
  }
  protected node(n: FileNode): FileNode {
    return n;
  }

  /**
   * The first row showing `path`, as a scan of the rows would find it (a tree built from a list
   * may hold a file and a directory of one name): only directories the path lies under are entered.
   */
  indexOf(path: string): number {
    const find = (dir: FileNode, base: number): number => {
      const ks = this.sorted(dir);
      const s = this.startsOf(dir);
      for (let j = 0; j < ks.length; j++) {
        const k = ks[j];
        if (k.path === path) return base + s[j];
        if (k.children && path.startsWith(`${k.path}/`) && !this.collapsed.has(k.path)) {
          const at = find(k, base + s[j] + 1);
          if (at >= 0) return at;
        }
      }
      return -1;
    };
    return this.root.children ? find(this.root, 0) : -1;
  }
}

/** A FileNode tree's rows (no filter): what `flatten(root, { collapsed, sort })` lists, made when read. */
export function treeRows(root: FileNode, collapsed: ReadonlySet<string>, sort: SortKey): Rows {
  return new FileNodeRows(root, collapsed, sort);
}

/** The merged image's rows (no filter): what `flatten(fromTree(root), { collapsed, sort })` lists. */
export function imageRows(root: TreeNode, collapsed: ReadonlySet<string>, sort: SortKey): Rows {
  return new ImageRows(root, collapsed, sort);
}

/** Every directory path below `root` (for "collapse all"): what `allDirs(fromTree(root))` gives. */
export function treeDirs(root: TreeNode): Set<string> {
  const out = new Set<string>();
  const walk = (n: TreeNode, path: string) => {
    for (const k of n.children?.values() ?? []) {
      if (!k.children) continue;
      const p = join(path, k.name);
      out.add(p);
      walk(k, p);
    }
  };
  walk(root, '');
  return out;
}

/** Where ← / h goes from a row: its own fold when it is an open directory, else its parent's row. */
export function leftOf(rows: Rows, collapsed: ReadonlySet<string>, at: number): { collapsed: ReadonlySet<string>; cursor?: undefined } | { cursor: number; collapsed?: undefined } | undefined {
  const r = rows.at(at);
  if (!r) return undefined;
  if (r.node.children && !r.collapsed) return { collapsed: toggled(collapsed, r, false)! };
  const p = r.node.path;
  const parent = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
  const i = rows.indexOf(parent);
  return i >= 0 ? { cursor: i } : undefined;
}
