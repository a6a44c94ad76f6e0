import type { LayerContents } from '../../walk/types.js';
import type { TreeNode } from '../types.js';
import { readElf } from './elf.js';
import type { PackageDb } from './packages.js';
import { findLibrary, loaderDirs, type Runtime } from './runtime.js';
import { resolvePath } from './tree.js';
import { byText } from '../../text-order.js';

/**
 * The native extensions of an interpreter's installed libraries (CPython's `.so` modules in
 * site-packages, Node's `.node` addons in node_modules, a gem's `.so`) and the system libraries they
 * load from outside those trees: what a runtime stage on another base image has to install for them
 * (psycopg2 built against libpq-dev loads libpq.so.5, which libpq5 owns). Read from the ELF headers
 * the walk keeps for such files (DT_NEEDED along RUNPATH/$ORIGIN and the loader's default dirs) and
 * the package database. A library a wheel bundles (numpy.libs, a `.libs` dir) lies inside the tree
 * and needs nothing. Pure.
 */

/** A native extension under a language library tree; group 1 is the tree (up to its first library dir). */
export const EXTENSION = /^((?:[^/]+\/)*?(?:site-packages|dist-packages|node_modules|gems|bundle))\/.+\.(?:so(?:\.\d+)*|node)$/;

export interface ExtensionLibraries {
  /** The library tree (absolute): `/usr/local/lib/python3.12/site-packages`, `/app/node_modules`. */
  root: string;
  /** ELF extensions visible under it. */
  files: number;
  /** Packages owning the libraries they load from outside the tree, and the layer that installed each. */
  packages: Array<{ name: string; layer: number }>;
  /** Libraries loaded from outside the tree that no package owns (absolute paths). */
  unowned: string[];
  /** Needed libraries found nowhere in the image or the tree (`libfoo.so.1 (needed by /…)`). */
  unresolved: string[];
  /** Extensions whose needed list came from their strings, not the dynamic section: it may miss some. */
  inexact: number;
}

const MAX_NAMED = 8;

/** Over the captured files of every layer; only files still visible count. `owners`: the runtime set's index. */
export function extensionLibraries(root: TreeNode, db: PackageDb | undefined, contents: LayerContents[], owners: Runtime['owners']): ExtensionLibraries[] {
  const byTree = new Map<string, Map<TreeNode, string>>();
  for (const c of contents) {
    for (const e of c.entries) {
      if (e.content === undefined) continue;
      const m = EXTENSION.exec(e.path);
      if (!m) continue;
      const hit = resolvePath(root, e.path);
      if (!hit?.node.data?.content || hit.path !== e.path) continue;
      let files = byTree.get(m[1]);
      if (!files) byTree.set(m[1], (files = new Map()));
      files.set(hit.node, hit.path);
    }
  }
  const out: ExtensionLibraries[] = [];
  for (const [tree, files] of [...byTree].sort((a, b) => byText(a[0], b[0]))) {
    // A wheel's bundled libraries are found by name inside the tree (their RUNPATH may be beyond the kept prefix).
    const bundled = new Set([...files.values()].map((p) => p.slice(p.lastIndexOf('/') + 1)));
    const r: ExtensionLibraries = { root: `/${tree}`, files: 0, packages: [], unowned: [], unresolved: [], inexact: 0 };
    const pkgs = new Map<string, number>();
    for (const [node, path] of files) {
      const elf = readElf(node.data!.content!);
      if (!elf) continue;
      r.files++;
      if (!elf.exact) r.inexact++;
      const dirs = loaderDirs(elf, path.slice(0, path.lastIndexOf('/')));
      for (const lib of elf.needed) {
        if (bundled.has(lib)) continue;
        const found = findLibrary(root, dirs, lib);
        if (!found?.node.data) {
          // A name from an inexact read may be the file's own soname, not a need.
          if (elf.exact && r.unresolved.length < MAX_NAMED) r.unresolved.push(`${lib} (needed by /${path})`);
          continue;
        }
        if (found.path.startsWith(`${tree}/`)) continue;
        const pkg = owners(found, root);
        if (pkg) pkgs.set(pkg, db?.packages.get(pkg)?.layer ?? -1);
        else if (r.unowned.length < MAX_NAMED && !r.unowned.includes(`/${found.path}`)) r.unowned.push(`/${found.path}`);
      }
    }
    if (r.files === 0) continue;
    r.packages = [...pkgs].map(([name, layer]) => ({ name, layer })).sort((a, b) => byText(a.name, b.name));
    out.push(r);
  }
  return out;
}
