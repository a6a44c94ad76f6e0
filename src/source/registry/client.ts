import { pipeline, Readable, Transform } from 'node:stream';
import { MsbError } from '../../errors.js';
import { apiHost, isLoopback } from '../reference.js';
import { RegistryAuth } from './auth.js';
import type { Credentials } from './credentials.js';
import { discard, errCode, isTransientCode, MAX_CONFIG, MAX_ERROR_BODY, MAX_MANIFEST, netLimits, networkError, readLimited, sleep, timedFetch, Transient, unreachableReason, Unreachable, type NetLimits, type Timed } from './http.js';
import type { TransportOptions } from './transport.js';

/**
 * A minimal Registry API v2 client (distribution spec): GET manifests and blobs for one repository,
 * with the auth dance (Bearer token from the WWW-Authenticate challenge, or Basic), redirects that
 * never carry Authorization to another host, timeouts, and a bounded retry on transient failures.
 * Nothing here prints or embeds a credential or token.
 */

export interface ClientOptions {
  /** Plain HTTP (also implied for localhost / 127.0.0.1 / ::1). */
  insecure?: boolean;
  /** Explicit credentials (--username/--password-stdin); else looked up in ~/.docker/config.json. */
  credentials?: Credentials;
  /** No response headers, or no body bytes, for this long: give up (ms; default MSB_NET_IDLE_MS or 30 s). */
  timeoutMs?: number;
  /** Retries after the first attempt for 5xx and dropped connections. */
  retries?: number;
  env?: NodeJS.ProcessEnv;
}

/** An HTTP error answer from the registry, with its status (404 lets callers try elsewhere). */
export class RegistryError extends MsbError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface BlobResponse {
  body: Readable;
  /** Content-Length when the server sent one. */
  length?: number;
}

export class RegistryClient {
  /** https://host, or http:// for loopback hosts, or after an --insecure registry answered plain HTTP. */
  base: string;
  private readonly insecure: boolean;
  private readonly transport: TransportOptions;
  /** The Authorization header that worked, reused for this registry host only. */
  private authorization?: string;
  private readonly counts = { manifests: 0, blobs: 0 };
  private readonly auth: RegistryAuth;
  private readonly limits: NetLimits;
  private readonly retries: number;
  /** Set once the client must not touch the network (--offline, or the registry found unreachable): why. */
  private offline?: string;

  constructor(
    readonly registry: string,
    readonly repository: string,
    opts: ClientOptions = {},
  ) {
    // --insecure: HTTPS without certificate checks first, plain HTTP if the registry speaks only that (as docker does).
    const scheme = isLoopback(registry) ? 'http' : 'https';
    this.base = `${scheme}://${apiHost(registry)}`;
    this.insecure = !!opts.insecure;
    this.transport = { insecureHosts: opts.insecure ? new Set([new URL(this.base).host]) : undefined, env: opts.env };
    this.limits = netLimits(opts.env, opts.timeoutMs);
    this.retries = opts.retries ?? 2;
    this.auth = new RegistryAuth(registry, repository, { credentials: opts.credentials, limits: this.limits, env: opts.env, transport: this.transport });
  }

  /**
   * From now on every request fails at once with "not in msb's cache" and `why`, without a
   * connection attempt: what the cache does not hold cannot be read.
   */
  goOffline(why: string): void {
    this.offline = why;
  }

  /** Requests made, by kind: tests and --debug use these to show what the cache saved. */
  get stats(): { manifests: number; blobs: number; tokens: number } {
    return { ...this.counts, tokens: this.auth.tokens };
  }

  /** One fetch under the idle timeout and total deadline; the timers keep running while the body is read. */
  private fetchOnce(url: string, headers: Record<string, string>): Promise<Timed> {
    return timedFetch(url, { headers }, this.limits, this.transport);
  }

