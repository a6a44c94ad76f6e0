import type { TreeNode } from '../../analysis/types.js';
import { type FileNode, type Row, type SortKey, toggled } from './files.js';

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

class ImageRows implements Rows {
  readonly length: number;
  /** Rows below each open directory. */
  private readonly below = new Map<TreeNode, number>();
  /** Per directory drawn: the row (relative to it) where each of its sorted children starts. */
  private readonly starts = new Map<TreeNode, Int32Array>();

  constructor(private readonly root: TreeNode, private readonly collapsed: ReadonlySet<string>, private readonly sort: SortKey) {
    this.length = root.children ? this.count(root, '') : 0;
  }

  private count(dir: TreeNode, path: string): number {
    let c = 0;
    for (const k of dir.children!.values()) {
      c++;
      if (!k.children) continue;
      // Paths are only needed to look folds up.
      const p = this.collapsed.size ? join(path, k.name) : '';
      if (!this.collapsed.size || !this.collapsed.has(p)) c += this.count(k, p);
    }
    this.below.set(dir, c);
    return c;
  }

  private startsOf(dir: TreeNode): Int32Array {
    let s = this.starts.get(dir);
    if (!s) {
      const ks = kids(dir, this.sort);
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
      const ks = kids(dir, this.sort);
      const s = this.startsOf(dir);
      let lo = 0;
      let hi = ks.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (s[mid] <= i) lo = mid;
        else hi = mid - 1;
      }
      const k = ks[lo];
      const p = join(path, k.name);
      if (s[lo] === i) return { node: fileNode(k, p), depth, collapsed: k.children !== undefined && this.collapsed.has(p) };
      i -= s[lo] + 1;
      dir = k;
      path = p;
    }
  }

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
