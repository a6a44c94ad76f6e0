import type { TreeNode } from '../types.js';
import { parseAuto, parseDpkgStatus, resolveDeps, type PackageDb, type Pkg } from './packages.js';
import { resolvePath } from './tree.js';
import { byText } from '../../text-order.js';

/**
 * What `apt-get install --no-install-recommends` would have left out: the packages an install put
 * in the image only because something Recommends them. apt keeps a package when a manually
 * installed one reaches it through Depends/Pre-Depends (alternatives and Provides resolved to what
 * is installed, as packages.ts does); Recommends add more only while apt follows them. So a
 * package is recommends-only when it is reachable from the manual packages through Depends and
 * Recommends but not through Depends alone. Pure: the package database (and the tree, for bytes) in.
 */

export interface RecommendsOnly {
  name: string;
  /** What pulled it in: kept packages that Recommend it, or recommends-only packages that need it. */
  recommendedBy: string[];
}

export interface RecommendsInput {
  /** The layer of the install: only packages its database first lists can be left out by it. */
  layer: number;
  /** Packages the install names on its command line (manual even without extended_states). */
  requested: string[];
}

/**
 * The packages the install in `input.layer` brought in only through Recommends, by name. Roots are
 * every package that is not auto-installed (apt's extended_states; without it, every package from
 * another layer) and the requested ones: what later layers depend on stays, since they would
 * install it anyway.
 */
export function recommendsOnly(db: PackageDb, input: RecommendsInput): RecommendsOnly[] {
  if (db.manager !== 'dpkg') return [];
  const requested = new Set(input.requested);
  const isRoot = (p: Pkg) => requested.has(p.name) || p.layer !== input.layer || p.auto === false;
  const roots = [...db.packages.values()].filter(isRoot).map((p) => p.name);
  const byDepends = reach(db, roots, false);
  const only = [...reach(db, roots, true)].filter((n) => !byDepends.has(n) && !isRoot(db.packages.get(n)!));
  const onlySet = new Set(only);
  // Who pulled each in: a kept package that Recommends it, or a recommends-only one that Depends on it.
  const by = new Map<string, Set<string>>(only.map((n) => [n, new Set<string>()]));
  for (const p of db.packages.values()) {
    const edges = [...(byDepends.has(p.name) ? p.recommends ?? [] : []), ...(onlySet.has(p.name) ? [...p.depends, ...(p.recommends ?? [])] : [])];
    for (const d of edges) by.get(d)?.add(p.name);
  }
  return only.map((name) => ({ name, recommendedBy: [...by.get(name)!].sort() })).sort((a, b) => byText(a.name, b.name));
}

/** Every package reachable from `roots` through Depends (and Recommends when `recommends`), roots included. */
function reach(db: PackageDb, roots: Iterable<string>, recommends: boolean): Set<string> {
  const seen = new Set(roots);
  const stack = [...seen];
  while (stack.length) {
    const p = db.packages.get(stack.pop()!);
    for (const d of [...(p?.depends ?? []), ...(recommends ? p?.recommends ?? [] : [])]) {
      if (!seen.has(d) && db.packages.has(d)) {
        seen.add(d);
        stack.push(d);
      }
    }
  }
  return seen;
}

/**
 * A dpkg database from successive copies of /var/lib/dpkg/status (one per layer that wrote it, in
 * layer order, as `[layer, text]`) and apt's extended_states: each package dated by the first copy
 * that lists it. No file lists: what recommendsOnly needs, from the database text alone.
 */
