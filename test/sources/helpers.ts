import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Real components for the source tests: images built with buildah, a Debian docker-registry on a
 * free loopback port, a private dockerd, and the CLI run as a child process. Everything lives under
 * a temp dir and is stopped by PID.
 */

export const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `msb-${prefix}-`));
}

/** Builds test/fixtures/sources images into `out` (see build.sh for what is there). */
export async function buildImages(out: string): Promise<void> {
  await run('bash', [path.join(repoRoot, 'test/fixtures/sources/build.sh'), out], { maxBuffer: 16 << 20 });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitFor(what: string, ok: () => Promise<boolean>, timeoutMs: number, proc?: ChildProcess, log?: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc && proc.exitCode !== null) throw new Error(`${what} exited early (code ${proc.exitCode}): ${log?.() ?? ''}`);
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000}s: ${log?.() ?? ''}`);
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || !proc.pid) return;
  const exited = new Promise((r) => proc.once('exit', r));
  process.kill(proc.pid, 'SIGTERM');
  const t = setTimeout(() => proc.pid && proc.exitCode === null && process.kill(proc.pid, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

export interface Registry {
  host: string;
  dir: string;
  stop(): Promise<void>;
}

/** Starts docker-registry on a free 127.0.0.1 port; `auth` is the YAML of its `auth:` section, if any. */
export async function startRegistry(dir: string, storage: string, auth?: string): Promise<Registry> {
  const port = await freePort();
  const cfg = path.join(dir, `registry-${port}.yml`);
  await writeFile(
    cfg,
    ['version: 0.1', `storage: { filesystem: { rootdirectory: ${storage} }, delete: { enabled: true } }`, `http: { addr: 127.0.0.1:${port} }`, 'log: { level: error }', auth ? `auth: ${auth}` : ''].join('\n'),
  );
  let log = '';
  const proc = spawn('docker-registry', ['serve', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (c) => (log += c));
  proc.stderr!.on('data', (c) => (log += c));
  const host = `127.0.0.1:${port}`;
  try {
    await waitFor('docker-registry', async () => (await fetch(`http://${host}/v2/`)).status < 500, 15_000, proc, () => log.slice(-500));
  } catch (e) {
    await stop(proc);
    throw e;
  }
  return { host, dir, stop: () => stop(proc) };
}

export async function skopeoCopy(src: string, dest: string, extra: string[] = []): Promise<void> {
  await run('skopeo', ['copy', '-q', '--dest-tls-verify=false', ...extra, src, dest], { maxBuffer: 16 << 20 });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `msb` as a child process, as a user would. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: string; asNobody?: boolean } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const argv = [process.execPath, '--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args];
    // asNobody: run as an unprivileged user, to meet permission errors the way users do.
    const [cmd, ...rest] = opts.asNobody ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...argv] : argv;
    const child = spawn(cmd, rest, {
      cwd: repoRoot,
      env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent/msb-test.sock', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

/** The parts of a JSON report that must not depend on where the image was read from. */
export function comparable(report: { summary: Record<string, unknown>; layers: Array<Record<string, unknown>>; waste: unknown[]; findings?: unknown[] }) {
  return {
    summary: report.summary,
    layers: report.layers.map(({ digest: _d, compression: _c, ...rest }) => rest),
    waste: report.waste,
    findings: report.findings,
  };
}

export interface Dockerd {
  socket: string;
  host: string;
  stop(): Promise<void>;
}

/** A private dockerd (vfs, no networking) under `dir`; ready when its socket answers /_ping. */
export async function startDockerd(dir: string): Promise<Dockerd> {
  const socket = path.join(dir, 'docker.sock');
  let log = '';
  const proc = spawn(
    'dockerd',
    [
      '--storage-driver=vfs', '--iptables=false', '--ip6tables=false', '--bridge=none',
      '--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'),
      '-H', `unix://${socket}`, '--pidfile', path.join(dir, 'dockerd.pid'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  proc.stdout!.on('data', (c) => (log += c));
  proc.stderr!.on('data', (c) => (log = (log + c).slice(-4000)));
  const stopAll = async () => {
    await stop(proc);
    const netns = path.join(dir, 'exec', 'netns', 'default');
    if (existsSync(netns)) await run('umount', [netns]).catch(() => run('umount', ['-l', netns]).catch(() => undefined));
  };
  try {
    await waitFor('dockerd', () => ping(socket), 30_000, proc, () => log.slice(-800));
  } catch (e) {
    await stopAll();
    throw e;
  }
  return { socket, host: `unix://${socket}`, stop: stopAll };
}

function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socket, () => s.write('GET /_ping HTTP/1.0\r\n\r\n'));
    let got = '';
    s.on('data', (c) => (got += c));
    s.on('end', () => resolve(/^HTTP\/1\.[01] 200/.test(got)));
    s.on('error', () => resolve(false));
  });
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true }).catch(() => undefined);
}

export interface Podman {
  socket: string;
  host: string;
  /** Runs the podman CLI on the service's own storage (load, build, save), as root with vfs. */
  cli(args: string[]): Promise<{ stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/** True when a podman binary is installed (.ci/run installs Debian's). */
export function havePodman(): boolean {
  return ['/usr/bin/podman', '/usr/local/bin/podman'].some((p) => existsSync(p));
}

/**
 * A private `podman system service` under `dir`: its own storage (vfs), runroot, tmpdir and XDG
 * dirs, cgroupfs and a file event log (no systemd), listening on dir/podman.sock; ready when the
 * socket answers /_ping. CONTAINER_HOST is unset for podman itself, or the CLI would act as a remote client.
 */
export async function startPodman(dir: string): Promise<Podman> {
  const socket = path.join(dir, 'podman.sock');
  for (const d of ['tmp', 'xdg-run', 'xdg-config', 'xdg-data']) await mkdir(path.join(dir, d), { recursive: true, mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TMPDIR: path.join(dir, 'tmp'),
    XDG_RUNTIME_DIR: path.join(dir, 'xdg-run'),
    XDG_CONFIG_HOME: path.join(dir, 'xdg-config'),
    XDG_DATA_HOME: path.join(dir, 'xdg-data'),
  };
  delete env.CONTAINER_HOST;
  delete env.CONTAINER_CONNECTION;
  const global = [
    '--root', path.join(dir, 'storage'), '--runroot', path.join(dir, 'run'), '--storage-driver', 'vfs',
    '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--tmpdir', path.join(dir, 'libpod'),
  ];
  let log = '';
  const proc = spawn('podman', [...global, 'system', 'service', '--time=0', `unix://${socket}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (c) => (log += c));
  proc.stderr!.on('data', (c) => (log = (log + c).slice(-4000)));
  try {
    await waitFor('podman system service', () => ping(socket), 30_000, proc, () => log.slice(-800));
  } catch (e) {
    await stop(proc);
    throw e;
  }
  return {
    socket,
    host: `unix://${socket}`,
    cli: (args) => run('podman', [...global, ...args], { env, maxBuffer: 16 << 20 }),
    stop: () => stop(proc),
  };
}
