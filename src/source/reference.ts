import { MsbError } from '../errors.js';

/**
 * Image references parsed and normalised the way Docker does it (distribution/reference):
 * `alpine` -> docker.io/library/alpine:latest, `host:port/repo:tag`, `repo@sha256:...`.
 */

export interface ImageReference {
  /** Registry host as written, normalised: "docker.io", "localhost:5000", "ghcr.io". */
  registry: string;
  /** Repository path inside the registry: "library/alpine". */
  repository: string;
  /** Tag; "latest" when neither a tag nor a digest was given. */
  tag?: string;
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API = 'registry-1.docker.io';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;

function bad(ref: string, why: string): MsbError {
  return new MsbError(`invalid image reference "${ref}": ${why}`);
}

/** A first path component is a registry host when it looks like one (Docker's rule). */
function isHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component !== component.toLowerCase();
}

export function parseReference(ref: string): ImageReference {
  if (!ref || ref.length > 4096) throw bad(ref, 'empty or too long');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(ref, `"${digest}" is not a digest (algorithm:hex)`);
    if (digest.startsWith('sha256:') && !SHA256.test(digest)) throw bad(ref, 'a sha256 digest has 64 lowercase hex digits');
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(ref, `"${tag}" is not a valid tag`);
  }
  let registry = DOCKER_HUB;
  let repository = rest;
  const slash = rest.indexOf('/');
  if (slash > 0 && isHost(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    repository = rest.slice(slash + 1);
    if (!HOST.test(registry)) throw bad(ref, `"${registry}" is not a valid registry host`);
  }
  if (!repository) throw bad(ref, 'no repository name');
  if (registry === 'index.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  for (const c of repository.split('/')) {
    if (!COMPONENT.test(c)) {
      throw bad(ref, c !== c.toLowerCase() ? 'repository names must be lowercase' : `"${c}" is not a valid repository path component`);
    }
  }
  if (registry.length + repository.length + 1 > 255) throw bad(ref, 'repository name longer than 255 characters');
  if (!tag && !digest) tag = 'latest';
  return { registry, repository, tag, digest };
}

/** The canonical string: "docker.io/library/alpine:latest", with "@digest" when pinned. */
export function formatReference(r: ImageReference): string {
  return `${r.registry}/${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** What to ask the registry for: the digest when pinned (it wins over the tag), else the tag. */
export function manifestRef(r: ImageReference): string {
  return r.digest ?? r.tag ?? 'latest';
}

/** The host the Registry API is spoken to: Docker Hub's API lives on registry-1.docker.io. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/** Loopback registries speak plain HTTP, as Docker allows without configuration. */
export function isLoopback(registry: string): boolean {
  const host = registry.replace(/:[0-9]+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
