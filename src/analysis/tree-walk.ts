import type { TreeNode } from './types.js';

/**
 * Calls `visit` for every node below `root` that is not a directory (`root` itself when it is not
 * one), depth first in child order, with its path (`prefix/name`, or just `name` under an empty
 * prefix). A callback rather than a generator: no resumption per node (this runs over every file of
 * an image). An explicit stack rather than recursion: hostile layers nest directories deeper than
 * the call stack goes.
 */
export function forEachLeaf(root: TreeNode, prefix: string, visit: (path: string, node: TreeNode) => void): void {
  if (!root.children) {
    visit(prefix, root);
    return;
  }
  const stack: Array<[string, Iterator<[string, TreeNode]>]> = [[prefix, root.children.entries()]];
  while (stack.length) {
    const [at, it] = stack[stack.length - 1];
    const next = it.next();
    if (next.done) {
      stack.pop();
      continue;
    }
    const [name, child] = next.value;
    const path = at ? `${at}/${name}` : name;
    if (child.children) stack.push([path, child.children.entries()]);
    else visit(path, child);
  }
}
