import type { TreeNode } from '../types.js';

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
}

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

  /** `firstOwn`: the first layer the build made (the FROM image's layers are below it). */
  constructor(private readonly firstOwn: number) {}

  /** A visible file no rule claimed and the runtime set does not load. */
  add(path: string, node: TreeNode, size: number): void {
    if (node.layer < this.firstOwn || BOOKKEEPING.test(path)) return;
    this.files++;
    this.bytes += size;
    this.top.push([path, size]);
    if (this.top.length > 4 * MAX_PATHS) this.trim();
  }

  result(): Unclaimed {
    this.trim();
    return { files: this.files, bytes: this.bytes, paths: this.top.map(([p]) => `/${p}`) };
  }

  private trim(): void {
    this.top.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    this.top.length = Math.min(this.top.length, MAX_PATHS);
  }
}
