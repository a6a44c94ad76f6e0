import { MsbError, shortDigest } from '../errors.js';
import { selectManifest } from './platform.js';
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform } from './types.js';

/**
 * The one place image documents are checked and resolved, whatever source they come from (a file, a
 * registry, a save stream): manifests, indexes, configs and docker save's manifest.json are
 * validated here once, at the boundary, so nothing downstream meets a field of the wrong type; and
 * index → (nested index →) manifest resolution is one loop over a source-supplied fetch.
 * Each check throws one MsbError line naming the document and what was wrong with it.
 */

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const INDEX_TYPES = new Set([OCI_INDEX, MANIFEST_LIST]);
/** Real images nest one index deep (BuildKit); more than this is a loop or hostile. */
const MAX_NESTING = 8;

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

function kind(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? 'an object' : `a ${typeof x}`;
}

function wrong(what: string, field: string, x: unknown, expected: string): never {
  throw new MsbError(`${what}: ${field} is ${kind(x)}, expected ${expected}`);
}

/** Optional fields may be absent or null (Docker writes `"Cmd": null`). */
const absent = (x: unknown) => x === undefined || x === null;

function optString(what: string, field: string, x: unknown): void {
  if (!absent(x) && typeof x !== 'string') wrong(what, field, x, 'a string');
}

function optStrings(what: string, field: string, x: unknown): void {
  if (absent(x)) return;
  if (!Array.isArray(x)) wrong(what, field, x, 'a list of strings');
  x.forEach((s, i) => {
    if (typeof s !== 'string') wrong(what, `${field}[${i}]`, s, 'a string');
  });
}

function optStringMap(what: string, field: string, x: unknown): void {
  if (absent(x)) return;
  if (!isObj(x)) wrong(what, field, x, 'an object');
  for (const [k, v] of Object.entries(x)) if (typeof v !== 'string') wrong(what, `${field}["${k}"]`, v, 'a string');
}

/** The digest grammar of the OCI image spec (algorithm:encoded). */
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function checkDescriptor(what: string, field: string, d: unknown): Descriptor {
  if (!isObj(d)) wrong(what, field, d, 'a descriptor object');
  if (typeof d.digest !== 'string' || !DIGEST.test(d.digest)) {
    throw new MsbError(`${what}: ${field} has an invalid digest "${String(d.digest)}"`);
  }
  if (d.size !== undefined && (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0)) {
    wrong(what, `${field}.size`, d.size, 'a byte count');
  }
  optString(what, `${field}.mediaType`, d.mediaType);
  optStringMap(what, `${field}.annotations`, d.annotations);
  if (!absent(d.platform)) {
    if (!isObj(d.platform)) wrong(what, `${field}.platform`, d.platform, 'an object');
    for (const k of ['os', 'architecture', 'variant']) optString(what, `${field}.platform.${k}`, d.platform[k]);
  }
  return d as unknown as Descriptor;
}

export function checkIndex(what: string, doc: unknown): ImageIndex {
  if (!isObj(doc)) throw new MsbError(`${what} is not a JSON object`);
  if (!Array.isArray(doc.manifests)) throw new MsbError(`${what} has no manifests list`);
  doc.manifests.forEach((d, i) => checkDescriptor(what, `manifests[${i}]`, d));
  optStringMap(what, 'annotations', doc.annotations);
  return doc as unknown as ImageIndex;
}

export function checkManifest(what: string, doc: unknown): ImageManifest {
  if (!isObj(doc)) throw new MsbError(`${what} is not a JSON object`);
  if (absent(doc.config)) throw new MsbError(`${what} has no config`);
  checkDescriptor(what, 'config', doc.config);
  if (!Array.isArray(doc.layers)) wrong(what, 'layers', doc.layers, 'a list of descriptors');
  doc.layers.forEach((d, i) => checkDescriptor(what, `layers[${i}]`, d));
  optStringMap(what, 'annotations', doc.annotations);
  return doc as unknown as ImageManifest;
}

/** An index when its media type says so, or when it lists manifests and has no config. */
export function isIndexDocument(doc: unknown, mediaType?: string): boolean {
  if (!isObj(doc)) return false;
  const mt = typeof doc.mediaType === 'string' ? doc.mediaType : mediaType;
  return INDEX_TYPES.has(mt ?? '') || (Array.isArray(doc.manifests) && absent(doc.config));
}

/**
 * Checks an image config and returns its layer diff_ids (one per manifest layer). `label` names
 * the config: "x.tar: abc.json", "registry/app:1: config sha256:…".
 */
