import type { ImageConfig } from '../../source/types.js';
import type { TreeNode } from '../types.js';
import { readElf, type ElfInfo } from './elf.js';
import type { PackageDb } from './packages.js';
import { resolvePath } from './tree.js';

/**
 * What the image runs and everything that needs: the runtime set. It starts from the config's
 * entrypoint and cmd (resolved through PATH and WorkingDir), follows a script's `#!` interpreter,
 * the files an interpreter is given (`java -jar app.jar`, `python app.py`, `node server.js`), the
 * libraries its ELF binaries need (DT_NEEDED, searched along RUNPATH and the loader's default
 * dirs), the packages that own those files and the packages they depend on. Nothing in it is
 * ever called removable: a JDK package that provides the `java` the entrypoint runs is runtime.
 */

export interface RuntimeSet {
  /** true when the entrypoint's program was found in the image. */
  resolved: boolean;
  /** The command the image runs (entrypoint + cmd), as the config says. */
  command: string[];
  /** Files (real paths, no leading "/") the entrypoint needs. */
  files: string[];
  /** Packages that own those files, and their dependency closure. */
  packages: string[];
  /** How each part was found, one line each ("/usr/bin/java → usr/lib/jvm/…/bin/java (openjdk-17-jre-headless)"). */
  evidence: string[];
  /**
   * true when the image runs one native program (an ELF that is no shell, interpreter or launcher,
   * given no file of the image to run) whose needed libraries all resolved to files: then what it
   * loads is known exactly (`files`), and a library that only build packages depend on is not loaded.
   */
  native: boolean;
  /** Why the set is incomplete, when it is. */
  note?: string;
  /**
   * The runtime set's packages that the build's own layers installed (not the FROM image), the bytes
   * of their visible files, and the package of the program the entrypoint runs (the interpreter of
   * `java -jar app.jar`): what a runtime stage would install again. Absent when there are none.
   */
  build?: { packages: string[]; bytes: number; program?: string };
}

export interface Runtime extends RuntimeSet {
  nodes: Set<TreeNode>;
  pkgSet: Set<string>;
  /** The package that owns the entrypoint's program, when one does. */
  programPackage?: string;
  /** Which package owns a file (built once, on first use): for the findings that resolve more files. */
  owners: (hit: { node: TreeNode; path: string }, root: TreeNode) => string | undefined;
}

const SHELLS = /^(?:sh|bash|ash|dash|zsh|busybox)$/;
/** The PATH a container runs with when its image sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The loader's default search dirs (and /usr/local/lib, which Debian's ld.so.conf adds). */
const LIB_DIRS = [
  'lib/x86_64-linux-gnu',
  'usr/lib/x86_64-linux-gnu',
  'lib/aarch64-linux-gnu',
  'usr/lib/aarch64-linux-gnu',
  'lib64',
  'usr/lib64',
  'lib',
  'usr/lib',
  'usr/local/lib',
];
/** Interpreters whose first non-option argument is the program file. */
const SCRIPT_RUNNER = /^(?:python[\d.]*|node(?:js)?|ruby[\d.]*|perl[\d.]*|php[\d.]*|bun|deno|Rscript|lua[\d.]*)$/;
/** Programs that run other code than their own libraries: a native program's loaded set is not theirs. */
const NOT_NATIVE = /^(?:java|env|tini|dumb-init|catatonit|gosu|su-exec|chroot|setpriv|nohup|timeout|xargs)$/;

/** Basenames of the programs and files the config's command names: the walk keeps their first bytes. */
export function entryHints(config: ImageConfig | undefined): { names: string[] } {
  const names = new Set<string>();
  for (const cmd of commands(commandOf(config))) {
    for (const w of cmd) {
      if (w.startsWith('-') || w.includes('=') || /\s/.test(w)) continue;
      const b = w.slice(w.lastIndexOf('/') + 1);
      if (b && b.length <= 128) names.add(b);
    }
  }
  return { names: [...names].slice(0, 32) };
}

function commandOf(config: ImageConfig | undefined): string[] {
  const c = config?.config;
  const ep = Array.isArray(c?.Entrypoint) ? c!.Entrypoint : [];
  const cmd = Array.isArray(c?.Cmd) ? c!.Cmd : [];
  return [...ep, ...cmd].filter((x): x is string => typeof x === 'string');
}

