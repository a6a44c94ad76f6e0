import type { Finding } from '../analysis/findings/types.js';
import { walkTo } from '../analysis/findings/tree.js';
import { forEachLeaf } from '../analysis/tree-walk.js';
import type { TreeNode } from '../analysis/types.js';
import type { InspectResult } from '../pipeline/types.js';

/**
 * Build-tool caches with no cleaning flag of their own (Maven's local repository, Gradle's caches,
 * Go's build and module caches, cargo's registry, yarn, pnpm, RubyGems' .gem archives): removed at
 * the end of the RUN that filled it. Pure. Only what the image shows the finding owns whole: its
 * files by name, or the deepest directory holding every file of the finding and nothing else that
 * is visible, so the rm takes exactly the bytes predicted.
 */

/** The tool whose cache it is, as a RUN or the command names it. */
export const CACHE_TOOLS: Record<string, RegExp> = {
  'cache-maven': /(?:^|[\s/;&|(])mvnw?(?:\s|$)/,
  'cache-gradle': /(?:^|[\s/;&|(])gradlew?(?:\s|$)/,
  'cache-go': /(?:^|[\s/;&|(])go\s+(?:build|install|mod|get|test|run|generate|vet)\b/,
  'cache-cargo': /(?:^|[\s/;&|(])cargo\s/,
  'cache-yarn': /(?:^|[\s/;&|(])yarn(?:\s|$)/,
  'cache-pnpm': /(?:^|[\s/;&|(])pnpm\s/,
  'cache-gem': /(?:^|[\s/;&|(])(?:gem|bundle)\s+install\b/,
};

/** Directories never removed whole, whatever the counts say. */
const TOO_WIDE = /^(?:[^/]+|home\/[^/]+|usr\/(?:local|lib|share)|var\/(?:lib|cache)|root\/\.cache|root\/\.local(?:\/share)?)$/;

/**
 * The command that removes exactly the finding's visible files, when there is one: `rm -f` of the
 * files when the finding lists each of them, else `rm -rf` of the one directory that holds them and
 * nothing else.
 */
export function cacheRemoval(result: InspectResult, f: Finding): string | undefined {
  const root = result.analysis.root;
  const count = f.paths.reduce((s, p) => s + p.count, 0);
  if (f.paths.length > 0 && f.paths.every((p) => p.count === 1 && !isDir(root, p.path.replace(/^\/+/, ''))) && count === f.paths.length && f.paths.every((p) => SAFE_ARG.test(p.path))) {
    return `rm -f ${f.paths.map((p) => p.path).join(' ')}`;
  }
  const dir = cacheDirOf(result, f, count);
  return dir && SAFE_ARG.test(dir) ? `rm -rf ${dir}` : undefined;
}

/** A path the shell takes as one word, unexpanded. */
const SAFE_ARG = /^\/[\w./@+-]+$/;

/** The directory (absolute) that holds exactly the finding's visible files, when there is one. */
function cacheDirOf(result: InspectResult, f: Finding, count: number): string | undefined {
  const paths = f.paths.map((p) => p.path.replace(/^\/+/, ''));
  if (paths.length === 0) return undefined;
  // A summarized path stands for `count` files below it; a file stands for itself. The common
  // directory of them all is the smallest one that can hold the finding.
  const dirs = paths.map((p, i) => (f.paths[i].count === 1 && !isDir(result.analysis.root, p) ? p.slice(0, Math.max(0, p.lastIndexOf('/'))) : p));
  let common = dirs[0].split('/');
  for (const d of dirs.slice(1)) {
    const parts = d.split('/');
    let n = 0;
    while (n < common.length && n < parts.length && common[n] === parts[n]) n++;
    common = common.slice(0, n);
  }
  const dir = common.join('/');
  if (!dir || TOO_WIDE.test(dir)) return undefined;
  const node = walkTo(result.analysis.root, dir.split('/'));
  if (!node?.children) return undefined;
  let files = 0;
  let bytes = 0;
  forEachLeaf(node, dir, (_p, n) => {
    if ((n.kind === 'file' || n.kind === 'hardlink') && n.data) {
      files++;
      bytes += n.data.size;
    } else if (n.kind !== 'dir') files = Infinity; // a link or device of its own: not only the cache
  });
  return files === count && bytes === f.bytes ? `/${dir}` : undefined;
}

function isDir(root: TreeNode, path: string): boolean {
  return walkTo(root, path.split('/'))?.children !== undefined;
}
