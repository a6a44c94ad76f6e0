import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { MsbError, oneLine } from '../../errors.js';
import { dockerConfigDir } from '../registry/credentials.js';
import type { ImageStream, Platform } from '../types.js';
import { imageStreamFromSave } from './savestream.js';

/**
 * The Docker (or Podman, through its Docker-compatible API) daemon as an image source. The image is
 * read with the save API and parsed as it streams (savestream.ts): an ImageStream; nothing is written to
 * disk. dockerode is imported only here, lazily, so other commands never load it.
 */

export type DaemonKind = 'docker' | 'podman';

export interface DaemonEndpoint {
  kind: DaemonKind;
  /** Where it is, for messages: "unix:///run/docker.sock". */
  label: string;
  /** What told msb to go there: "DOCKER_HOST", "context foo", "default". */
  origin: string;
  modem: Dockerode.DockerOptions;
}

function readIf(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** "unix:///x", "tcp://h:2376", "ssh://u@h" -> dockerode options. */
export function modemOptions(host: string, tls?: { dir?: string; verify?: boolean }): Dockerode.DockerOptions {
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('/')) return { socketPath: host };
  let u: URL;
  try {
    u = new URL(host);
  } catch {
    throw new MsbError(`invalid daemon address "${host}" (expected unix:///path, tcp://host:port or ssh://user@host)`);
  }
  if (u.protocol === 'tcp:' || u.protocol === 'http:' || u.protocol === 'https:') {
    const useTls = u.protocol === 'https:' || !!tls?.verify || (!!tls?.dir && existsSync(path.join(tls.dir, 'cert.pem')));
    const opts: Dockerode.DockerOptions = { host: u.hostname, port: Number(u.port) || (useTls ? 2376 : 2375), protocol: useTls ? 'https' : 'http' };
    if (useTls && tls?.dir) {
      opts.ca = readIf(path.join(tls.dir, 'ca.pem'));
      opts.cert = readIf(path.join(tls.dir, 'cert.pem'));
      opts.key = readIf(path.join(tls.dir, 'key.pem'));
    }
    return opts;
  }
  if (u.protocol === 'ssh:') {
    return { protocol: 'ssh', host: u.hostname, port: Number(u.port) || 22, username: u.username || undefined } as Dockerode.DockerOptions;
  }
  throw new MsbError(`unsupported daemon address "${host}"`);
}

/** Docker's current context (DOCKER_CONTEXT or config.json currentContext), if it is not "default". */
function contextHost(env: NodeJS.ProcessEnv): { name: string; host: string; tlsDir?: string } | undefined {
  let name = env.DOCKER_CONTEXT;
  const dir = dockerConfigDir(env);
  if (!name) {
    try {
      name = (JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { currentContext?: string }).currentContext;
    } catch {
      return undefined;
    }
  }
  if (!name || name === 'default') return undefined;
  const id = createHash('sha256').update(name).digest('hex');
  try {
    const meta = JSON.parse(readFileSync(path.join(dir, 'contexts', 'meta', id, 'meta.json'), 'utf8')) as {
      Endpoints?: { docker?: { Host?: string } };
    };
    const host = meta.Endpoints?.docker?.Host;
    if (!host) return undefined;
    const tlsDir = path.join(dir, 'contexts', 'tls', id, 'docker');
    return { name, host, tlsDir: existsSync(tlsDir) ? tlsDir : undefined };
  } catch {
    throw new MsbError(`docker context "${name}" (from ${env.DOCKER_CONTEXT ? 'DOCKER_CONTEXT' : `${dir}/config.json`}) not found`);
  }
}

