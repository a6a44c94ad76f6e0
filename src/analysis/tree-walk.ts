import type { TreeNode } from './types.js';

/**
 * Every node below `root` that is not a directory (`root` itself when it is not one), depth first in
 * child order, with its path (`prefix/name`, or just `name` under an empty prefix). An explicit
 * stack rather than recursion: hostile layers nest directories deeper than the call stack goes.
 */
export function* leavesBelow(root: TreeNode, prefix: string): Generator<[string, TreeNode]> {
  if (!root.children) {
    yield [prefix, root];
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
    else yield [path, child];
  }
}