  /**
   * GET with auth, redirects and retries. Resolves with a 2xx response (body unread, idle timer
   * running) or throws a one-line MsbError naming what failed.
   */
  private async get(path: string, accept: string | undefined, what: string): Promise<Timed> {
    if (this.offline) throw new MsbError(`${what}: not in msb's cache, and ${this.offline}`);
    let lastErr: unknown;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) await sleep(250 * 3 ** (attempt - 1));
      try {
        return await this.getAuthed(path, accept, what);
      } catch (e) {
        if (!(e instanceof Transient)) throw e;
        lastErr = e;
      }
    }
    const message = `${what}: ${(lastErr as Error).message} (gave up after ${this.retries + 1} attempts)`;
    const unreachable = (lastErr as Transient).unreachable;
    throw unreachable ? new Unreachable(message, unreachable) : new MsbError(message);
  }

  private async getAuthed(path: string, accept: string | undefined, what: string): Promise<Timed> {
    // One (re)authentication per request: the first 401, or an expired token in a long pull.
    let authTried = false;
    for (;;) {
      const got = await this.follow(`${this.base}${path}`, accept, what);
      if (got.res.status === 401 && !authTried) {
        const challenge = got.res.headers.get('www-authenticate') ?? '';
        discard(got);
        authTried = true;
        this.authorization = await this.auth.authenticate(challenge, what);
        continue;
      }
      if (got.res.ok) return got;
      const status = got.res.status;
      // Bounded and timed like any read: an error body may be huge or arrive a byte at a time.
      // Its error codes only: cut at 64 KiB, and given up on (timers still apply) rather than waited for.
      const body = await readLimited(got.res, got.idle, MAX_ERROR_BODY, what).then((b) => b.toString('utf8'), () => '');
      if (status >= 500) throw new Transient(`HTTP ${status} from ${this.registry}`);
      throw this.statusError(status, body, what);
    }
  }

  /** Follows redirects by hand: Authorization goes only to the registry's own host. */
  private async follow(start: string, accept: string | undefined, what: string): Promise<Timed> {
    const origin = new URL(this.base).host;
    let url = start;
    for (let hops = 0, fellBack = false; hops < 6; hops++) {
      const headers: Record<string, string> = {};
      if (accept) headers.accept = accept;
      if (this.authorization && new URL(url).host === origin) headers.authorization = this.authorization;
      let got;
      try {
        got = await this.fetchOnce(url, headers);
      } catch (e) {
        const code = errCode(e);
        if (this.insecure && !fellBack && url.startsWith('https:') && new URL(url).host === origin && /EPROTO|ERR_SSL_WRONG_VERSION|ERR_SSL_PACKET/.test(code ?? '')) {
          // An --insecure registry that speaks plain HTTP: use that from now on.
          fellBack = true;
          hops--;
          this.base = this.base.replace(/^https:/, 'http:');
          url = url.replace(/^https:/, 'http:');
          continue;
        }
        if (isTransientCode(code)) throw new Transient(`connection to ${new URL(url).host} failed (${code})`, unreachableReason(e));
        if ((e as Error)?.name === 'AbortError' || (e as Error)?.name === 'TimeoutError') {
          throw new Transient(`no response from ${new URL(url).host} (${(e as Error).message})`, unreachableReason(e));
        }
        throw networkError(url, e);
      }
      const { res } = got;
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        discard(got);
        url = new URL(res.headers.get('location')!, url).toString();
        continue;
      }
      return got;
    }
    throw new MsbError(`${what}: too many redirects`);
  }

  private statusError(status: number, body: string, what: string): RegistryError {
    let code = '';
    try {
      const j = JSON.parse(body) as { errors?: Array<{ code?: string; message?: string }> };
      code = j.errors?.map((e) => e.code).filter(Boolean).join(', ') ?? '';
    } catch {
      /* not a registry error document */
    }
    const tag = code ? ` (${code})` : '';
    const err = (m: string) => new RegistryError(m, status);
    if (status === 401) {
      return this.auth.usedCredentials
        ? err(`${what}: authentication failed at ${this.registry}${tag}: wrong credentials or no pull access to ${this.repository}`)
        : err(`${what}: ${this.registry} refused anonymous access${tag}: the repository does not exist or needs a login (--username/--password-stdin or docker login)`);
    }
    if (status === 403) return err(`${what}: access denied by ${this.registry}${tag}`);
    if (status === 404) return err(`${what}: not found in ${this.registry}${tag}`);
    if (status === 429) return err(`${what}: rate-limited by ${this.registry} (HTTP 429); try again later or log in`);
    return err(`${what}: HTTP ${status} from ${this.registry}${tag}`);
  }

  /** Fetches a manifest (by tag or digest), whole: manifests are small (registries cap them at 4 MiB, and so does msb). */
  async manifest(ref: string, accept: string, what: string): Promise<{ body: Buffer; mediaType?: string; digest?: string }> {
    this.counts.manifests++;
    const { res, idle } = await this.get(`/v2/${this.repository}/manifests/${ref}`, accept, what);
    const body = await readLimited(res, idle, MAX_MANIFEST, what);
    return {
      body,
      mediaType: res.headers.get('content-type')?.split(';')[0].trim(),
      digest: res.headers.get('docker-content-digest') ?? undefined,
    };
  }

  /** Streams a blob; the caller verifies its digest. The idle timeout keeps running while it is read. */
  async blob(digest: string, what: string): Promise<BlobResponse> {
    this.counts.blobs++;
    const { res, idle, noDeadline } = await this.get(`/v2/${this.repository}/blobs/${digest}`, undefined, what);
    noDeadline(); // a layer may rightly take longer than the deadline; the idle timeout still holds
    const web = res.body;
    // Each chunk restarts the idle timer; a 'data' listener on `web` itself would start it flowing too early.
    const body = new Transform({
      transform(chunk, _e, cb) {
        idle(true);
        cb(null, chunk);
      },
      flush(cb) {
        idle(false);
        cb();
      },
    });
    web.on('error', (e: Error) => {
      const why = e?.name === 'AbortError' || /no data for/.test(e?.message ?? '') ? `no data for ${this.limits.idleMs / 1000}s` : (e?.message ?? String(e));
      body.destroy(new MsbError(`${what}: download from ${this.registry} interrupted (${why})`));
    });
    pipeline(web, body, (err) => {
      if (err) idle(false);
    });
    const len = Number(res.headers.get('content-length'));
    return { body, length: Number.isFinite(len) && len >= 0 && res.headers.has('content-length') ? len : undefined };
  }

  /** A small blob (config, attestation), whole. */
  async smallBlob(digest: string, what: string, limit = MAX_CONFIG): Promise<Buffer> {
    this.counts.blobs++;
    const { res, idle } = await this.get(`/v2/${this.repository}/blobs/${digest}`, undefined, what);
    return readLimited(res, idle, limit, what);
  }
}
