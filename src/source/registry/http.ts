import { MsbError } from '../../errors.js';
import { request, type HttpResponse, type Init, type TransportOptions } from './transport.js';

/** Plumbing shared by the registry client and its token requests: error classification and bounded reads. */

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'EAI_AGAIN']);

export function errCode(e: unknown): string | undefined {
  const err = e as { code?: string; cause?: { code?: string; cause?: { code?: string } } };
  return err?.cause?.code ?? err?.cause?.cause?.code ?? err?.code;
}

export function isTransientCode(code: string | undefined): boolean {
  return !!code && TRANSIENT_CODES.has(code);
}

/** A failure worth retrying (5xx, dropped connection, timeout); never shown as is. */
export class Transient extends Error {
  /** Set when no HTTP answer came at all (a connection failure or timeout, not a 5xx): why, in a few words. */
  constructor(
    message: string,
    readonly unreachable?: string,
  ) {
    super(message);
  }
}

/**
 * The registry (or its token server, or the proxy to it) could not be reached at all: no HTTP answer.
 * Only this failure lets a tag fall back to its cached manifest; an answer (401, 404, 5xx) never does.
 */
export class Unreachable extends MsbError {
  constructor(
    message: string,
    /** "connection refused", "unknown host", "no response within 30s"… */
    readonly reason: string,
  ) {
    super(message);
  }
}

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  EHOSTDOWN: 'host down',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'network down',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  UND_ERR_SOCKET: 'connection dropped',
  ERR_PROXY_CONNECT: 'proxy unreachable',
};

/**
 * Why a request failed without any HTTP answer, or undefined when it failed otherwise (TLS, a bad
 * proxy URL, a bug). Connection errors and timeouts count; certificate errors do not (they are a
 * configuration problem, and falling back would hide a host impersonating the registry).
 */
export function unreachableReason(e: unknown): string | undefined {
  const code = errCode(e);
  if (code && UNREACHABLE[code]) return UNREACHABLE[code];
  const name = (e as Error)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no response: ${(e as Error).message}`;
  return undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A fetch that failed before any answer, as one line naming the host. */
export function networkError(url: string, e: unknown): MsbError {
  const host = new URL(url).host;
  const code = errCode(e);
  const msg = (e as { cause?: Error })?.cause?.message ?? (e as Error)?.message ?? String(e);
  const unreachable = unreachableReason(e);
  if (code === 'ECONNREFUSED') return new Unreachable(`cannot reach registry ${host}: connection refused`, unreachable!);
  if (code === 'ENOTFOUND') return new Unreachable(`cannot reach registry ${host}: unknown host`, unreachable!);
  if (/^ERR_PROXY/.test(code ?? '')) return unreachable ? new Unreachable(`cannot reach registry ${host}: ${msg}`, unreachable) : new MsbError(`cannot reach registry ${host}: ${msg}`);
  if (/SSL|TLS|certificate|wrong version number/i.test(msg) || /^ERR_SSL|CERT|DEPTH_ZERO|EPROTO/.test(code ?? '')) {
    return new MsbError(`TLS error talking to ${host}: ${msg} (for a registry with a self-signed certificate or plain HTTP use --insecure; for a private CA set NODE_EXTRA_CA_CERTS)`);
  }
  if (unreachable) return new Unreachable(`cannot reach registry ${host}: ${msg}`, unreachable);
  return new MsbError(`cannot reach registry ${host}: ${msg}`);
}

/**
 * Network limits (docs/sources.md). Every request has an idle timeout (no response headers, or no
 * body bytes, for this long) and documents (manifests, configs, tokens, error bodies) a total
 * deadline; layer blobs only the idle timeout, since a large layer may rightly take long.
 * MSB_NET_IDLE_MS and MSB_NET_DEADLINE_MS override them (tests use short ones).
 */
export const NET_IDLE_MS = 30_000;
export const NET_DEADLINE_MS = 120_000;
export { MAX_CONFIG, MAX_ERROR_BODY, MAX_MANIFEST, MAX_TOKEN } from '../limits.js';

function envMs(env: NodeJS.ProcessEnv | undefined, name: string, dflt: number): number {
  const v = Number(env?.[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
}

export interface NetLimits {
  idleMs: number;
  deadlineMs: number;
}

export function netLimits(env: NodeJS.ProcessEnv | undefined = process.env, idleMs?: number): NetLimits {
  return { idleMs: idleMs ?? envMs(env, 'MSB_NET_IDLE_MS', NET_IDLE_MS), deadlineMs: envMs(env, 'MSB_NET_DEADLINE_MS', NET_DEADLINE_MS) };
}

/** A fetch's timers: `idle(true)` restarts the idle timer, `idle(false)` stops both, `noDeadline()` lifts the total one. */
export interface Timed {
  res: HttpResponse;
  idle: (on: boolean) => void;
  noDeadline: () => void;
}

const secs = (ms: number) => `${ms / 1000}s`;

/** A request (transport.ts) under an idle timeout and a total deadline; the timers keep running while the body is read. */
export async function timedFetch(url: string | URL, init: Init, limits: NetLimits, transport?: TransportOptions): Promise<Timed> {
  const ac = new AbortController();
  let idleTimer: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined = setTimeout(() => ac.abort(new Error(`no complete answer within ${secs(limits.deadlineMs)}`)), limits.deadlineMs);
  deadline.unref();
  const noDeadline = () => {
    if (deadline) clearTimeout(deadline);
    deadline = undefined;
  };
  const idle = (on: boolean) => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = on ? setTimeout(() => ac.abort(new Error(`no data for ${secs(limits.idleMs)}`)), limits.idleMs) : undefined;
    idleTimer?.unref();
    if (!on) noDeadline();
  };
  idle(true);
  try {
    const res = await request(url, { ...init, signal: ac.signal }, transport);
    return { res, idle, noDeadline };
  } catch (e) {
    idle(false);
    // An abort by one of the timers surfaces as its reason.
    if (ac.signal.aborted && ac.signal.reason instanceof Error) throw Object.assign(new Error(ac.signal.reason.message), { name: 'TimeoutError' });
    throw e;
  }
}

/** Reads a response body whole, refusing more than `limit` bytes; `idle` restarts the no-data timer. */
export async function readLimited(res: HttpResponse, idle: (on: boolean) => void, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of res.body as AsyncIterable<Buffer>) {
      idle(true);
      n += c.length;
      if (n > limit) throw new MsbError(`${what}: larger than ${sizeText(limit)}, refusing to read it into memory`);
      chunks.push(Buffer.from(c));
    }
  } catch (e) {
    if (e instanceof MsbError) throw e;
    throw new MsbError(`${what}: download failed: ${(e as Error).message}`);
  } finally {
    idle(false);
    if (!res.body.readableEnded) res.body.destroy();
  }
  return Buffer.concat(chunks);
}

/** 4194304 → "4 MiB" (limits are whole KiB or MiB). */
export function sizeText(n: number): string {
  return n >= 1 << 20 ? `${n / (1 << 20)} MiB` : `${n / 1024} KiB`;
}

/** Drops a response's body (a redirect, a 401) and stops its timers. */
export function discard(got: Timed): void {
  got.idle(false);
  got.res.body.destroy();
}
