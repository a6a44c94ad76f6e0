import type { TreeNode } from '../types.js';

/** Package evidence for node_modules: which installed packages the project marks as devDependencies. */

/** node_modules/<pkg> directories that the project's package.json or lockfile mark as dev-only. */
export function nodeDevDependencyDirs(root: TreeNode): Set<string> {
  const dirs = new Set<string>();
  const scan = (node: TreeNode, path: string, depth: number) => {
    if (!node.children || depth > 12) return;
    const pj = node.children.get('package.json');
    const nm = node.children.get('node_modules');
    if (nm?.children) {
      const lock = nm.children.get('.package-lock.json')?.data?.content;
      let fromLock = false;
      if (lock) {
        try {
          const j = JSON.parse(lock.toString('utf8')) as { packages?: Record<string, { dev?: boolean }> };
          for (const [k, v] of Object.entries(j.packages ?? {})) {
            if (v?.dev && k.startsWith('node_modules/')) dirs.add(path ? `${path}/${k}` : k);
          }
          fromLock = true;
        } catch {
          /* unreadable lockfile: fall back to package.json */
        }
      }
      if (!fromLock && pj?.data?.content) {
        try {
          const j = JSON.parse(pj.data.content.toString('utf8')) as { devDependencies?: Record<string, string>; dependencies?: Record<string, string> };
          for (const d of Object.keys(j.devDependencies ?? {})) {
            if (j.dependencies?.[d] === undefined) dirs.add(path ? `${path}/node_modules/${d}` : `node_modules/${d}`);
          }
        } catch {
          /* not JSON: no evidence */
        }
      }
    }
    for (const [name, child] of node.children) {
      if (name === 'node_modules' || !child.children) continue;
      if (depth === 0 && /^(?:proc|sys|dev|usr|lib|lib64|bin|sbin|etc|var)$/.test(name)) continue;
      scan(child, path ? `${path}/${name}` : name, depth + 1);
    }
  };
  scan(root, '', 0);
  return dirs;
}

export function isUnderDevDir(path: string, dirs: Set<string>): boolean {
  let i = path.indexOf('node_modules/');
  while (i >= 0) {
    const rest = path.slice(i + 'node_modules/'.length);
    const parts = rest.split('/');
    const name = parts[0].startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
    const dir = `${path.slice(0, i)}node_modules/${name}`;
    if (dirs.has(dir)) return true;
    i = path.indexOf('node_modules/', i + 1);
  }
  return false;
}
