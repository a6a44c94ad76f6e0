import { posix } from 'node:path';
import prettyBytes from 'pretty-bytes';
import type { DockerfileStage } from '../analysis/attribution/dockerfile.js';
import { DEFAULT_PATH, resolveFinal } from '../analysis/findings/runtime.js';
import { resolvePath } from '../analysis/findings/tree.js';
import { forEachLeaf } from '../analysis/tree-walk.js';
import type { TreeNode } from '../analysis/types.js';
import type { InspectResult } from '../pipeline/types.js';
import { MAX_RUNS, TOP_DIR } from '../walk/path-strings.js';
import { isUnder } from './stage.js';
import { byText } from '../text-order.js';

/**
 * Whether a static program (no ELF interpreter, no library) runs the same FROM scratch as on its
 * build's base. ELF headers show it loads nothing, but not which files it opens: CA certificates,
 * zoneinfo, /etc/passwd, /etc/nsswitch.conf. Its bytes do: the walk reads the whole program and
 * lists the absolute paths they spell out (FileEntry.named). Every such path the FROM image has is
 * copied into the runtime stage (a symlink as the file it points to, a directory when nothing in it
 * points out of it); a path the image lacks is missing FROM scratch too, so the program cannot tell.
 * A path it builds at run time, from config or an argument, is not in its bytes: the user's to
 * judge, as the output says. Pure.
 */

export interface ScratchPlan {
  /** COPY --from sources and destinations (absolute): what the program names that the FROM image has. */
  copies: Array<[string, string]>;
  /** The FROM image's environment that FROM scratch drops, as `KEY=value` (the default PATH left out). */
  env: string[];
  /** Bytes the copies ship. */
  bytes: number;
  /** Why FROM scratch is not shown safe; empty when it is. */
  problems: string[];
  evidence: string[];
}

/** Paths the container runtime provides or mounts over: never the image's to ship. */
const RUNTIME = /^\/(?:proc|sys|dev)(?:\/|$)|^\/etc\/(?:hosts|hostname|resolv\.conf)$/;
/** Source and debugger-script names a compiler records (Go's file table, .debug_gdb_scripts): never opened to run. */
const DEBUG_NAME = /\.(?:go|s|S|c|h|cc|cpp|cxx|hh|hpp|rs|zig|f|f90)$|-gdb\.py$/;
/** A top-level directory a path run holds, at a given index. */
const ROOT_AT = new RegExp(TOP_DIR, 'y');
/** A directory bigger than this is not copied whole into a scratch image. */
const MAX_DIR_BYTES = 64 * 1024 * 1024;

/**
 * The image paths one run names. A run is where a path starts, not where it ends: Go packs string
 * constants end to end, so `/etc/localtime` may run on into the digits of the next constant and
 * `/etc/hosts` into `/etc/mdns.allow`. So the tree is walked down from each top-level directory the
 * run holds, one component at a time, and the path named is where the walk stops: a file or link
 * whose name the text holds (whatever follows it), or a directory when what follows its `/` is no
 * longer a path in it (`/usr/share/zoneinfo/` then a number). Absolute, as named (links not followed
 * at the end); only paths the image has.
 */
export function namedInTree(root: TreeNode, run: string): string[] {
  const out = new Set<string>();
  // A top-level directory alone is where paths start, not one a program opens; /tmp is one it writes to.
  const add = (p: string) => (p.includes('/') || p === 'tmp') && out.add(`/${p}`);
  for (let i = run.indexOf('/'); i >= 0; i = run.indexOf('/', i + 1)) {
    ROOT_AT.lastIndex = i;
    if (!ROOT_AT.test(run)) continue;
    let dir = root;
    let at = '';
    for (let pos = i; pos < run.length && run[pos] === '/'; ) {
      const rest = run.slice(pos + 1);
      const slash = rest.indexOf('/');
      const seg = slash < 0 ? rest : rest.slice(0, slash);
      let name = dir.children?.has(seg) ? seg : undefined;
      // A name the segment only starts with: a packed neighbour follows it (`localtime1907…`).
      for (let k = seg.length - 1; !name && k > 0; k--) if (dir.children?.has(seg.slice(0, k))) name = seg.slice(0, k);
      if (!name) {
        // `dir/` and then text that is no path in it: the directory itself, unless more components follow.
        if (at && slash < 0) add(at);
        break;
      }
      const path = at ? `${at}/${name}` : name;
      const hit = resolvePath(root, path);
      const next = hit && (hit.node.kind === 'symlink' ? resolveFinal(root, hit.path) : hit);
      if (name.length < seg.length || pos + 1 + name.length === run.length || !next?.node.children) {
        add(path);
        break;
      }
      dir = next.node;
      at = path;
      pos += 1 + name.length;
    }
  }
  return [...out];
}

