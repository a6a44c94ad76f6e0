import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { MsbError, shortDigest } from '../../errors.js';
import type { BlobCache } from '../cache/blob-cache.js';
import { ManifestRecords, type ManifestRecord } from '../cache/manifest-record.js';
import { sha256Hex, sha256Of, verifyBuffer, VerifyingStream } from '../cache/verify.js';
import { openLocation } from '../container.js';
import { checkConfig, MANIFEST_LIST, OCI_INDEX, resolveManifest, type Fetched } from '../manifest.js';
import { formatReference, manifestRef, parseReference } from '../reference.js';
import type { Descriptor, Image, LayerBlob, OfflineSource, Platform } from '../types.js';
import { MAX_CONFIG } from '../limits.js';
import { RegistryClient, RegistryError, type ClientOptions } from './client.js';
import { Unreachable } from './http.js';
import { offlineSource, readCachedTag, recordKey } from './offline.js';

/**
 * An image read straight from a registry, no daemon involved. Manifests are resolved (index ->
 * platform -> manifest); layers are downloaded lazily, when the walker opens them, through a stream
 * that checks the digest and, with a cache, stores the blob. Cached layers are plain local files
 * (LayerBlob.location), so a second inspect reads them by seeking and downloads nothing.
 */

export interface DownloadProgress {
  layer: number;
  layers: number;
  digest: string;
  bytes: number;
  /** Blob size from the manifest. */
  total: number;
  /** Average download rate of this layer so far. */
  bytesPerSecond: number;
  done: boolean;
}

export interface RegistryOptions extends ClientOptions {
  platform?: Platform;
  /** Blob cache; none means download every time (still verified). Tags' manifest records live beside it. */
  cache?: BlobCache;
  /** Read only from the cache, never the network (--offline); needs `cache`. */
  offline?: boolean;
  onDownload?: (p: DownloadProgress) => void;
}

const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const ACCEPT = [OCI_INDEX, MANIFEST_LIST, OCI_MANIFEST, MANIFEST_V2].join(', ');
const ACCEPT_ANY = `${ACCEPT}, */*`;

function parseJson(what: string, body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (e) {
    throw new MsbError(`${what}: not valid JSON (${(e as Error).message})`);
  }
}

