import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { Readable } from 'node:stream';
import tls from 'node:tls';

/**
 * The registry's HTTP client: node:http/https under a fetch-shaped interface (a WHATWG Response),
 * because Node 20's fetch can neither skip certificate checks for one host nor use a proxy.
 * Bodies are node streams: a layer flows from the socket to the walker without a web-stream hop.
 * - `insecure`: certificates are not checked (self-signed, wrong name) — only for requests to the
 *   hosts the caller names (the registry given with --insecure), never for redirects elsewhere or
 *   token servers on other hosts.
 * - Proxies as docker and skopeo read them: HTTPS_PROXY for https URLs, HTTP_PROXY for http URLs
 *   (either case), skipped for hosts matching NO_PROXY and for loopback hosts. An https URL is
 *   tunnelled with CONNECT (TLS runs end to end through the tunnel); an http URL is sent to the proxy
 *   with its absolute URL. Proxy credentials in the proxy URL go only to the proxy (Proxy-Authorization).
 */

export interface TransportOptions {
  /** Hosts (host or host:port, as in the URL) whose certificates are not checked. */
  insecureHosts?: ReadonlySet<string>;
  env?: NodeJS.ProcessEnv;
}

export interface Init {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

function envVar(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name] || env[name.toLowerCase()] || undefined;
}

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || /^127\./.test(h) || h === '::1';
}

/** NO_PROXY: comma- or space-separated hosts, `.domain` or `domain` (subdomains too), `host:port`, `*`. */
export function bypassProxy(url: URL, noProxy: string | undefined): boolean {
  if (isLoopbackHost(url.hostname)) return true;
  if (!noProxy) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (let entry of noProxy.split(/[\s,]+/)) {
    entry = entry.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    let ePort: string | undefined;
    const m = /^(.*?)(?::(\d+))?$/.exec(entry.replace(/^\[(.*)\](:\d+)?$/, '$1$2'));
    if (m) {
      entry = m[1];
      ePort = m[2];
    }
    if (ePort && ePort !== port) continue;
    const bare = entry.replace(/^\*?\./, '');
    if (host === bare || host.endsWith(`.${bare}`)) return true;
  }
  return false;
}

/** The proxy URL for a request, or undefined for a direct connection. */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv): URL | undefined {
  const raw = url.protocol === 'https:' ? envVar(env, 'HTTPS_PROXY') : envVar(env, 'HTTP_PROXY');
  if (!raw || bypassProxy(url, envVar(env, 'NO_PROXY'))) return undefined;
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw Object.assign(new Error(`the proxy setting "${raw.replace(/\/\/[^@/]*@/, '//…@')}" is not a URL`), { code: 'ERR_PROXY_URL' });
  }
}

function proxyAuth(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const user = decodeURIComponent(proxy.username);
  const pass = decodeURIComponent(proxy.password);
  return { 'proxy-authorization': `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
}

/** Opens a CONNECT tunnel through the proxy to host:port. */
function tunnel(proxy: URL, target: URL, signal: AbortSignal | undefined): Promise<Duplex> {
  const port = target.port || '443';
  const authority = `${target.hostname}:${port}`;
  return new Promise((resolve, reject) => {
    const mod = proxy.protocol === 'https:' ? https : http;
    const req = mod.request({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...proxyAuth(proxy) },
      signal,
    });
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(Object.assign(new Error(`the proxy ${proxy.host} refused the tunnel to ${authority} (HTTP ${res.statusCode})`), { code: 'ERR_PROXY_TUNNEL' }));
        return;
      }
      resolve(socket);
    });
    req.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ECONNREFUSED' ? Object.assign(new Error(`cannot reach the proxy ${proxy.host}: connection refused`), { code: 'ERR_PROXY_CONNECT' }) : e);
    });
    req.end();
  });
}

/** A response head with its body as a node stream (redirects are not followed). */
export interface HttpResponse {
  status: number;
  ok: boolean;
  headers: Headers;
  body: Readable;
}

/** One HTTP request; resolves with the response head, its body streaming. */
export async function request(input: string | URL, init: Init, opts: TransportOptions = {}): Promise<HttpResponse> {
  const url = new URL(input);
  const env = opts.env ?? process.env;
  const secure = url.protocol === 'https:';
  const proxy = proxyFor(url, env);
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
  const rejectUnauthorized = !opts.insecureHosts?.has(url.host);
  const reqOpts: https.RequestOptions = {
    method: init.method ?? 'GET',
    headers,
    signal: init.signal,
    servername: secure && !/^[\d.]+$|:/.test(url.hostname) ? url.hostname : undefined,
    rejectUnauthorized,
  };
  let req: http.ClientRequest;
  if (proxy && secure) {
    const socket = await tunnel(proxy, url, init.signal);
    const tlsSocket = tls.connect({ socket, servername: reqOpts.servername, rejectUnauthorized, ALPNProtocols: ['http/1.1'] });
    // No agent: the request runs on this one tunnelled socket.
    req = https.request(url, { ...reqOpts, agent: undefined, createConnection: () => tlsSocket });
  } else if (proxy) {
    req = http.request({
      ...reqOpts,
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxy.port || 80,
      path: url.toString(),
      headers: { ...headers, host: url.host, ...proxyAuth(proxy) },
      agent: false,
    });
  } else {
    req = (secure ? https : http).request(url, reqOpts);
  }
  return new Promise<HttpResponse>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      const h = new Headers();
      for (const [k, v] of Object.entries(res.headers)) {
        if (v === undefined) continue;
        for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
      }
      const status = res.statusCode ?? 502;
      // An abort after the head (an idle timer) fails the body with the abort's reason.
      init.signal?.addEventListener('abort', () => res.destroy(init.signal?.reason instanceof Error ? init.signal.reason : new Error('aborted')), { once: true });
      resolve({ status, ok: status >= 200 && status < 300, headers: h, body: res });
    });
    req.end(init.body);
  });
}
