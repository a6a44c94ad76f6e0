import { MsbError } from '../../errors.js';
import type { Init, TransportOptions } from './transport.js';
import { lookupCredentials, type Credentials } from './credentials.js';
import { discard, MAX_TOKEN, networkError, readLimited, timedFetch, type NetLimits, type Timed } from './http.js';

/**
 * Registry authentication (distribution's token spec): the WWW-Authenticate challenge, Basic
 * credentials, Bearer tokens from the realm (identity tokens through the OAuth2 refresh grant).
 * Nothing here prints or embeds a credential or token.
 */

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="...",service="...",scope="a,b"` (quoted values may contain commas). */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2])) !== null) {
    if (p[0] === '') break;
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  }
  return { scheme: m[1].toLowerCase(), params };
}

export interface AuthOptions {
  /** Explicit credentials (--username/--password-stdin); else looked up in ~/.docker/config.json. */
  credentials?: Credentials;
  limits: NetLimits;
  transport?: TransportOptions;
  env?: NodeJS.ProcessEnv;
}

/** Authentication for one repository of one registry. */
export class RegistryAuth {
  constructor(
    readonly registry: string,
    readonly repository: string,
    private readonly opts: AuthOptions,
  ) {}

  /** Whether any credentials were sent, so a 401 can say "wrong credentials" or "needs a login". */
  usedCredentials = false;
  /** Token requests made (tests and --debug show what the cache saved). */
  tokens = 0;

  private async credentials(): Promise<Credentials | undefined> {
    const c = this.opts.credentials ?? (await lookupCredentials(this.registry, this.opts.env));
    if (c) this.usedCredentials = true;
    return c;
  }

  /** Answers a 401's WWW-Authenticate challenge: the Authorization header value to retry with. */
  async authenticate(header: string, what: string): Promise<string> {
    const ch = parseChallenge(header);
    if (ch?.scheme === 'basic') {
      const creds = await this.credentials();
      if (!creds) throw new MsbError(`${what}: ${this.registry} requires a login (use --username and --password-stdin, or docker login)`);
      return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    }
    if (ch?.scheme === 'bearer' && ch.params.realm) {
      return `Bearer ${await this.fetchToken(ch, what)}`;
    }
    throw new MsbError(`${what}: ${this.registry} asked for authentication msb does not understand (${ch?.scheme ?? 'no challenge'})`);
  }

  private async fetchToken(ch: Challenge, what: string): Promise<string> {
    let realm: URL;
    try {
      realm = new URL(ch.params.realm);
    } catch {
      throw new MsbError(`${what}: the registry's token realm is not a URL`);
    }
    if (ch.params.service) realm.searchParams.set('service', ch.params.service);
    realm.searchParams.set('scope', ch.params.scope || `repository:${this.repository}:pull`);
    const creds = await this.credentials();
    const headers: Record<string, string> = {};
    let init: Init = { headers };
    if (creds?.username === '<token>') {
      // An identity token (docker login with OAuth) is a refresh token: POST it (distribution's token spec, OAuth2 flow).
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.password, service: ch.params.service ?? '', scope: realm.searchParams.get('scope')!, client_id: 'msb' });
      headers['content-type'] = 'application/x-www-form-urlencoded';
      realm.search = '';
      init = { method: 'POST', headers, body: form.toString() };
    } else if (creds) {
      headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    }
    this.tokens++;
    let got: Timed;
    try {
      got = await timedFetch(realm, init, this.opts.limits, this.opts.transport);
    } catch (e) {
      throw networkError(realm.toString(), e);
    }
    const res = got.res;
    const drop = async () => {
      discard(got);
    };
    if (res.status === 401 || res.status === 403) {
      await drop();
      throw new MsbError(`${what}: the token server for ${this.registry} refused ${creds ? `the credentials from ${creds.origin}` : 'anonymous access (log in with --username/--password-stdin or docker login)'} (HTTP ${res.status})`);
    }
    if (!res.ok) {
      await drop();
      throw new MsbError(`${what}: the token server for ${this.registry} answered HTTP ${res.status}`);
    }
    const body = await readLimited(res, got.idle, MAX_TOKEN, `${what}: the token server for ${this.registry}`);
    let j: { token?: string; access_token?: string };
    try {
      j = JSON.parse(body.toString('utf8')) as typeof j;
      if (!j || typeof j !== 'object') throw new Error('not an object');
    } catch {
      throw new MsbError(`${what}: the token server for ${this.registry} did not answer JSON`);
    }
    const token = j.token || j.access_token;
    if (!token) throw new MsbError(`${what}: the token server for ${this.registry} answered without a token`);
    return token;
  }
}