export function scratchPlan(result: InspectResult, program: { path: string; node: TreeNode }, stage: DockerfileStage, baseLayers: number): ScratchPlan {
  const plan: ScratchPlan = { copies: [], env: [], bytes: 0, problems: [], evidence: [] };
  const root = result.analysis.root;
  const named = program.node.data?.named;
  if (!named) {
    plan.problems.push(`the program's bytes were not read for the paths it names`);
    return plan;
  }
  if (named.length >= MAX_RUNS) plan.problems.push(`the program names more than ${MAX_RUNS} paths, more than msb lists`);
  const config = result.image.config.config;
  const candidates = new Set<string>();
  for (const run of named) for (const p of namedInTree(root, run)) candidates.add(p);
  // The FROM image's environment, which FROM scratch drops: repeated, and its paths count as named.
  // (`ENV A=1 B=2`, `ENV A 1`, `ARG A`: every name after the keyword that a `=`, a space or the end follows)
  const ownKeys = new Set(
    stage.steps
      .filter((s) => s.keyword === 'ENV' || s.keyword === 'ARG')
      .flatMap((s) => [...s.text.replace(/^\s*(?:ENV|ARG)\s+/i, '').matchAll(/(?<=^|\s)([A-Za-z_][A-Za-z0-9_]*)(?==|\s|$)/g)].map((m) => m[1])),
  );
  for (const e of config?.Env ?? []) {
    const key = e.slice(0, e.indexOf('='));
    if (!key || ownKeys.has(key) || e === `PATH=${DEFAULT_PATH}`) continue;
    plan.env.push(e);
    // Its paths count as named (SSL_CERT_FILE=…), PATH's excepted: where to look for programs, none of which FROM scratch has.
    if (key !== 'PATH') for (const v of e.slice(key.length + 1).split(':')) if (v.startsWith('/')) candidates.add(v.replace(/\/+$/, ''));
  }
  const present: string[] = [];
  const links: Array<[string, string, string]> = [];
  // One node named twice (`/usr/lib/go-1.19` also reads as `/lib/go-1.19` through Debian's /lib
  // link) is the longer name's: the shorter is a top-level directory met inside the run.
  const byNode = new Map<TreeNode, { p: string; real: { node: TreeNode; path: string } }>();
  for (const p of candidates) {
    if (RUNTIME.test(p) || DEBUG_NAME.test(p)) continue;
    const hit = resolvePath(root, p.slice(1));
    const real = hit && (hit.node.kind === 'symlink' ? resolveFinal(root, hit.path) : hit);
    if (!real) continue; // absent, or a dangling link: the program finds nothing there either way
    const had = byNode.get(real.node);
    if (!had || p.length > had.p.length) byNode.set(real.node, { p, real });
  }
  for (const { p, real } of [...byNode.values()].sort((a, b) => byText(a.p, b.p))) {
    if (real.node.data) {
      // A file the build made is the split's own business (claimed build-only, or it stops the split).
      if (real.node.layer >= baseLayers) continue;
      // A program of the base it may run (/bin/sh): alone FROM scratch it lacks what it loads in turn.
      if (real.node.mode & 0o111) {
        present.push(p);
        plan.problems.push(`it names ${p}, a program of the FROM image it may run, which FROM scratch would not have with what that program needs`);
        continue;
      }
      plan.copies.push([`/${real.path}`, p]);
      plan.bytes += real.node.data.size;
      present.push(p);
    } else if (real.node.kind === 'dir') {
      const d = dirCopy(root, real.path, baseLayers);
      if (d === 'build') continue;
      present.push(p);
      const zip = goRoot(root, real.path);
      if (zip !== undefined) {
        // A Go toolchain's root: the program records it as its GOROOT. Compiled, it reads nothing
        // there but the zoneinfo.zip the time package falls back to when the system has no zone.
        plan.evidence.push(`it names ${p}, the Go toolchain it was built with (its GOROOT): not copied${zip ? ', but for lib/time/zoneinfo.zip, which the time package falls back to' : ' (it has no lib/time/zoneinfo.zip for the time package to fall back to)'}`);
        if (zip) {
          plan.copies.push([`/${zip.path}`, `${p}/lib/time/zoneinfo.zip`]);
          plan.bytes += zip.node.data!.size;
        }
      } else if (p === '/tmp') plan.problems.push('it names /tmp, which FROM scratch does not have (a volume or a directory made for it would)');
      else if (typeof d === 'string') plan.problems.push(`it names ${p}, ${d}`);
      else {
        plan.copies.push([`/${real.path}`, p]);
        plan.bytes += d.bytes;
        links.push(...d.outside.map(([l, t]): [string, string, string] => [p, l, t]));
      }
    }
  }
  // A link out of a copied directory works FROM scratch only where the stage copies its target too
  // (Debian's /usr/share/zoneinfo/localtime → /etc/localtime, which Go's time package also names).
  const copiedTo = (t: string) => plan.copies.some(([, dest]) => isUnder(t, dest));
  const dangling = links.filter(([, , t]) => !copiedTo(t));
  if (dangling.length) plan.problems.push(`it names ${dangling[0][0]}, a directory with links out of it (${dangling.slice(0, 2).map(([, l, t]) => `${l} → ${t}`).join(', ')}${dangling.length > 2 ? ', …' : ''}), which FROM scratch would leave dangling`);
  const user = config?.User ?? '';
  if (user && !/^\d+(?::\d+)?$/.test(user)) plan.problems.push(`it runs as user "${user}" by name, and FROM scratch has no /etc/passwd to look it up in`);
  const shown = present.slice(0, 6).join(', ') + (present.length > 6 ? ', …' : '');
  plan.evidence.push(
    present.length
      ? `the program's bytes (read whole) name ${present.length} path(s) of the FROM image: ${shown}${plan.copies.length ? ` (copied: ${prettyBytes(plan.bytes)})` : ''}; paths it builds at run time are not seen`
      : `the program's bytes (read whole) name no path of the FROM image; paths it builds at run time are not seen`,
  );
  return plan;
}