export function checkConfig(label: string, doc: unknown, layerCount: number): { config: ImageConfig; diffIds: string[] } {
  if (!isObj(doc)) throw new MsbError(`${label}: image config is not a JSON object`);
  const what = `${label}: image config`;
  for (const k of ['architecture', 'os', 'variant', 'created', 'author']) optString(what, k, doc[k]);
  if (!absent(doc.config)) {
    const c = doc.config;
    if (!isObj(c)) wrong(what, 'config', c, 'an object');
    for (const k of ['User', 'WorkingDir']) optString(what, `config.${k}`, c[k]);
    for (const k of ['Env', 'Entrypoint', 'Cmd']) optStrings(what, `config.${k}`, c[k]);
    optStringMap(what, 'config.Labels', c.Labels);
  }
  if (!absent(doc.history)) {
    if (!Array.isArray(doc.history)) wrong(what, 'history', doc.history, 'a list');
    doc.history.forEach((h: unknown, i) => {
      if (!isObj(h)) wrong(what, `history[${i}]`, h, 'an object');
      for (const k of ['created', 'created_by', 'author', 'comment']) optString(what, `history[${i}].${k}`, h[k]);
      if (!absent(h.empty_layer) && typeof h.empty_layer !== 'boolean') wrong(what, `history[${i}].empty_layer`, h.empty_layer, 'true or false');
    });
  }
  const rootfs = doc.rootfs;
  const diffIds = isObj(rootfs) ? rootfs.diff_ids : undefined;
  if (!Array.isArray(diffIds)) throw new MsbError(`${label}: image config has no rootfs.diff_ids`);
  diffIds.forEach((d, i) => {
    if (typeof d !== 'string') wrong(what, `rootfs.diff_ids[${i}]`, d, 'a string');
  });
  if (diffIds.length !== layerCount) {
    throw new MsbError(`${label}: manifest lists ${layerCount} layers but the config has ${diffIds.length} diff_ids`);
  }
  return { config: doc as ImageConfig, diffIds: diffIds as string[] };
}

/** docker save's manifest.json: one entry per saved image. */
export interface SaveManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** Checks docker save's manifest.json (`label` names the archive or stream). */
export function checkSaveManifest(label: string, doc: unknown): SaveManifestEntry[] {
  if (!Array.isArray(doc) || doc.length === 0) throw new MsbError(`${label}: manifest.json is not a non-empty list of images`);
  doc.forEach((e: unknown, i) => {
    if (!isObj(e) || typeof e.Config !== 'string' || !Array.isArray(e.Layers) || e.Layers.some((l) => typeof l !== 'string')) {
      throw new MsbError(`${label}: manifest.json entry lacks Config or Layers`);
    }
    optStrings(`${label}: manifest.json`, `[${i}].RepoTags`, e.RepoTags);
  });
  return doc as SaveManifestEntry[];
}

/** The config digest a save archive names its config file by ("<hex>.json", "blobs/sha256/<hex>"). */
export function saveConfigDigest(name: string): string | undefined {
  const hex = /^(?:blobs\/sha256\/|)([0-9a-f]{64})(?:\.json)?$/.exec(name)?.[1];
  return hex ? `sha256:${hex}` : undefined;
}

/** A manifest or index as a source read it, before it is checked. */
export interface Fetched {
  doc: unknown;
  /** Its digest, when known (the descriptor's, or computed from the bytes). */
  digest?: string;
  /** The media type the descriptor or the server gave it. */
  mediaType?: string;
  /** How it is named in errors when not by digest ("index.json"). */
  name?: string;
  /** Known to be an index whatever it contains (an OCI layout's index.json). */
  isIndex?: boolean;
}

export interface ResolveManifestOptions {
  /** Names the image in errors. */
  label: string;
  platform?: Platform;
  /** Reads the document a descriptor points to. */
  fetch(d: Descriptor): Promise<Fetched>;
  /** Narrows the first index's entries before platform selection (an OCI layout's ref name). */
  narrow?(manifests: Descriptor[]): Descriptor[];
}

export interface ResolvedManifest {
  manifest: ImageManifest;
  /** The manifest's digest, when known. */
  digest?: string;
  /** The last index passed through (the one attestations of this manifest live in). */
  index?: ImageIndex;
  /** The descriptor chosen in each index, outermost first. */
  chosen: Descriptor[];
}

/** Follows index → (nested index →) manifest, choosing by platform at each index (platform.ts). */
export async function resolveManifest(start: Fetched, o: ResolveManifestOptions): Promise<ResolvedManifest> {
  let cur = start;
  let index: ImageIndex | undefined;
  const chosen: Descriptor[] = [];
  for (let depth = 0; ; depth++) {
    const named = (k: string) => `${o.label}: ${cur.name ?? `${k} ${shortDigest(cur.digest)}`}`;
    if (!cur.isIndex && !isIndexDocument(cur.doc, cur.mediaType)) {
      return { manifest: checkManifest(named('manifest'), cur.doc), digest: cur.digest, index, chosen };
    }
    if (depth >= MAX_NESTING) throw new MsbError(`${o.label}: indexes nest too deeply`);
    index = checkIndex(named('index'), cur.doc);
    const entries = depth === 0 && o.narrow ? o.narrow(index.manifests) : index.manifests;
    const desc = selectManifest(named('index'), entries, o.platform);
    chosen.push(desc);
    cur = await o.fetch(desc);
  }
}
