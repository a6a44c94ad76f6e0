import type { TreeNode } from '../types.js';
import { forEachLeaf } from '../tree-walk.js';
import type { FileEntry } from '../../walk/types.js';

/** Read-only helpers over the merged tree for the findings. */

export interface VisibleFile {
  /** Path as it appears in the merged tree, without a leading "/". */
  path: string;
  node: TreeNode;
  /** The bytes this path makes visible; shared by hardlinks, so findings count it once. */
  data: FileEntry;
}

/**
 * Calls `visit` for every regular file (and hardlink) with bytes visible in the final filesystem,
 * depth first in child order (../tree-walk.ts: a callback, an explicit stack).
 */
export function forEachVisibleFile(root: TreeNode, visit: (f: VisibleFile) => void): void {
  if (!root.children) return;
  forEachLeaf(root, '', (path, node) => {
    if ((node.kind === 'file' || node.kind === 'hardlink') && node.data) visit({ path, node, data: node.data });
  });
}

/**
 * Looks a path up the way the kernel would inside the image: symlinked directories on the way are
 * followed (Debian's merged /usr makes "/lib/x86_64-linux-gnu/libc.so.6" live under usr/lib), the
 * last component is not. Returns the node and its real path, or undefined.
 */
export function resolvePath(root: TreeNode, path: string): { node: TreeNode; path: string } | undefined {
  let parts = path.split('/').filter((p) => p && p !== '.');
  let hops = 0;
  for (;;) {
    let dir = root;
    const real: string[] = [];
    let restarted = false;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (part === '..') {
        real.pop();
        dir = walkTo(root, real) ?? root;
        continue;
      }
      const next = dir.children?.get(part);
      if (!next) return undefined;
      const last = i === parts.length - 1;
      if (next.kind === 'symlink' && !last) {
        if (++hops > 40) return undefined;
        const target = next.linkname ?? '';
        const base = target.startsWith('/') ? [] : real;
        parts = [...base, ...target.split('/').filter((p) => p && p !== '.'), ...parts.slice(i + 1)];
        restarted = true;
        break;
      }
      real.push(part);
      if (last) return { node: next, path: real.join('/') };
      if (!next.children) return undefined;
      dir = next;
    }
    if (!restarted) return parts.length === 0 ? { node: root, path: '' } : undefined;
  }
}

/** The node at `parts` below `root`, no link followed; undefined when a part is missing. */
export function walkTo(root: TreeNode, parts: string[]): TreeNode | undefined {
  let n: TreeNode | undefined = root;
  for (const p of parts) n = n?.children?.get(p);
  return n;
}
