import type { ImageConfig } from '../../source/types.js';
import type { LayerOrigin } from '../origin.js';
import type { TreeNode } from '../types.js';
import { findingBase } from './finding.js';
import { where } from './fix.js';
import { PathGroup } from './paths.js';
import { resolveFinal, type Runtime } from './runtime.js';
import type { Finding, Severity } from './types.js';

/**
 * Hardening: how the final image runs, not what it weighs. Never adds to the savings (bytes 0):
 * running as root, a shell or package manager the entrypoint does not need, setuid/setgid files,
 * world-writable files outside /tmp.
 */

const SHELLS = ['bin/sh', 'bin/bash', 'bin/dash', 'bin/ash', 'usr/bin/sh', 'usr/bin/bash', 'usr/bin/dash'];
const PACKAGE_MANAGERS = ['usr/bin/apt-get', 'usr/bin/apt', 'usr/bin/dpkg', 'sbin/apk', 'usr/bin/yum', 'usr/bin/dnf', 'usr/bin/microdnf', 'usr/bin/rpm', 'usr/bin/pip', 'usr/bin/pip3', 'usr/local/bin/pip', 'usr/local/bin/pip3', 'usr/bin/npm', 'usr/local/bin/npm'];
const TMP = /^(?:tmp|var\/tmp|dev|proc|sys|run\/lock)(?:\/|$)/;

export function hardeningFindings(config: ImageConfig | undefined, root: TreeNode, rt: Runtime, layers: number, originOf: (i: number) => LayerOrigin): Finding[] {
  const out: Finding[] = [];
  const last = Math.max(0, layers - 1);
  const push = (id: string, severity: Severity, why: string, layer: number, paths: Array<{ path: string; bytes: number; count: number }>, fix: string, facts: string[]) =>
    out.push({ ...findingBase({ id, category: 'hardening', severity, why }, layer, originOf(layer)), bytes: 0, paths, fix, evidence: { basis: 'config', confidence: 'high', facts } });

  const user = (config?.config?.User ?? '').trim();
  if (user === '' || /^(?:root|0)(?::.*)?$/.test(user)) {
    push('hardening-root', 'medium', 'a process that breaks out of the program runs as root in the container', last, [{ path: 'config User', bytes: 0, count: 1 }],
      `${where(originOf(last), last)}add \`USER <non-root uid>\` to the final stage (create the user in a RUN before it)`,
      [user ? `config User is ${user}` : 'config User is empty: the container runs as root']);
  }

  // Only when the entrypoint was resolved can msb say it does not need these.
  if (rt.resolved) {
    const unneeded = (paths: string[]) => {
      const found = new Map<TreeNode, string>();
      for (const p of paths) {
        // /bin/sh → busybox: the file behind the name is the shell
        const hit = resolveFinal(root, p);
        if (hit?.node.data && !rt.nodes.has(hit.node) && !found.has(hit.node)) found.set(hit.node, `/${p}`);
      }
      return [...found.entries()];
    };
    const shells = unneeded(SHELLS);
    if (shells.length) {
      const l = Math.max(...shells.map(([n]) => n.layer));
      push('hardening-shell', 'low', 'a shell the program does not use helps anyone who gets code execution', l, shells.map(([n, p]) => ({ path: p, bytes: n.data!.size, count: 1 })),
        `${where(originOf(l), l)}the entrypoint does not run a shell: a distroless or scratch runtime base leaves it out`,
        [`not in the runtime set of \`${rt.command.join(' ').slice(0, 80)}\``]);
    }
    // a multi-call binary (busybox) behind the shell names is reported once, as the shell
    const pms = unneeded(PACKAGE_MANAGERS).filter(([n]) => !shells.some(([s]) => s === n));
    if (pms.length) {
      const l = Math.max(...pms.map(([n]) => n.layer));
      push('hardening-package-manager', 'low', 'a package manager in the final image lets an intruder install tools', l, pms.map(([n, p]) => ({ path: p, bytes: n.data!.size, count: 1 })),
        `${where(originOf(l), l)}the entrypoint does not use a package manager: copy the program onto a runtime base without one`,
        [`not in the runtime set of \`${rt.command.join(' ').slice(0, 80)}\``]);
    }
  }

  // setuid/setgid and world-writable entries, by the layer that last wrote them.
  const suid = new Map<number, PathGroup>();
  const ww = new Map<number, PathGroup>();
  const stack: Array<[TreeNode, string]> = [[root, '']];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    for (const [name, child] of node.children ?? []) {
      if (child.kind === 'file' || child.kind === 'hardlink') {
        // The path is built only for the few files reported (one string per file adds up).
        if (!(child.mode & 0o6002)) continue;
        const p = path ? `${path}/${name}` : name;
        const layer = Math.max(0, child.layer);
        if (child.mode & 0o6000) add(suid, layer, p, child.data?.size ?? 0);
        if (child.mode & 0o002 && !TMP.test(p)) add(ww, layer, p, child.data?.size ?? 0);
      } else if (child.kind === 'dir') {
        const p = path ? `${path}/${name}` : name;
        // a world-writable directory without the sticky bit lets anyone replace what is in it
        if (child.mode & 0o002 && !(child.mode & 0o1000) && !TMP.test(p)) add(ww, Math.max(0, child.layer), p, 0);
        stack.push([child, p]);
      }
    }
  }
  for (const [l, g] of suid) {
    push('hardening-setuid', 'low', 'setuid/setgid programs are the usual way from a foothold to root', l, g.summarize(),
      `${where(originOf(l), l)}drop the bits the program does not need: \`RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +\``,
      ['mode has the setuid or setgid bit']);
  }
  for (const [l, g] of ww) {
    push('hardening-world-writable', 'low', 'anyone in the container can change these files', l, g.summarize(),
      `${where(originOf(l), l)}remove write permission for others (\`chmod o-w\`), or use \`COPY --chmod\``,
      ['mode is writable by others (outside /tmp, /var/tmp)']);
  }
  return out;
}

function add(m: Map<number, PathGroup>, layer: number, path: string, bytes: number): void {
  let g = m.get(layer);
  if (!g) m.set(layer, (g = new PathGroup()));
  g.add(path, bytes);
}