export function dpkgDatabase(statusByLayer: Array<[number, string]>, extendedStates?: string): PackageDb {
  const first = new Map<string, number>();
  for (const [layer, text] of statusByLayer) for (const p of parseDpkgStatus(text)) if (!first.has(p.name)) first.set(p.name, layer);
  const parsed = parseDpkgStatus(statusByLayer[statusByLayer.length - 1]?.[1] ?? '');
  const deps = resolveDeps(parsed);
  const recs = resolveDeps(parsed, (p) => p.recommends ?? []);
  const auto = extendedStates === undefined ? undefined : parseAuto(extendedStates);
  const packages = new Map<string, Pkg>();
  for (const p of parsed) {
    const pkg: Pkg = { name: p.name, version: p.version, depends: deps.get(p.name) ?? [], layer: first.get(p.name) ?? -1 };
    if (recs.get(p.name)?.length) pkg.recommends = recs.get(p.name);
    if (auto) pkg.auto = auto.has(p.name);
    packages.set(p.name, pkg);
  }
  return { manager: 'dpkg', packages };
}

export interface RecommendsBytes {
  /** Bytes that would not ship: the packages' files (hardlinks once) and their dpkg records. */
  bytes: number;
  files: number;
  /** Per package, biggest first. */
  packages: Array<{ name: string; bytes: number }>;
}

/**
 * The bytes the image would not ship had the install in `layer` left `names` out:
 * - each package's own files from its dpkg .list that are regular files in the final tree (a file
 *   with several names once, a file another installed package also lists not at all), and its
 *   /var/lib/dpkg/info/NAME.* files (list, md5sums, maintainer scripts, templates);
 * - what their maintainer scripts made: files no package lists, written in `layer`, in a directory
 *   only these packages list (ca-certificates' /etc/ssl/certs/ca-certificates.crt);
 * - debconf's databases as `layer` rewrote them, when the only packages it added with debconf
 *   templates are these (without them apt does not open debconf at all);
 * - their stanzas in dpkg's status (and status-old, a copy of it from the run before: the same
 *   stanzas estimate it) and apt's extended_states.
 */
export function recommendsBytes(root: TreeNode, db: PackageDb, names: string[], layer: number): RecommendsBytes {
  const set = new Set(names);
  const owned = new Set<object>();
  const ownDirs = new Map<TreeNode, boolean>(); // directory → listed only by `names` packages
  for (const p of db.packages.values()) {
    for (const f of p.files ?? []) {
      const n = resolvePath(root, f)?.node;
      if (n?.data) owned.add(n.data);
      else if (n?.children) ownDirs.set(n, (ownDirs.get(n) ?? true) && set.has(p.name));
    }
  }
  const others = new Set<object>();
  for (const p of db.packages.values()) {
    if (set.has(p.name)) continue;
    for (const f of p.files ?? []) {
      const d = resolvePath(root, f)?.node.data;
      if (d) others.add(d);
    }
  }
  const counted = new Set<object>();
  let files = 0;
  const per: Array<{ name: string; bytes: number }> = [];
  const take = (n: TreeNode | undefined): number => {
    const d = n?.data;
    if (!n || !d || (n.kind !== 'file' && n.kind !== 'hardlink') || counted.has(d) || others.has(d)) return 0;
    counted.add(d);
    files++;
    return d.size;
  };
  const info = resolvePath(root, 'var/lib/dpkg/info')?.node;
  const infoOf = (name: string) => [...(info?.children ?? [])].filter(([n]) => {
    const base = n.slice(0, n.lastIndexOf('.'));
    return base === name || base.startsWith(`${name}:`);
  });
  for (const name of names) {
    let bytes = 0;
    for (const f of db.packages.get(name)?.files ?? []) bytes += take(resolvePath(root, f)?.node);
    for (const [, child] of infoOf(name)) bytes += take(child);
    per.push({ name, bytes });
  }
  let bytes = per.reduce((s, p) => s + p.bytes, 0);
  for (const [dir, only] of ownDirs) {
    if (!only) continue;
    for (const c of dir.children?.values() ?? []) if (c.layer === layer && c.data && !owned.has(c.data)) bytes += take(c);
  }
  const debconfUsers = [...db.packages.values()].filter((p) => p.layer === layer && infoOf(p.name).some(([n]) => /\.(?:templates|config)$/.test(n)));
  if (debconfUsers.length && debconfUsers.every((p) => set.has(p.name))) {
    for (const c of resolvePath(root, 'var/cache/debconf')?.node.children?.values() ?? []) if (c.layer === layer) bytes += take(c);
  }
  const status = resolvePath(root, 'var/lib/dpkg/status')?.node.data?.content?.toString('utf8') ?? '';
  const copies = resolvePath(root, 'var/lib/dpkg/status-old')?.node.layer === layer ? 2 : 1;
  bytes += copies * stanzaBytes(status, set);
  bytes += stanzaBytes(resolvePath(root, 'var/lib/apt/extended_states')?.node.data?.content?.toString('utf8') ?? '', set);
  return { bytes, files, packages: per.sort((a, b) => b.bytes - a.bytes || byText(a.name, b.name)) };
}