/** The simple commands a command line runs: `sh -c "a && exec b"` → [sh, -c, …], [a], [b]. */
function commands(argv: string[]): string[][] {
  if (argv.length === 0) return [];
  const out: string[][] = [argv];
  const b0 = base(argv[0]);
  if (SHELLS.test(b0) && argv[1] === '-c' && argv[2]) {
    for (const seg of argv[2].split(/&&|\|\||[;|\n]/)) {
      const words = seg.trim().split(/\s+/).map((w) => w.replace(/^['"]|['"]$/g, '')).filter(Boolean);
      while (words.length && (words[0] === 'exec' || /^\w+=/.test(words[0]))) words.shift();
      if (words.length) out.push(words);
    }
  }
  return out;
}

function base(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}
function join(dir: string, p: string): string {
  return p.startsWith('/') ? p.slice(1) : dir ? `${dir}/${p}` : p;
}

/** Where the loader looks for an ELF's libraries: its RUNPATH/RPATH (`$ORIGIN` = `origin`, the ELF's dir), then the default dirs. */
export function loaderDirs(elf: ElfInfo, origin: string): string[] {
  return [...elf.runpath.map((r) => r.replace(/\$(?:ORIGIN|\{ORIGIN\})/g, `/${origin}`).replace(/^\/+/, '')), ...LIB_DIRS];
}

/** The first of `dirs` holding `lib` as a file (links followed); else the last lookup (a dangling link, or undefined). */
export function findLibrary(root: TreeNode, dirs: string[], lib: string): { node: TreeNode; path: string } | undefined {
  let found: { node: TreeNode; path: string } | undefined;
  for (const d of dirs) if ((found = resolveFinal(root, `${d}/${lib}`))?.node.data) break;
  return found;
}

/** Follows every symlink, the last one too. */
export function resolveFinal(root: TreeNode, path: string): { node: TreeNode; path: string } | undefined {
  let p = path;
  for (let hops = 0; hops < 40; hops++) {
    const hit = resolvePath(root, p);
    if (!hit) return undefined;
    if (hit.node.kind !== 'symlink') return hit;
    const t = hit.node.linkname ?? '';
    p = t.startsWith('/') ? t.slice(1) : join(dirname(hit.path), t);
  }
  return undefined;
}

export function resolveRuntime(config: ImageConfig | undefined, root: TreeNode, db: PackageDb | undefined): Runtime {
  const command = commandOf(config);
  const owners = ownerIndex(db);
  const rt: Runtime = { resolved: false, command, files: [], packages: [], evidence: [], nodes: new Set(), pkgSet: new Set(), native: false, owners };
  if (command.length === 0) {
    rt.note = 'the image config names no entrypoint or cmd: the runtime set is unknown';
    return rt;
  }
  const env = new Map<string, string>();
  for (const e of config?.config?.Env ?? []) {
    const i = e.indexOf('=');
    if (i > 0) env.set(e.slice(0, i), e.slice(i + 1));
  }
  const pathDirs = (env.get('PATH') ?? DEFAULT_PATH).split(':').filter(Boolean).map((d) => d.replace(/^\/+/, ''));
  const workdir = (config?.config?.WorkingDir ?? '').replace(/^\/+|\/+$/g, '');
  const unresolved: string[] = [];
  let allLibsFound = true;

  const findProgram = (name: string): { node: TreeNode; path: string } | undefined => {
    if (name.includes('/')) return resolveFinal(root, join(workdir, name));
    for (const d of pathDirs) {
      const hit = resolveFinal(root, `${d}/${name}`);
      if (hit?.node.data) return hit;
    }
    return undefined;
  };

  const addFile = (hit: { node: TreeNode; path: string }, why: string): boolean => {
    if (rt.nodes.has(hit.node)) return false;
    rt.nodes.add(hit.node);
    rt.files.push(hit.path);
    const pkg = owners(hit, root);
    if (pkg) rt.pkgSet.add(pkg);
    if (rt.evidence.length < 40) rt.evidence.push(`${why}: /${hit.path}${pkg ? ` (${pkg})` : ''}`);
    return true;
  };

  const addElf = (hit: { node: TreeNode; path: string }, depth: number) => {
    const c = hit.node.data?.content;
    const elf = c ? readElf(c) : undefined;
    if (!elf || depth > 8) return;
    const origin = dirname(hit.path);
    if (elf.interp) {
      const ld = resolveFinal(root, elf.interp.replace(/^\/+/, ''));
      if (ld) addFile(ld, `loader of /${hit.path}`);
    }
    const dirs = loaderDirs(elf, origin);
    for (const lib of elf.needed) {
      const found = findLibrary(root, dirs, lib);
      if (found?.node.data) {
        if (addFile(found, `needed by /${hit.path}`)) addElf(found, depth + 1);
      } else {
        allLibsFound = false;
        if (!found && elf.exact && unresolved.length < 8) unresolved.push(`${lib} (needed by /${hit.path})`);
      }
    }
  };

  /** A program and the files it is given; returns false when the program is not in the image. */
  const run = (argv: string[], depth: number): boolean => {
    if (depth > 4 || argv.length === 0) return true;
    const hit = findProgram(argv[0]);
    if (!hit) return false;
    addFile(hit, depth === 0 ? `entrypoint ${argv[0]}` : `runs ${argv[0]}`);
    if (depth === 0) rt.programPackage = owners(hit, root);
    const c = hit.node.data?.content;
    if (c && c[0] === 0x23 && c[1] === 0x21) {
      // `#!/usr/bin/env python3 -u` → python3 -u <script> args
      const line = c.toString('latin1', 2, Math.min(c.length, 256)).split('\n')[0].trim().split(/\s+/);
      const interp = base(line[0]) === 'env' ? line.slice(1).filter((w) => !w.startsWith('-')) : line;
      if (interp.length) run([...interp, hit.path.startsWith('/') ? hit.path : `/${hit.path}`, ...argv.slice(1)], depth + 1);
      return true;
    }
    addElf(hit, 0);
    const prog = base(hit.path);
    const args = argv.slice(1);
    if (/^java$/.test(base(argv[0])) || prog === 'java') {
      for (let i = 0; i < args.length - 1; i++) {
        if (args[i] === '-jar' || args[i] === '-cp' || args[i] === '-classpath' || args[i] === '--class-path') {
          for (const p of args[i + 1].split(':')) {
            const f = resolveFinal(root, join(workdir, p));
            if (f?.node.data) addFile(f, `given to ${base(argv[0])}`);
          }
        }
      }
    } else if (SCRIPT_RUNNER.test(prog) || SCRIPT_RUNNER.test(base(argv[0]))) {
      const script = args.find((a) => !a.startsWith('-'));
      if (script) {
        const f = resolveFinal(root, join(workdir, script));
        if (f?.node.data) addFile(f, `run by ${base(argv[0])}`);
      }
    }
    return true;
  };

  const cmds = commands(command);
  rt.resolved = run(cmds[0], 0);
  rt.native = rt.resolved && cmds.length === 1 && allLibsFound && isNativeProgram(cmds[0], findProgram, (p) => resolveFinal(root, join(workdir, p)));
  for (const c of cmds.slice(1)) run(c, 1);
  if (!rt.resolved) rt.note = `the entrypoint's program (${command[0]}) is not in the image: the runtime set is unknown`;
  else if (unresolved.length) rt.note = `libraries not found in the image: ${unresolved.join(', ')}`;

  // The packages behind those files and everything they depend on.
  if (db) {
    const stack = [...rt.pkgSet];
    while (stack.length) {
      const p = db.packages.get(stack.pop()!);
      for (const d of p?.depends ?? []) {
        if (!rt.pkgSet.has(d) && db.packages.has(d)) {
          rt.pkgSet.add(d);
          stack.push(d);
        }
      }
    }
  }
  rt.packages = [...rt.pkgSet].sort();
  return rt;
}

/**
 * A native program, run by itself: an ELF (its prefix kept) that is no shell, script interpreter
 * or launcher, and none of whose arguments is a file of the image (`tini -- /app`, `qemu x.img`).
 */
function isNativeProgram(
  argv: string[],
  findProgram: (name: string) => { node: TreeNode; path: string } | undefined,
  findFile: (path: string) => { node: TreeNode; path: string } | undefined,
): boolean {
  const hit = findProgram(argv[0]);
  const c = hit?.node.data?.content;
  if (!hit || !c || !readElf(c)) return false;
  for (const name of [base(argv[0]), base(hit.path)]) {
    if (SHELLS.test(name) || SCRIPT_RUNNER.test(name) || NOT_NATIVE.test(name)) return false;
  }
  return argv.slice(1).every((a) => a.startsWith('-') || !findFile(a)?.node.data);
}

/** Which package owns a file: candidates by basename, confirmed by resolving to the same node. */
function ownerIndex(db: PackageDb | undefined): (hit: { node: TreeNode; path: string }, root: TreeNode) => string | undefined {
  if (!db) return () => undefined;
  let byBase: Map<string, Array<[string, string]>> | undefined;
  return (hit, root) => {
    if (!byBase) {
      byBase = new Map();
      for (const p of db.packages.values()) {
        for (const f of p.files ?? []) {
          const b = base(f);
          const l = byBase.get(b);
          if (l) l.push([p.name, f]);
          else byBase.set(b, [[p.name, f]]);
        }
      }
    }
    for (const [name, f] of byBase.get(base(hit.path)) ?? []) {
      if (resolvePath(root, f)?.node === hit.node) return name;
    }
    return undefined;
  };
}
