import { MsbError, shortDigest } from '../errors.js';
import { openLocation, readJson, readWhole, type Container } from './container.js';
import { checkConfigPlatform, isAttestation, selectManifest } from './platform.js';
import type { Descriptor, Image, ImageConfig, ImageIndex, ImageManifest, LayerBlob, Platform, SourceKind } from './types.js';

/**
 * Reads the two on-disk image formats from a Container: Docker's save format (`manifest.json`) and
 * the OCI image layout (`oci-layout` + `index.json` + `blobs/`). Docker 25+ writes both at once.
 */

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/** docker save's manifest.json: one entry per saved image. */
interface SaveManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

export interface LayoutOptions {
  platform?: Platform;
  /** Name the image: a RepoTag (docker-archive) or org.opencontainers.image.ref.name (OCI). */
  tag?: string;
}

export function checkConfig(label: string, config: ImageConfig, layerCount: number): string[] {
  if (!config || typeof config !== 'object') throw new MsbError(`${label}: image config is not a JSON object`);
  const diffIds = config.rootfs?.diff_ids;
  if (!Array.isArray(diffIds)) throw new MsbError(`${label}: image config has no rootfs.diff_ids`);
  if (diffIds.length !== layerCount) {
    throw new MsbError(`${label}: manifest lists ${layerCount} layers but the config has ${diffIds.length} diff_ids`);
  }
  return diffIds;
}

export async function readDockerArchive(c: Container, kind: SourceKind, opts: LayoutOptions): Promise<Image> {
  const entries = await readJson<SaveManifestEntry[]>(c, 'manifest.json', 'a manifest');
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new MsbError(`${c.label}: manifest.json is not a non-empty list of images`);
  }
  const notes: string[] = [];
  let entry = entries[0];
  if (opts.tag) {
    const found = entries.find((e) => (e.RepoTags ?? []).some((t) => t === opts.tag || t.endsWith(`/${opts.tag}`)));
    if (!found) throw new MsbError(`${c.label}: no image tagged ${opts.tag}; the archive has ${entries.flatMap((e) => e.RepoTags ?? []).join(', ') || 'untagged images'}`);
    entry = found;
  } else if (entries.length > 1) {
    notes.push(`archive holds ${entries.length} images; using the first (${entry.RepoTags?.[0] ?? 'untagged'})`);
  }
  if (typeof entry.Config !== 'string' || !Array.isArray(entry.Layers) || entry.Layers.some((l) => typeof l !== 'string')) {
    throw new MsbError(`${c.label}: manifest.json entry lacks Config or Layers`);
  }
  const config = await readJson<ImageConfig>(c, entry.Config, 'the image config');
  const diffIds = checkConfig(`${c.label}: ${entry.Config}`, config, entry.Layers.length);
  checkConfigPlatform(c.label, config, opts.platform);
  const layers: LayerBlob[] = [];
  for (const [index, name] of entry.Layers.entries()) {
    const location = await c.locate(name);
    layers.push({
      index,
      diffId: diffIds[index],
      name: `${c.label}: layer ${index} (${name.length > 40 ? `${name.slice(0, 40)}…` : name})`,
      location,
      open: () => openLocation(location),
    });
  }
  const configDigest = /^(?:blobs\/sha256\/|)([0-9a-f]{64})(?:\.json)?$/.exec(entry.Config)?.[1];
  return {
    reference: c.label,
    source: kind,
    tags: entry.RepoTags ?? [],
    config,
    configDigest: configDigest ? `sha256:${configDigest}` : undefined,
    layers,
    notes,
    close: () => c.close(),
  };
}

function blobPath(c: Container, d: Descriptor): string {
  const m = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-fA-F0-9]{32,})$/.exec(d?.digest ?? '');
  if (!m) throw new MsbError(`${c.label}: invalid digest "${String(d?.digest)}" in a descriptor`);
  return `blobs/${m[1]}/${m[2]}`;
}

function readBlob(c: Container, d: Descriptor): Promise<Buffer> {
  return readWhole(c, blobPath(c, d), `blob ${shortDigest(d.digest)}`);
}

/** Resolves index → (nested index →) manifest, choosing by tag and platform. */
async function resolveManifest(
  c: Container,
  opts: LayoutOptions,
): Promise<{ desc: Descriptor; manifest: ImageManifest; index: ImageIndex; tags: string[]; notes: string[] }> {
  const top = await readJson<ImageIndex>(c, 'index.json', 'the OCI index');
  const notes: string[] = [];
  if (!top || !Array.isArray(top.manifests)) throw new MsbError(`${c.label}: index.json has no manifests list`);
  let candidates = top.manifests;
  if (opts.tag) {
    candidates = candidates.filter((d) => {
      const ref = d.annotations?.['org.opencontainers.image.ref.name'] ?? d.annotations?.['io.containerd.image.name'];
      return ref === opts.tag || ref?.endsWith(`:${opts.tag}`);
    });
    if (candidates.length === 0) throw new MsbError(`${c.label}: no image named ${opts.tag} in index.json`);
  }
  let index = top;
  let desc = selectManifest(`${c.label}: index.json`, candidates, opts.platform);
  const tags = [desc.annotations?.['org.opencontainers.image.ref.name']].filter((t): t is string => !!t);
  // Several unrelated images (e.g. several tags copied into one layout): say which one was read.
  const named = candidates.filter((d) => !isAttestation(d) && !d.platform);
  if (!opts.tag && named.length > 1 && named.includes(desc)) {
    notes.push(`layout holds ${named.length} images; using the first (${tags[0] ?? shortDigest(desc.digest)}); pick one with PATH:NAME`);
  }
  for (let depth = 0; depth < 8; depth++) {
    const doc = await readJson<ImageManifest & ImageIndex>(c, blobPath(c, desc), 'a manifest');
    const isIndex = INDEX_TYPES.has(doc.mediaType ?? desc.mediaType ?? '') || (Array.isArray(doc.manifests) && !doc.config);
    if (!isIndex) {
      if (!doc.config || !Array.isArray(doc.layers)) {
        throw new MsbError(`${c.label}: manifest ${shortDigest(desc.digest)} lacks config or layers`);
      }
      return { desc, manifest: doc, index, tags, notes };
    }
    index = doc;
    desc = selectManifest(`${c.label}: index ${shortDigest(desc.digest)}`, doc.manifests, opts.platform);
  }
  throw new MsbError(`${c.label}: indexes nest too deeply`);
}

export async function readOciLayout(c: Container, kind: SourceKind, opts: LayoutOptions): Promise<Image> {
  const { desc, manifest, index, tags, notes } = await resolveManifest(c, opts);
  const config = await readJson<ImageConfig>(c, blobPath(c, manifest.config), 'the image config');
  const diffIds = checkConfig(`${c.label}: config ${shortDigest(manifest.config.digest)}`, config, manifest.layers.length);
  checkConfigPlatform(c.label, config, opts.platform);
  const layers: LayerBlob[] = [];
  for (const [i, d] of manifest.layers.entries()) {
    const location = await c.locate(blobPath(c, d));
    layers.push({
      index: i,
      diffId: diffIds[i],
      digest: d.digest,
      mediaType: d.mediaType,
      name: `${c.label}: layer ${i} (${shortDigest(d.digest)})`,
      location,
      open: () => openLocation(location),
    });
  }
  return {
    reference: c.label,
    source: kind,
    digest: desc.digest,
    tags,
    config,
    configDigest: manifest.config.digest,
    layers,
    manifest,
    index,
    notes,
    readBlob: (digest) => readBlob(c, { digest, size: 0 }),
    close: () => c.close(),
  };
}
