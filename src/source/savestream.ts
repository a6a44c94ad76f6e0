import { createHash } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { MsbError, shortDigest } from '../errors.js';
import { checkConfig } from './layout.js';
import { selectManifest } from './platform.js';
import type { ArrivingLayer, Image, ImageConfig, ImageIndex, ImageManifest, LayerArrivals, LayerBlob, Platform } from './types.js';

/**
 * Parses a `docker save` stream as it arrives, without touching disk. Both shapes are understood:
 * the legacy one (`<id>/layer.tar`, `<config>.json`, manifest.json LAST) and Docker 25+'s OCI layout
 * (`blobs/sha256/<hex>`, index.json, manifest.json, legacy names as symlinks into blobs/).
 * Layers are handed out the moment they arrive; small JSON documents are kept in memory; once the
 * stream ends the manifest says which arrived layer sits where.
 */

const MAX_JSON = 64 << 20;

interface SaveManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** First bytes of a tar: the header checksum at offset 148 must match the header's bytes. */
function looksLikeTar(head: Buffer): boolean {
  if (head.length < 512) return false;
  const stored = parseInt(head.toString('latin1', 148, 156).replace(/[\0 ]+$/, '').trim(), 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : head[i];
  return stored === sum;
}

function isLayerHead(head: Buffer): boolean {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true;
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return true;
  return looksLikeTar(head);
}

export interface SaveStreamOptions {
  /** How the image is named in messages. */
  label: string;
  platform?: Platform;
}

/**
 * Turns a save stream into an Image whose `arrivals` must be drained (src/inspect.ts does) before
 * config, layers and tags are filled in.
 */
export function imageFromSaveStream(stream: Readable, image: Image, opts: SaveStreamOptions): Image {
  const { label } = opts;
  const docs = new Map<string, Buffer>();
  const links = new Map<string, string>();
  const hashes = new Map<string, string>();
  let order: string[] | undefined;
  let allVerified = true;

  const resolveLink = (name: string): string => {
    let n = path.posix.normalize(name);
    for (let i = 0; i < 16 && links.has(n); i++) n = links.get(n)!;
    return n;
  };
  const doc = <T>(name: string, what: string): T => {
    const buf = docs.get(resolveLink(name));
    if (!buf) throw new MsbError(`${label}: the daemon's save stream has no ${what} (${name})`);
    try {
      return JSON.parse(buf.toString('utf8')) as T;
    } catch (e) {
      throw new MsbError(`${label}: ${name} in the save stream is not valid JSON (${(e as Error).message})`);
    }
  };

  /** After the stream: work out config and layer order from manifest.json (or index.json). */
  const finish = () => {
    let config: ImageConfig;
    let layerNames: string[];
    let digests: Array<string | undefined>;
    if (docs.has('manifest.json')) {
      const entries = doc<SaveManifestEntry[]>('manifest.json', 'manifest.json');
      const entry = Array.isArray(entries) ? entries[0] : undefined;
      if (!entry || typeof entry.Config !== 'string' || !Array.isArray(entry.Layers)) {
        throw new MsbError(`${label}: manifest.json in the save stream lacks Config or Layers`);
      }
      config = doc<ImageConfig>(entry.Config, 'image config');
      layerNames = entry.Layers;
      digests = entry.Layers.map(() => undefined);
      image.tags = entry.RepoTags ?? [];
      const hex = /^(?:blobs\/sha256\/)?([0-9a-f]{64})(?:\.json)?$/.exec(entry.Config)?.[1];
      if (hex) image.configDigest = `sha256:${hex}`;
    } else if (docs.has('index.json')) {
      const top = doc<ImageIndex>('index.json', 'index.json');
      let desc = selectManifest(`${label}: index.json`, top?.manifests ?? [], opts.platform);
      let m = doc<ImageManifest & ImageIndex>(`blobs/sha256/${desc.digest.slice(7)}`, `manifest ${shortDigest(desc.digest)}`);
      for (let depth = 0; Array.isArray(m.manifests) && !m.config; depth++) {
        if (depth > 4) throw new MsbError(`${label}: indexes nest too deeply`);
        image.index = m;
        desc = selectManifest(`${label}: index`, m.manifests, opts.platform);
        m = doc<ImageManifest & ImageIndex>(`blobs/sha256/${desc.digest.slice(7)}`, `manifest ${shortDigest(desc.digest)}`);
      }
      if (!m.config || !Array.isArray(m.layers)) throw new MsbError(`${label}: manifest ${shortDigest(desc.digest)} lacks config or layers`);
      image.manifest = m;
      image.digest = desc.digest;
      image.configDigest = m.config.digest;
      config = doc<ImageConfig>(`blobs/sha256/${m.config.digest.slice(7)}`, 'image config');
      layerNames = m.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`);
      digests = m.layers.map((l) => l.digest);
    } else {
      throw new MsbError(`${label}: the daemon's save stream has neither manifest.json nor index.json`);
    }
    const diffIds = checkConfig(`${label}: image config`, config, layerNames.length);
    order = layerNames.map((n) => resolveLink(n));
    const layers: LayerBlob[] = order.map((key, index) => {
      const got = hashes.get(key);
      if (!got) throw new MsbError(`${label}: layer ${index} (${layerNames[index]}) never arrived in the daemon's save stream`);
      const blobHex = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(key)?.[1];
      // Legacy layers are uncompressed tars (hash = diff_id); OCI-layout blobs are named by their digest.
      const ok = got === diffIds[index] || (blobHex !== undefined && got === `sha256:${blobHex}`);
      if (!ok) {
        if (blobHex || /layer\.tar$|\.tar$/.test(key)) {
          throw new MsbError(`${label}: layer ${index} (${layerNames[index]}): digest mismatch: the daemon sent bytes hashing to ${got}, expected ${diffIds[index]}`);
        }
        allVerified = false;
      }
      return {
        index,
        diffId: diffIds[index],
        digest: digests[index],
        name: `${label}: layer ${index} (${layerNames[index].length > 40 ? `${layerNames[index].slice(0, 40)}…` : layerNames[index]})`,
        open: () => Promise.reject(new MsbError(`${label}: layer ${index} was already read from the daemon's stream`)),
      };
    });
    image.config = config;
    image.layers = layers;
  };

  async function* arrivals(): AsyncGenerator<ArrivingLayer> {
    const extract = tar.extract();
    stream.on('error', (e) => extract.destroy(e));
    stream.pipe(extract as unknown as NodeJS.WritableStream);
    try {
      for await (const entry of extract) {
        const h = entry.header;
        const name = path.posix.normalize(h.name.replace(/^\.\//, ''));
        if (h.type === 'symlink' && h.linkname) {
          links.set(name, path.posix.normalize(path.posix.join(path.posix.dirname(name), h.linkname)));
          entry.resume();
          continue;
        }
        if (h.type !== 'file' && h.type !== 'contiguous-file') {
          entry.resume();
          continue;
        }
        const it = (entry as unknown as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
        const first = await it.next();
        const head: Buffer = first.done ? Buffer.alloc(0) : first.value;
        // Legacy layers are named *.tar (an empty layer is all zero blocks); OCI blobs are told by content.
        const isLayer = /\.tar$/.test(name) || (/^blobs\//.test(name) && head.length > 0 && head[0] !== 0x7b && (isLayerHead(head.subarray(0, 512)) || head.subarray(0, 512).every((b) => b === 0)));
        if (!isLayer) {
          if ((h.size ?? 0) > MAX_JSON) {
            throw new MsbError(`${label}: ${name} in the save stream is neither a layer nor a small JSON document`);
          }
          const chunks = [head];
          for (let r = await it.next(); !r.done; r = await it.next()) chunks.push(r.value);
          docs.set(name, Buffer.concat(chunks));
          continue;
        }
        const hash = createHash('sha256');
        hash.update(head);
        let drained = false;
        const body = Readable.from(
          (async function* () {
            yield head;
            for (let r = await it.next(); !r.done; r = await it.next()) {
              hash.update(r.value);
              yield r.value;
            }
            drained = true;
          })(),
          { objectMode: false, highWaterMark: 1 << 20 },
        );
        yield { key: name, open: () => Promise.resolve(body) };
        if (!drained) {
          // The consumer stopped early (it walked only the tar's end-of-archive marker): drain the rest.
          for await (const _ of body) void _;
        }
        hashes.set(name, `sha256:${hash.digest('hex')}`);
      }
    } catch (e) {
      if (e instanceof MsbError) throw e;
      const msg = (e as Error)?.message ?? String(e);
      throw new MsbError(`${label}: reading the daemon's save stream failed: ${msg}`);
    } finally {
      extract.destroy();
      if (!stream.destroyed) stream.destroy();
    }
    finish();
  }

  // Docker 25+ streams carry manifests, configs and attestations as blobs: readable once the stream is drained.
  image.readBlob = async (digest: string) => {
    const hex = /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1];
    const buf = hex ? docs.get(`blobs/sha256/${hex}`) : undefined;
    if (buf) return buf;
    if (!order) throw new MsbError(`${label}: blobs can be read only after the save stream has been read`);
    throw new MsbError(`${label}: blob ${shortDigest(digest)} is not in the daemon's save stream (or is a layer)`);
  };

  const layerArrivals: LayerArrivals = {
    arrivals: arrivals(),
    order: () => {
      if (!order) throw new MsbError(`${label}: the layer order is known only after the save stream ends`);
      return order;
    },
    verified: () => allVerified && order !== undefined,
  };
  image.arrivals = layerArrivals;
  return image;
}