export function daemonEndpoint(kind: DaemonKind, env: NodeJS.ProcessEnv = process.env): DaemonEndpoint {
  if (kind === 'podman') {
    const explicit = env.CONTAINER_HOST;
    if (explicit) return { kind, label: explicit, origin: 'CONTAINER_HOST', modem: modemOptions(explicit) };
    const candidates = [env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock') : undefined, '/run/podman/podman.sock'].filter(
      (p): p is string => !!p,
    );
    const sock = candidates.find((p) => existsSync(p)) ?? candidates[0];
    return { kind, label: `unix://${sock}`, origin: 'default podman socket', modem: { socketPath: sock } };
  }
  if (env.DOCKER_HOST) {
    return {
      kind,
      label: env.DOCKER_HOST,
      origin: 'DOCKER_HOST',
      modem: modemOptions(env.DOCKER_HOST, { dir: env.DOCKER_CERT_PATH, verify: !!env.DOCKER_TLS_VERIFY }),
    };
  }
  const ctx = contextHost(env);
  if (ctx) return { kind, label: ctx.host, origin: `docker context ${ctx.name}`, modem: modemOptions(ctx.host, { dir: ctx.tlsDir }) };
  return { kind, label: 'unix:///var/run/docker.sock', origin: 'default', modem: { socketPath: '/var/run/docker.sock' } };
}

async function connect(ep: DaemonEndpoint, timeout?: number): Promise<Dockerode> {
  const { default: Docker } = await import('dockerode');
  return new Docker({ ...ep.modem, ...(timeout ? { timeout } : {}) });
}

function daemonName(ep: DaemonEndpoint): string {
  return ep.kind === 'podman' ? 'Podman service' : 'Docker daemon';
}

/** Turns a dockerode/socket error into one actionable line. */
export function daemonError(ep: DaemonEndpoint, ref: string, e: unknown): MsbError {
  const err = e as { code?: string; statusCode?: number; message?: string; json?: { message?: string } };
  const where = `${daemonName(ep)} at ${ep.label} (${ep.origin})`;
  const hint = ep.kind === 'podman' ? 'start it with `podman system service`, or use --source registry' : 'set DOCKER_HOST to point msb elsewhere, or use --source registry';
  if (err?.statusCode === 404) {
    return new MsbError(`${ref}: no such image in the ${daemonName(ep)} (${ep.label}); to read it from its registry use --source registry`);
  }
  if (err?.code === 'EACCES' || err?.code === 'EPERM') {
    return new MsbError(`permission denied connecting to the ${where}: add yourself to the docker group or run as a user who may use that socket; or ${hint}`);
  }
  if (err?.code === 'ENOENT' || err?.code === 'ECONNREFUSED' || err?.code === 'ENOTFOUND' || err?.code === 'EHOSTUNREACH') {
    return new MsbError(`cannot connect to the ${where}: is it running? (${err.code}); ${hint}`);
  }
  if (err?.statusCode) {
    return new MsbError(`${ref}: the ${daemonName(ep)} answered HTTP ${err.statusCode}: ${oneLine(err.json?.message ?? err.message ?? '')}`);
  }
  return new MsbError(`${ref}: talking to the ${where} failed: ${oneLine(err?.message ?? String(e))}`);
}

export type Probe = { state: 'present'; id: string } | { state: 'absent' } | { state: 'unreachable'; error: MsbError };

/** Asks the daemon whether it has the image, quickly; never throws. */
export async function probeDaemon(ep: DaemonEndpoint, ref: string): Promise<Probe> {
  try {
    const docker = await connect(ep, 5000);
    const info = (await docker.getImage(ref).inspect()) as { Id: string };
    return { state: 'present', id: info.Id };
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return { state: 'absent' };
    return { state: 'unreachable', error: daemonError(ep, ref, e) };
  }
}

export interface DaemonOptions {
  platform?: Platform;
  /** Skip the existence check (the caller already probed). */
  probed?: boolean;
}

export async function openDaemonImage(ep: DaemonEndpoint, ref: string, opts: DaemonOptions = {}): Promise<ImageStream> {
  if (!opts.probed) {
    const p = await probeDaemon(ep, ref);
    if (p.state === 'unreachable') throw p.error;
    if (p.state === 'absent') throw daemonError(ep, ref, { statusCode: 404 });
  }
  const docker = await connect(ep);
  let stream: Readable;
  try {
    stream = (await docker.getImage(ref).get()) as unknown as Readable;
  } catch (e) {
    throw daemonError(ep, ref, e);
  }
  return imageStreamFromSave(stream, { label: ref, reference: ref, platform: opts.platform, notes: ep.kind === 'podman' ? ['read from Podman'] : [] });
}
