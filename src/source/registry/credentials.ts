import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MsbError } from '../../errors.js';
import { DOCKER_HUB } from '../reference.js';

/**
 * Registry credentials as Docker finds them in config.json: `credHelpers[host]`, else `credsStore`,
 * else `auths[host].auth` (base64 "user:password"). Helpers speak the docker-credential-helpers
 * protocol: `docker-credential-<name> get` with the server URL on stdin, JSON on stdout.
 * Credentials never appear in messages.
 */

export interface Credentials {
  username: string;
  /** A password, or an identity token when `username` is "<token>". */
  password: string;
  /** Where they came from, for messages ("~/.docker/config.json", "--username"). */
  origin: string;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  currentContext?: string;
}

export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
}

export async function readDockerConfig(env: NodeJS.ProcessEnv = process.env): Promise<DockerConfig | undefined> {
  const file = path.join(dockerConfigDir(env), 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as DockerConfig;
  } catch (e) {
    throw new MsbError(`${file} is not valid JSON (${(e as Error).message})`);
  }
}

/** Docker Hub's credentials are stored under its legacy index URL. */
const HUB_KEYS = new Set(['index.docker.io', 'docker.io', 'registry-1.docker.io']);

/** "https://host/v1/" -> "host". */
function keyHost(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

function sameRegistry(key: string, registry: string): boolean {
  const h = keyHost(key);
  if (registry === DOCKER_HUB) return HUB_KEYS.has(h);
  return h === registry;
}

function serverUrl(registry: string): string {
  return registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry;
}

function runHelper(helper: string, registry: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  const bin = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = execFile(bin, ['get'], { env, timeout: 15_000, maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          reject(new MsbError(`credential helper ${bin} (named in ${dockerConfigDir(env)}/config.json) is not installed`));
          return;
        }
        // "credentials not found in native keychain" and the like: just no credentials.
        resolve(undefined);
        return;
      }
      try {
        const out = JSON.parse(stdout) as { Username?: string; Secret?: string };
        if (!out.Secret) {
          resolve(undefined);
          return;
        }
        resolve({ username: out.Username ?? '', password: out.Secret, origin: bin });
      } catch {
        reject(new MsbError(`credential helper ${bin} printed something that is not JSON`));
      }
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(serverUrl(registry));
  });
}

export async function lookupCredentials(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  const cfg = await readDockerConfig(env);
  if (!cfg) return undefined;
  const origin = `${dockerConfigDir(env)}/config.json`;
  const helperKey = Object.keys(cfg.credHelpers ?? {}).find((k) => sameRegistry(k, registry));
  if (helperKey) return runHelper(cfg.credHelpers![helperKey], registry, env);
  if (cfg.credsStore) {
    const found = await runHelper(cfg.credsStore, registry, env);
    if (found) return found;
  }
  for (const [key, entry] of Object.entries(cfg.auths ?? {})) {
    if (!sameRegistry(key, registry) || !entry) continue;
    if (entry.identitytoken) return { username: '<token>', password: entry.identitytoken, origin };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i < 0) throw new MsbError(`${origin}: the auth entry for ${key} is not base64 "user:password"`);
      return { username: decoded.slice(0, i), password: decoded.slice(i + 1), origin };
    }
    if (entry.username && entry.password) return { username: entry.username, password: entry.password, origin };
  }
  return undefined;
}
