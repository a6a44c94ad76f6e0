import { resolvePath } from '../analysis/findings/tree.js';
import type { TreeNode } from '../analysis/types.js';
import { ownFilesUnder } from './stage.js';

/**
 * Where the interpreter an image runs loads installed libraries from, among the directories the
 * build's own layers filled: the dirs an interpreted split's runtime stage has to copy besides the
 * script. They are the interpreters' own search paths, not guesses about the app: Python's
 * site-packages and dist-packages under /usr/local/lib (pip's installs), Ruby's gem dirs
 * (/var/lib/gems/X, /usr/local/bundle) and a bundler vendor/bundle beside the script, and Node's
 * node_modules in the script's directory or above it (require's lookup). Pure.
 */
export interface LibraryDir {
  /** Absolute path. */
  path: string;
  files: number;
  /** Bytes of the build's files under it. */
  bytes: number;
}

/** `program`: the basename of the interpreter; `script`: the file it runs (real path, no leading "/"). */
export function libraryDirs(root: TreeNode, firstOwn: number, program: string, script?: string): LibraryDir[] {
  const candidates: string[] = [];
  const children = (dir: string) => [...(resolvePath(root, dir)?.node.children?.keys() ?? [])];
  const scriptDirs: string[] = [];
  if (script) for (let d = script.slice(0, script.lastIndexOf('/')); d; d = d.slice(0, Math.max(0, d.lastIndexOf('/')))) scriptDirs.push(d);
  if (/^python/.test(program)) {
    for (const v of children('usr/local/lib').filter((n) => /^python3(?:\.\d+)?$/.test(n))) candidates.push(`usr/local/lib/${v}/site-packages`, `usr/local/lib/${v}/dist-packages`);
  } else if (/^ruby/.test(program)) {
    for (const v of children('var/lib/gems')) candidates.push(`var/lib/gems/${v}`);
    candidates.push('usr/local/bundle', ...scriptDirs.map((d) => `${d}/vendor/bundle`));
  } else if (/^node/.test(program)) {
    candidates.push(...scriptDirs.map((d) => `${d}/node_modules`));
  }
  const out: LibraryDir[] = [];
  for (const c of candidates) {
    const hit = resolvePath(root, c);
    if (!hit?.node.children) continue;
    const { files, bytes } = ownFilesUnder(hit.node, firstOwn);
    if (files > 0 && !out.some((o) => o.path === `/${hit.path}`)) out.push({ path: `/${hit.path}`, files, bytes });
  }
  return out;
}