/** Bytes of the stanzas (with their blank separator line) of the named packages in a dpkg/apt database. */
function stanzaBytes(text: string, names: Set<string>): number {
  let n = 0;
  for (const s of text.split(/\n\n/)) {
    const name = /^Package:\s*(\S+)/m.exec(s)?.[1];
    if (name && names.has(name.split(':')[0])) n += Buffer.byteLength(s) + 2;
  }
  return n;
}

/** `apt-get install`/`apt install` (options before or after the verb), up to the end of that command. */
const APT_INSTALL = /\bapt(?:-get)?((?:\s+-[-\w.:=]+(?:\s+[\w:.-]+=[^\s;&|]+)?)*)\s+install\b([^;&|\n]*)/g;

/**
 * The apt installs of a shell command: whether any of them keeps Recommends out
 * (`--no-install-recommends`, `-o APT::Install-Recommends=false`), and the package names they
 * request (`=version`, `/release` and `:arch` dropped). undefined when it runs no apt install.
 */
export function aptInstalls(command: string): { noRecommends: boolean; requested: string[] } | undefined {
  const cmd = command.replace(/\\\n/g, ' ');
  let any = false;
  const noRecommends = /--no-install-recommends\b|Install-Recommends(?:=|\s+)["']?(?:false|0)\b/i.test(cmd);
  const requested: string[] = [];
  for (const m of cmd.matchAll(APT_INSTALL)) {
    any = true;
    const words = m[2].trim().split(/\s+/).filter(Boolean);
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      if (w === '-o' || w === '-t' || w === '--target-release') i++;
      else if (!w.startsWith('-') && /^[a-z0-9][a-z0-9+.-]*/.test(w)) requested.push(w.split(/[=/:]/)[0]);
    }
  }
  if (!any) return undefined;
  return { noRecommends, requested };
}

/** One apt install (one layer) that let Recommends in, and what that cost. */
export interface AptRecommends extends RecommendsBytes {
  layer: number;
  /** The recommends-only packages with what pulled each in, by name. */
  recommendsOnly: RecommendsOnly[];
  /** Recommends-only packages the entrypoint runs or loads: leaving them out is not safe. */
  runtimeNeeds: string[];
}

/**
 * For every layer whose instruction runs an apt install without keeping Recommends out, the
 * recommends-only packages it added and their bytes; layers where there are none are left out.
 */
export function aptRecommends(root: TreeNode, db: PackageDb, instructions: string[], runtime: ReadonlySet<string>): AptRecommends[] {
  if (db.manager !== 'dpkg') return [];
  const out: AptRecommends[] = [];
  instructions.forEach((instruction, layer) => {
    const apt = aptInstalls(instruction ?? '');
    if (!apt || apt.noRecommends) return;
    const only = recommendsOnly(db, { layer, requested: apt.requested });
    if (only.length === 0) return;
    const names = only.map((p) => p.name);
    out.push({ layer, recommendsOnly: only, runtimeNeeds: names.filter((n) => runtime.has(n)), ...recommendsBytes(root, db, names, layer) });
  });
  return out;
}