/**
 * A directory the program names: its bytes and the links in it that point out of it (absolute
 * targets), or 'build' when the build made all of it, or why it cannot be copied.
 */
function dirCopy(root: TreeNode, dir: string, baseLayers: number): { bytes: number; outside: Array<[string, string]> } | 'build' | string {
  const node = resolvePath(root, dir)!.node;
  let bytes = 0;
  let files = 0;
  let own = 0;
  const outside: Array<[string, string]> = [];
  forEachLeaf(node, dir, (path, n) => {
    if (n.kind === 'symlink') {
      const t = n.linkname ?? '';
      const target = normalize(t.startsWith('/') ? t : `${path.slice(0, path.lastIndexOf('/'))}/${t}`);
      if (!isUnder(target, dir)) outside.push([`/${path}`, `/${target}`]);
    } else if (n.data) {
      files++;
      bytes += n.data.size;
      if (n.layer >= baseLayers) own++;
    }
  });
  if (files > 0 && own === files) return 'build';
  if (bytes > MAX_DIR_BYTES) return `a directory of ${prettyBytes(bytes)}, too big to copy into a scratch image unasked`;
  return { bytes, outside };
}

/**
 * A Go toolchain's root (bin/go, src/runtime): its lib/time/zoneinfo.zip when it has one, else
 * null; undefined for any other directory.
 */
function goRoot(root: TreeNode, dir: string): { node: TreeNode; path: string } | null | undefined {
  const go = resolveFinal(root, `${dir}/bin/go`);
  const rt = resolveFinal(root, `${dir}/src/runtime`);
  if (!go?.node.data || !rt?.node.children) return undefined;
  const zip = resolveFinal(root, `${dir}/lib/time/zoneinfo.zip`);
  return zip?.node.data ? zip : null;
}

/** `p` resolved against the root (`..` stops there), without the leading "/". */
function normalize(p: string): string {
  return posix.normalize(`/${p}`).slice(1).replace(/\/$/, '');
}
