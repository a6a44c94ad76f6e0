import type { LayerContents } from '../../walk/types.js';
import type { TreeNode } from '../types.js';
import { resolvePath } from './tree.js';

/**
 * Package-level evidence from the image's own package database (dpkg or apk): which packages are
 * installed, in which layer each first appeared, what each depends on and which files it owns.
 * This is what lets a finding say "build-essential was installed in layer 3" and count exactly
 * the files a compiler package put there.
 */

export interface Pkg {
  name: string;
  version: string;
  /**
   * The installed packages it depends on (Depends and Pre-Depends; apk `D:`): each alternative group
   * `a | b` resolved to the first installed alternative, virtual names through Provides, arch
   * qualifiers (`libc6:amd64`) dropped. Dependencies on nothing installed are left out.
   */
  depends: string[];
  /** The installed packages it Recommends (dpkg only), resolved like `depends`. */
  recommends?: string[];
  /** Paths (no leading "/") the package owns, when the database lists them. */
  files?: string[];
  /** Layer whose package database first lists it as installed. */
  layer: number;
  /** Installed only to satisfy a dependency (apt extended_states / not in apk world), when known. */
  auto?: boolean;
}

export interface PackageDb {
  manager: 'dpkg' | 'apk';
  packages: Map<string, Pkg>;
}

/** One dependency: its alternatives, in order (`a | b` → [a, b]; a plain dependency → [a]). */
export type DepGroup = string[];

export interface Parsed {
  name: string;
  version: string;
  depends: DepGroup[];
  /** dpkg `Recommends:` (apt installs them unless told --no-install-recommends). */
  recommends?: DepGroup[];
  /** Virtual names it provides (dpkg Provides, apk `p:`). */
  provides?: string[];
  files?: string[];
}

function stanzas(text: string): string[][] {
  return text
    .split(/\n\s*\n/)
    .map((s) => s.split('\n'))
    .filter((l) => l.some((x) => x.trim() !== ''));
}

