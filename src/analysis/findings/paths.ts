import type { FindingPath } from './types.js';
import { byText } from '../../text-order.js';

/**
 * Collects the files one finding matched and reports them as a few directories with byte and file
 * counts: "/var/lib/apt/lists (12 files)" rather than 12 lines. Memory stays bounded: file names
 * are kept only for small groups, otherwise per-directory totals.
 */

const KEEP_FILES = 64;

interface DirNode {
  name: string;
  bytes: number;
  count: number;
  ownBytes: number;
  ownCount: number;
  children: Map<string, DirNode>;
}

export class PathGroup {
  bytes = 0;
  count = 0;
  private files: Array<[string, number]> = [];
  private dirs = new Map<string, [number, number]>();

  add(path: string, bytes: number): void {
    this.bytes += bytes;
    this.count++;
    if (this.files.length <= KEEP_FILES) this.files.push([path, bytes]);
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    const d = this.dirs.get(dir) ?? [0, 0];
    d[0] += bytes;
    d[1]++;
    this.dirs.set(dir, d);
  }

  /** true when every file added satisfies `re` (checked on the kept names, or the directories). */
  every(re: RegExp): boolean {
    if (this.files.length === this.count) return this.files.every(([p]) => re.test(p));
    return [...this.dirs.keys()].every((d) => re.test(`${d}/`));
  }

  /** At most `max` entries, biggest first, each a file or a directory with its matched totals. */
  summarize(max = 8): FindingPath[] {
    const abs = (p: string) => `/${p}`;
    if (this.count <= max && this.files.length === this.count) {
      return this.files.map(([p, b]) => ({ path: abs(p), bytes: b, count: 1 })).sort(order);
    }
    const root: DirNode = node('');
    for (const [dir, [bytes, count]] of this.dirs) {
      let n = root;
      n.bytes += bytes;
      n.count += count;
      for (const part of dir ? dir.split('/') : []) {
        let c = n.children.get(part);
        if (!c) n.children.set(part, (c = node(part)));
        c.bytes += bytes;
        c.count += count;
        n = c;
      }
      n.ownBytes += bytes;
      n.ownCount += count;
    }
    // Start at the deepest directory that holds everything, then open the biggest entries.
    let start = root;
    let at = '';
    while (start.ownCount === 0 && start.children.size === 1) {
      const [name, c] = [...start.children][0];
      at = at ? `${at}/${name}` : name;
      start = c;
    }
    type Item = { path: string; n: DirNode; own: boolean };
    let frontier: Item[] = [{ path: at, n: start, own: false }];
    for (;;) {
      const open = frontier.filter((i) => !i.own && i.n.children.size > 0).sort((a, b) => b.n.bytes - a.n.bytes)[0];
      if (!open) break;
      const next: Item[] = [...open.n.children].map(([name, c]) => ({ path: open.path ? `${open.path}/${name}` : name, n: c, own: false }));
      if (open.n.ownCount > 0) next.push({ path: open.path, n: open.n, own: true });
      if (frontier.length - 1 + next.length > max) break;
      frontier = frontier.filter((i) => i !== open).concat(next);
    }
    return frontier
      .map((i) => ({ path: abs(i.path), bytes: i.own ? i.n.ownBytes : i.n.bytes, count: i.own ? i.n.ownCount : i.n.count }))
      .sort(order);
  }
}

function node(name: string): DirNode {
  return { name, bytes: 0, count: 0, ownBytes: 0, ownCount: 0, children: new Map() };
}

function order(a: FindingPath, b: FindingPath): number {
  return b.bytes - a.bytes || byText(a.path, b.path);
}
