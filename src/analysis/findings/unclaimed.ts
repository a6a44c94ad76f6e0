import type { TreeNode } from '../types.js';
import type { PackageDb } from './packages.js';
import { parseCreatedBy } from '../instruction.js';
import { resolvePath } from './tree.js';
import { byText } from '../../text-order.js';

/**
 * The files the build's own layers (above the FROM image) leave visible that nothing accounts for:
 * no rule calls them build-only, the entrypoint does not load them, and they are not a package
 * manager's bookkeeping. A split into a build stage and a runtime stage drops every file of the
 * build's layers it does not copy, so these are the files it would drop with no evidence that the
 * program can do without them (a config file, static assets, a CA bundle the build installed, a user
 * added to /etc/passwd). Pure.
 */
export interface Unclaimed {
  files: number;
  bytes: number;
  /** The biggest few, absolute. */
  paths: string[];
  /**
   * Of those, what a runtime stage that installs the runtime set's packages again (an interpreted
   * split: `apt-get install openjdk-17-jre-headless`) would not bring back. Not in it: files those
   * packages own, unchanged since their install; and files no package owns that a RUN running only
   * apt-get/dpkg made (maintainer scripts' output: /etc/ssl/certs/java/cacerts, ld.so's and the
   * alternatives' state), which the same packages' scripts make again or which belong to packages
   * the runtime stage drops. `packages`: installed by the build, neither build-only nor in the
   * runtime set: files of theirs the app may read that no evidence shows.
   */
  beyondReinstall: { files: number; bytes: number; paths: string[]; packages: string[] };
}

/** How a file the split would not copy is accounted for by reinstalling the runtime set's packages. */
export type ReinstallKind = 'reinstalled' | 'script' | 'other';

/**
 * What apt, dpkg, apk and ldconfig write as they install: state about packages, not data a program
 * reads. Dropping it with the packages it describes is what a runtime stage does. And what the
 * container runtime mounts over at run time (/etc/hosts, /etc/hostname, /etc/resolv.conf: builders
 * leave their RUN mounts' empty files in the layer), which no program ever reads from the image.
 */
const BOOKKEEPING = /^(?:etc\/(?:hosts|hostname|resolv\.conf)$|\.dockerenv$|run\/\.containerenv$|var\/lib\/(?:dpkg|apt)\/|var\/cache\/(?:apt|debconf|ldconfig|apk)\/|var\/log\/|lib\/apk\/db\/|etc\/ld\.so\.cache$|etc\/apk\/world$|usr\/lib\/sysimage\/rpm\/|var\/lib\/rpm\/)/;
const MAX_PATHS = 8;

export class UnclaimedFiles {
  private files = 0;
  private bytes = 0;
  private top: Array<[string, number]> = [];
  private beyond = { files: 0, bytes: 0, top: [] as Array<[string, number]>, packages: new Set<string>() };

  /** `firstOwn`: the first layer the build made (the FROM image's layers are below it). */
  constructor(private readonly firstOwn: number) {}

  /** A visible file no rule claimed and the runtime set does not load. */
  add(path: string, node: TreeNode, size: number, kind: ReinstallKind = 'other', pkg?: string): void {
    if (node.layer < this.firstOwn || BOOKKEEPING.test(path)) return;
    this.files++;
    this.bytes += size;
    this.top.push([path, size]);
    if (this.top.length > 4 * MAX_PATHS) trim(this.top);
    if (kind !== 'other') return;
    const b = this.beyond;
    b.files++;
    b.bytes += size;
    b.top.push([path, size]);
    if (b.top.length > 4 * MAX_PATHS) trim(b.top);
    if (pkg && b.packages.size < MAX_PATHS) b.packages.add(pkg);
  }

  result(): Unclaimed {
    const b = this.beyond;
    const abs = (top: Array<[string, number]>) => trim(top).map(([p]) => `/${p}`);
    return {
      files: this.files,
      bytes: this.bytes,
      paths: abs(this.top),
      beyondReinstall: { files: b.files, bytes: b.bytes, paths: abs(b.top), packages: [...b.packages].sort() },
    };
  }
}

function trim(top: Array<[string, number]>): Array<[string, number]> {
  top.sort((a, b) => b[1] - a[1] || byText(a[0], b[0]));
  top.length = Math.min(top.length, MAX_PATHS);
  return top;
}

/**
 * A RUN that only installs or removes packages (apt-get, apt, dpkg, apt-mark) and deletes files: no
 * redirection, no other program, so every file it made that no package owns came from a package's
 * maintainer scripts. `instruction` as attribution gives it (`RUN …`, or a history's `/bin/sh -c …`).
 */
export function packageOnlyRun(instruction: string): boolean {
  // Any builder's dialect (`RUN …`, `/bin/sh -c …`, BuildKit's `RUN |1 A=1 /bin/sh -c … # buildkit`)
  const p = parseCreatedBy(instruction);
  if (p?.keyword !== 'RUN') return false;
  const body = p.rest.replace(/\\\n/g, ' ');
  // Redirections write files; a here-doc, substitutions and sub-shells run what is not read here.
  if (/[<>`$(){}]/.test(body)) return false;
  return body.split(/&&|\|\|?|;|\n/).every((cmd) => {
    const words = cmd.trim().split(/\s+/).filter(Boolean);
    while (words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) words.shift();
    return words.length === 0 || /^(?:apt-get|apt|dpkg|apt-mark|rm|true|:)$/.test(words[0]);
  });
}

/**
 * How reinstalling the runtime set's packages accounts for each file of the build's layers: a file a
 * runtime package owns, unchanged since the layer that installed it, comes back; one another package
 * the build installed owns does not (named); one no package owns comes back (or is dropped with its
 * package) when a package-only RUN made it, and is 'other' otherwise.
 */
export function reinstallIndex(
  root: TreeNode,
  db: PackageDb | undefined,
  runtimePackages: Set<string>,
  firstOwn: number,
  instructions: string[],
): (node: TreeNode) => { kind: ReinstallKind; pkg?: string } {
  // Built when the first unclaimed file is met, and only of files the build's layers hold. A file of
  // a FROM image's package that the build changed (an upgrade) is 'other': FROM base does not have it.
  let owned: Map<TreeNode, { kind: ReinstallKind; pkg?: string }> | undefined;
  const index = () => {
    owned = new Map();
    for (const p of db?.packages.values() ?? []) {
      const runtime = p.layer >= firstOwn && runtimePackages.has(p.name);
      for (const f of p.files ?? []) {
        const node = resolvePath(root, f)?.node;
        if (!node?.data || node.layer < firstOwn || owned.has(node)) continue;
        owned.set(node, runtime && node.layer === p.layer ? { kind: 'reinstalled' } : { kind: 'other', pkg: p.name });
      }
    }
    return owned;
  };
  const scripted = new Map<number, boolean>();
  return (node) => {
    const o = (owned ?? index()).get(node);
    if (o) return o;
    let s = scripted.get(node.layer);
    if (s === undefined) scripted.set(node.layer, (s = packageOnlyRun(instructions[node.layer] ?? '')));
    return { kind: s ? 'script' : 'other' };
  };
}