/** A Debian relation's package name: version constraint and arch qualifier (`:amd64`, `:any`) dropped. */
function debName(d: string): string {
  return d.trim().split(/[\s(:[]/)[0];
}

/** Debian `Depends:` → one group of alternatives per comma-separated dependency. */
function debDeps(v: string | undefined): DepGroup[] {
  if (!v) return [];
  return v
    .split(',')
    .map((g) => g.split('|').map(debName).filter(Boolean))
    .filter((g) => g.length > 0);
}

export function parseDpkgStatus(text: string): Parsed[] {
  const out: Parsed[] = [];
  for (const lines of stanzas(text)) {
    const f = new Map<string, string>();
    let key = '';
    for (const line of lines) {
      if (/^\s/.test(line)) continue; // continuation (Description, Conffiles)
      const i = line.indexOf(':');
      if (i < 0) continue;
      key = line.slice(0, i);
      f.set(key, line.slice(i + 1).trim());
    }
    const name = f.get('Package');
    const status = f.get('Status') ?? 'install ok installed'; // status.d stanzas carry no Status
    if (!name || !/\binstalled$/.test(status) || /config-files|not-installed/.test(status)) continue;
    const p: Parsed = { name, version: f.get('Version') ?? '', depends: [...debDeps(f.get('Pre-Depends')), ...debDeps(f.get('Depends'))] };
    const provides = debDeps(f.get('Provides')).flat();
    if (provides.length) p.provides = provides;
    const recommends = debDeps(f.get('Recommends'));
    if (recommends.length) p.recommends = recommends;
    out.push(p);
  }
  return out;
}

export function parseApkInstalled(text: string): Parsed[] {
  const out: Parsed[] = [];
  for (const lines of stanzas(text)) {
    let p: Parsed | undefined;
    let dir = '';
    const files: string[] = [];
    for (const line of lines) {
      const k = line.slice(0, 2);
      const v = line.slice(2);
      if (k === 'P:') p = { name: v, version: '', depends: [] };
      else if (!p) continue;
      else if (k === 'V:') p.version = v;
      else if (k === 'D:') p.depends = apkNames(v).map((d) => [d]);
      else if (k === 'p:') p.provides = apkNames(v);
      else if (k === 'F:') dir = v;
      else if (k === 'R:') files.push(dir ? `${dir}/${v}` : v);
    }
    if (p) out.push({ ...p, files });
  }
  return out;
}

/** apk `D:`/`p:` values → names (`so:libc.musl-x86_64.so.1`, `cmd:sh`; versions and `!conflicts` dropped). */
function apkNames(v: string): string[] {
  return v
    .split(/\s+/)
    .filter((d) => d && !d.startsWith('!'))
    .map((d) => d.split(/[<>=~]/)[0]);
}

/**
 * Each package's dependencies as installed package names: a group is satisfied by its first
 * alternative that is installed, itself or through a package that provides it (a virtual package
 * such as `java-runtime-headless` or apk's `so:libz.so.1`), the way apt marks what it keeps.
 */
export function resolveDeps(parsed: Parsed[], groupsOf: (p: Parsed) => DepGroup[] = (p) => p.depends): Map<string, string[]> {
  const providers = new Map<string, string[]>();
  const add = (virt: string, by: string) => {
    const l = providers.get(virt);
    if (l) l.push(by);
    else providers.set(virt, [by]);
  };
  for (const p of parsed) for (const v of p.provides ?? []) add(v, p.name);
  const installed = new Set(parsed.map((p) => p.name));
  const out = new Map<string, string[]>();
  for (const p of parsed) {
    const deps = new Set<string>();
    for (const group of groupsOf(p)) {
      const hit = group.find((d) => installed.has(d)) ?? group.map((d) => providers.get(d)?.[0]).find((d) => d !== undefined);
      if (hit !== undefined && hit !== p.name) deps.add(hit);
    }
    out.set(p.name, [...deps]);
  }
  return out;
}

/** apt's extended_states: names of packages marked Auto-Installed: 1. */
export function parseAuto(text: string): Set<string> {
  const auto = new Set<string>();
  for (const lines of stanzas(text)) {
    const name = lines.find((l) => l.startsWith('Package:'))?.slice(8).trim();
    if (name && lines.some((l) => /^Auto-Installed:\s*1/.test(l))) auto.add(name);
  }
  return auto;
}

function contentAt(root: TreeNode, path: string): string | undefined {
  const c = resolvePath(root, path)?.node.data?.content;
  return c ? c.toString('utf8') : undefined;
}

/**
 * Reads the final package database from the merged tree and dates each package by the first
 * layer whose copy of the database lists it. Undefined when the image has no readable database.
 */
export function readPackageDb(root: TreeNode, layers: LayerContents[]): PackageDb | undefined {
  const dpkg = contentAt(root, 'var/lib/dpkg/status');
  const apk = dpkg === undefined ? contentAt(root, 'lib/apk/db/installed') : undefined;
  let statusD: Parsed[] = [];
  if (dpkg === undefined && apk === undefined) {
    const dir = resolvePath(root, 'var/lib/dpkg/status.d')?.node;
    for (const child of dir?.children?.values() ?? []) {
      if (child.data?.content) statusD.push(...parseDpkgStatus(child.data.content.toString('utf8')));
    }
    if (statusD.length === 0) return undefined;
  }
  const manager = apk !== undefined ? 'apk' : 'dpkg';
  const parsed = dpkg !== undefined ? parseDpkgStatus(dpkg) : apk !== undefined ? parseApkInstalled(apk) : statusD;
  // First layer listing each package. A layer's copy of the database is the whole state then.
  const firstSeen = new Map<string, number>();
  for (const l of layers) {
    for (const e of l.entries) {
      if (!e.content) continue;
      let names: Parsed[] | undefined;
      if (manager === 'dpkg' && (e.path === 'var/lib/dpkg/status' || e.path.startsWith('var/lib/dpkg/status.d/'))) {
        names = parseDpkgStatus(e.content.toString('utf8'));
      } else if (manager === 'apk' && e.path === 'lib/apk/db/installed') {
        names = parseApkInstalled(e.content.toString('utf8'));
      }
      for (const p of names ?? []) if (!firstSeen.has(p.name)) firstSeen.set(p.name, l.index);
    }
  }
  let auto: Set<string> | undefined;
  if (manager === 'dpkg') {
    const ext = contentAt(root, 'var/lib/apt/extended_states');
    if (ext !== undefined) auto = parseAuto(ext);
  } else {
    const world = contentAt(root, 'etc/apk/world');
    if (world !== undefined) {
      const explicit = new Set(world.split(/\s+/).filter(Boolean).map((w) => w.split(/[<>=~@]/)[0]));
      auto = new Set(parsed.map((p) => p.name).filter((n) => !explicit.has(n)));
    }
  }
  const packages = new Map<string, Pkg>();
  const deps = resolveDeps(parsed);
  const recs = resolveDeps(parsed, (p) => p.recommends ?? []);
  for (const p of parsed) {
    const pkg: Pkg = { name: p.name, version: p.version, depends: deps.get(p.name) ?? [], layer: firstSeen.get(p.name) ?? -1 };
    if (recs.get(p.name)?.length) pkg.recommends = recs.get(p.name);
    if (p.files) pkg.files = p.files;
    if (auto) pkg.auto = auto.has(p.name);
    if (manager === 'dpkg') {
      const list = contentAt(root, `var/lib/dpkg/info/${p.name}.list`) ?? contentAt(root, `var/lib/dpkg/info/${p.name}:amd64.list`) ?? listAnyArch(root, p.name);
      if (list !== undefined) pkg.files = list.split('\n').map((s) => s.replace(/^\/+/, '')).filter((s) => s && s !== '.');
    }
    packages.set(p.name, pkg);
  }
  return { manager, packages };
}

function listAnyArch(root: TreeNode, name: string): string | undefined {
  const info = resolvePath(root, 'var/lib/dpkg/info')?.node;
  if (!info?.children) return undefined;
  for (const [n, child] of info.children) {
    if (n.startsWith(`${name}:`) && n.endsWith('.list') && child.data?.content) return child.data.content.toString('utf8');
  }
  return undefined;
}

/** Package names that are build tools by themselves (compilers, build systems, headers). */
const TOOLCHAIN_PKG =
  /^(?:build-essential|build-base|gcc(?:-\d+)?(?:-[\w-]+-linux-gnu)?|g\+\+(?:-\d+)?|cpp(?:-\d+)?|clang(?:-\d+)?|llvm(?:-\d+)?|lld(?:-\d+)?|gfortran(?:-\d+)?|binutils(?:-[\w-]+)?|libbinutils|libctf0|libctf-nobfd0|libgprofng0|make|cmake(?:-data)?|ninja-build|meson|autoconf|automake|autotools-dev|libtool|m4|bison|flex|pkg-config|pkgconf(?:-bin)?|dpkg-dev|libc-dev-bin|linux-libc-dev|linux-headers(?:-.*)?|musl-dev|fortify-headers|golang(?:-[\d.]+)?(?:-go|-src)?|go|rustc|cargo|rust|openjdk-?\d+(?:-jdk(?:-headless)?)?|default-jdk(?:-headless)?|node-gyp|libcc1-0|maven|maven-debian-helper|maven-repo-helper|ant|ant-optional|gradle|sbt|javahelper|libmaven[\w.-]*-java|libsurefire-java|libplexus-compiler[\w-]*-java|.+-dev|.+-headers)$/;
/** Things named like a JDK package that are runtimes, not toolchains. */
const NOT_TOOLCHAIN = /^openjdk-?\d+-jre|^openjdk\d+-jre/;

export function isToolchainPackage(name: string): boolean {
  if (NOT_TOOLCHAIN.test(name)) return false;
  if (/^openjdk-?\d+$/.test(name)) return true;
  return TOOLCHAIN_PKG.test(name);
}

/** Development packages: headers and link-time files of a library, not a compiler. */
function isDevPackage(name: string): boolean {
  return /-(?:dev|headers)$/.test(name) && !/^(?:linux-libc-dev|libc6?-dev|musl-dev)$/.test(name);
}

/**
 * The toolchain packages and everything that only the compilers need, the way `apt-get autoremove`
 * would see it after removing them. Candidates are the packages installed no earlier than the first
 * toolchain package, as a dependency (when the database says) and outside the runtime set. Every
 * other package is kept, and so is everything it depends on, transitively (a graph walk that does
 * not enter the toolchain), like apt's marking. A candidate nothing installed depends on counts as
 * wanted too. A candidate left unkept joins when a compiler-side package reaches it through other
 * joining packages: reached only through `-dev` packages it stays (libssl3 & co.: a program built
 * from source may well load a `-dev` package's runtime library, and no package database knows it).
 * Dependency cycles (guava ↔ error-prone, Debian's many Depends loops) are walked like any edge.
 * With `nativeRuntime` (the image runs one native program whose every needed library resolved:
 * the runtime set is exactly what it loads), libraries reached only through `-dev` packages join
 * too, as apt's autoremove would have them (libstd-rust-1.63 behind libstd-rust-dev, libtirpc3
 * behind libc6-dev, gcc's libgomp1 behind libgcc-12-dev).
 */
export function toolchainClosure(db: PackageDb, runtime: ReadonlySet<string> = new Set(), nativeRuntime = false): Set<string> {
  const compilers = new Set<string>();
  const dev = new Set<string>();
  for (const p of db.packages.values()) {
    // What the entrypoint needs is never build-only, whatever its name (a JDK that provides `java`).
    if (runtime.has(p.name) || !isToolchainPackage(p.name)) continue;
    (isDevPackage(p.name) ? dev : compilers).add(p.name);
  }
  if (compilers.size + dev.size === 0) return compilers;
  const first = Math.min(...[...compilers, ...dev].map((n) => db.packages.get(n)!.layer).filter((l) => l >= 0));
  const depended = new Set<string>();
  for (const p of db.packages.values()) for (const d of p.depends) if (d !== p.name) depended.add(d);
  const toolchain = (n: string) => compilers.has(n) || dev.has(n);
  const candidate = (p: Pkg) => !toolchain(p.name) && !runtime.has(p.name) && p.auto !== false && p.layer >= first && depended.has(p.name);

  const walk = (from: Iterable<string>, into: (n: string) => boolean): Set<string> => {
    const seen = new Set<string>();
    const stack = [...from];
    while (stack.length) {
      const p = db.packages.get(stack.pop()!);
      for (const d of p?.depends ?? []) {
        if (!seen.has(d) && into(d)) {
          seen.add(d);
          stack.push(d);
        }
      }
    }
    return seen;
  };
  const roots = [...db.packages.values()].filter((p) => !toolchain(p.name) && !candidate(p)).map((p) => p.name);
  const kept = walk(roots, (n) => !toolchain(n));
  for (const r of roots) kept.add(r);
  const joined = walk(nativeRuntime ? [...compilers, ...dev] : compilers, (n) => !kept.has(n) && !toolchain(n) && db.packages.has(n));
  return new Set([...compilers, ...joined, ...dev]);
}