export async function openRegistryImage(refText: string, opts: RegistryOptions = {}): Promise<Image> {
  const ref = parseReference(refText);
  const label = formatReference(ref);
  const client = new RegistryClient(ref.registry, ref.repository, opts);
  const cache = opts.cache;
  const records = cache && new ManifestRecords(cache.dir);
  const key = recordKey(ref, opts.platform);
  if (opts.offline) {
    if (!cache) throw new MsbError('--offline reads only msb\'s cache: it cannot be combined with --no-cache');
    client.goOffline('--offline forbids asking the registry');
  }

  const readBlob = async (digest: string, what = `${label}: blob ${shortDigest(digest)}`): Promise<Buffer> => {
    sha256Hex(digest, what);
    const loc = await cache?.lookup(digest);
    if (loc && loc.size <= MAX_CONFIG) {
      // Small blobs are checked on every read: a corrupt entry is evicted and fetched again.
      const data = await readFile(loc.file).catch(() => undefined);
      if (data && sha256Of(data) === digest) return data;
      await cache!.evict(digest);
    }
    let data: Buffer;
    try {
      data = await client.smallBlob(digest, what);
    } catch (e) {
      // Manifests (e.g. an index's attestation manifest) live under /manifests, not /blobs.
      if (!(e instanceof RegistryError && e.status === 404)) throw e;
      data = (await client.manifest(digest, ACCEPT_ANY, what)).body;
    }
    verifyBuffer(what, digest, data);
    await cache?.put(what, digest, data);
    return data;
  };

  /** A manifest by tag (always asked: tags move, and kept in the cache for offline use) or by digest (cached, immutable). */
  const fetchManifest = async (r: string, what: string): Promise<Fetched> => {
    const pinned = r.startsWith('sha256:');
    let body: Buffer | undefined;
    let mediaType: string | undefined;
    let digest: string | undefined = pinned ? r : undefined;
    if (pinned && (await cache?.lookup(r))) body = await readBlob(r, what);
    if (!body) {
      const got = await client.manifest(r, ACCEPT, what);
      body = got.body;
      mediaType = got.mediaType;
      if (pinned) {
        verifyBuffer(what, r, body);
        await cache?.put(what, r, body);
      } else {
        digest = got.digest && /^sha256:[a-f0-9]{64}$/.test(got.digest) ? got.digest : undefined;
        if (digest) verifyBuffer(what, digest, body);
        digest ??= sha256Of(body);
        await cache?.put(what, digest, body); // rewritten each time: a few KiB, and a damaged copy is replaced
      }
    }
    return parseManifest(what, body, digest ?? sha256Of(body), mediaType);
  };

  /**
   * The manifest the reference names: asked of the registry, or with --offline or an unreachable
   * registry (a connection failure only: an HTTP answer such as 404 is final) read through the
   * tag's manifest record.
   */
  let offline: OfflineSource | undefined;
  let record: ManifestRecord | undefined;
  const topManifest = async (): Promise<Fetched> => {
    if (opts.offline) {
      if (key) {
        const hit = await readCachedTag(records!, cache!, key, label, '--offline forbids asking the registry');
        if (!hit) throw new MsbError(`${label}: no manifest is cached for this tag (--offline reads only msb's cache; inspect it once without --offline)`);
        record = hit.record;
        offline = offlineSource(record, '--offline', ref.registry, label);
        return parseManifest(label, hit.body, record.digest, record.mediaType);
      }
      offline = offlineSource(undefined, '--offline', ref.registry, label);
      return fetchManifest(manifestRef(ref), label);
    }
    try {
      return await fetchManifest(manifestRef(ref), label);
    } catch (e) {
      if (!(e instanceof Unreachable) || !key || !records) throw e;
      const why = `registry ${ref.registry} unreachable (${e.reason})`;
      const hit = await readCachedTag(records, cache!, key, label, why);
      if (!hit) throw e;
      record = hit.record;
      offline = offlineSource(record, e.reason, ref.registry, label);
      // Everything else (config, layers) must come from the cache now: no further connection attempts.
      client.goOffline(why);
      return parseManifest(label, hit.body, record.digest, record.mediaType);
    }
  };

  const top = await topManifest();
  const { manifest, digest, index } = await resolveManifest(top, {
    label,
    platform: opts.platform,
    fetch: (d) => {
      sha256Hex(d.digest, label);
      return fetchManifest(d.digest, `${label}: manifest ${shortDigest(d.digest)}`);
    },
  });
  const configWhat = `${label}: config ${shortDigest(manifest.config.digest)}`;
  const { config, diffIds } = checkConfig(configWhat, parseJson(configWhat, await readBlob(manifest.config.digest, configWhat)), manifest.layers.length);
  if (record && record.manifestDigest !== digest) {
    // The key includes the platform, so the same index resolves to the same manifest; anything else is not our record.
    throw new MsbError(`${label}: its cached manifest record names manifest ${shortDigest(record.manifestDigest)} but the cached index selects ${shortDigest(digest)}; inspect it once with the registry reachable`);
  }
  if (!offline && key && records && top.digest && digest) {
    await records.write({ key, digest: top.digest, mediaType: top.mediaType, manifestDigest: digest, fetchedAt: new Date().toISOString() });
  }

  const n = manifest.layers.length;
  /** Downloads in flight: close() stops them (one failed layer must not leave others running). */
  const active = new Set<Readable>();
  const layers: LayerBlob[] = [];
  for (const [i, d] of manifest.layers.entries()) {
    const name = `${label}: layer ${i} (${shortDigest(d.digest)})`;
    sha256Hex(d.digest, name);
    const location = await cache?.lookupVerified(d.digest, d.size);
    layers.push({
      index: i,
      diffId: diffIds[i],
      digest: d.digest,
      size: d.size,
      mediaType: d.mediaType,
      name,
      location,
      // Cached: verified at lookup; downloaded: verified as it streams (a mismatch fails the walk).
      sourceVerified: true,
      open: async () => {
        if (location) return openLocation(location);
        const stream = await download(client, cache, d, i, n, opts.onDownload);
        active.add(stream);
        stream.once('close', () => active.delete(stream));
        return stream;
      },
    });
  }
  return {
    reference: refText,
    source: 'registry',
    digest,
    tags: ref.tag ? [`${ref.registry}/${ref.repository}:${ref.tag}`] : [],
    config,
    configDigest: manifest.config.digest,
    layers,
    manifest,
    index,
    notes: offline ? [offline.notice] : [],
    ...(offline ? { offline } : {}),
    readBlob: (digest) => readBlob(digest),
    close: async () => {
      // Wait for each to close: a cache writer removes its temp file then.
      const closing = [...active].map((s) => new Promise<void>((r) => (s.closed ? r() : s.once('close', () => r()))));
      for (const s of active) s.destroy();
      active.clear();
      await Promise.all(closing);
    },
  };
}

/** Checks a manifest's JSON; schema 1 (unsigned or signed) is refused with a clear message. */
function parseManifest(what: string, body: Buffer, digest: string, mediaType: string | undefined): Fetched {
  const doc = parseJson(what, body) as { schemaVersion?: unknown } | null;
  if (!doc || typeof doc !== 'object') throw new MsbError(`${what}: not a manifest`);
  if (doc.schemaVersion === 1 || /^application\/vnd\.docker\.distribution\.manifest\.v1\+/.test(mediaType ?? '')) {
    throw new MsbError(`${what}: Docker schema 1 manifests are not supported (re-push the image with a current tool)`);
  }
  return { doc, digest, mediaType };
}

/** Streams a layer from the registry through digest verification (and into the cache, if any). */
async function download(
  client: RegistryClient,
  cache: BlobCache | undefined,
  d: Descriptor,
  layer: number,
  layers: number,
  onDownload?: (p: DownloadProgress) => void,
): Promise<Readable> {
  const what = `blob ${shortDigest(d.digest)}`;
  const { body } = await client.blob(d.digest, what);
  const started = Date.now();
  const report = (bytes: number, done: boolean) =>
    onDownload?.({ layer, layers, digest: d.digest, bytes, total: d.size, bytesPerSecond: bytes / Math.max((Date.now() - started) / 1000, 0.001), done });
  const check = cache ? await cache.writer(what, d.digest, d.size, (b) => report(b, false)) : new VerifyingStream(what, d.digest, d.size, (b) => report(b, false));
  check.on('end', () => report((check as VerifyingStream).bytes, true));
  // pipeline() destroys `check` with the body's error, so the walker reading `check` sees it.
  return pipeline(body, check, () => undefined);
}
