import { createHash } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { MsbError, shortDigest } from '../../errors.js';
import { sniffCompression } from '../compression.js';
import { checkConfig, checkSaveManifest, resolveManifest, saveConfigDigest, type Fetched } from '../manifest.js';
import type { ArrivingLayer, Image, ImageStream, LayerBlob, Platform, SourceKind } from '../types.js';

/**
 * Parses a `docker save` stream as it arrives, without touching disk. Both shapes are understood:
 * the legacy one (`<id>/layer.tar`, `<config>.json`, manifest.json LAST) and Docker 25+'s OCI layout
 * (`blobs/sha256/<hex>`, index.json, manifest.json, legacy names as symlinks into blobs/).
 * Layers are handed out the moment they arrive; small JSON documents are kept in memory; once the
 * stream ends the manifest says which arrived layer sits where, and the complete Image is built.
 */

const MAX_JSON = 64 << 20;

export interface SaveStreamOptions {
  /** How the image is named in messages. */
  label: string;
  /** What the user asked for (Image.reference); defaults to the label. */
  reference?: string;
  source?: SourceKind;
  platform?: Platform;
  /** Notes the caller already has ("read from Podman"). */
  notes?: string[];
}

/** What a save stream holds besides layers: its documents (by archive path) and symlinks. */
class SaveDocs {
  readonly docs = new Map<string, Buffer>();
  readonly links = new Map<string, string>();
  constructor(private readonly label: string) {}

  resolveLink(name: string): string {
    let n = path.posix.normalize(name);
    for (let i = 0; i < 16 && this.links.has(n); i++) n = this.links.get(n)!;
    return n;
  }

  has(name: string): boolean {
    return this.docs.has(name);
  }

  json(name: string, what: string): unknown {
    const buf = this.docs.get(this.resolveLink(name));
    if (!buf) throw new MsbError(`${this.label}: the daemon's save stream has no ${what} (${name})`);
    try {
      return JSON.parse(buf.toString('utf8')) as unknown;
    } catch (e) {
      throw new MsbError(`${this.label}: ${name} in the save stream is not valid JSON (${(e as Error).message})`);
    }
  }

  /** Docker 25+ streams carry manifests, configs and attestations as blobs. */
  blob(digest: string): Buffer {
    const hex = /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1];
    const buf = hex ? this.docs.get(`blobs/sha256/${hex}`) : undefined;
    if (!buf) throw new MsbError(`${this.label}: blob ${shortDigest(digest)} is not in the daemon's save stream (or is a layer)`);
    return buf;
  }
}

interface Described extends Pick<Image, 'config' | 'tags' | 'configDigest' | 'digest' | 'manifest' | 'index'> {
  diffIds: string[];
  /** Each layer's name in the stream, and its blob digest when the manifest gives one. */
  names: string[];
  digests: Array<string | undefined>;
}

/** The image's documents, read from manifest.json (both shapes) or, without one, index.json. */
async function describe(d: SaveDocs, label: string, platform: Platform | undefined): Promise<Described> {
  if (d.has('manifest.json')) {
    const entry = checkSaveManifest(label, d.json('manifest.json', 'manifest.json'))[0];
    const { config, diffIds } = checkConfig(`${label}: ${entry.Config}`, d.json(entry.Config, 'image config'), entry.Layers.length);
    return { config, diffIds, tags: entry.RepoTags ?? [], configDigest: saveConfigDigest(entry.Config), names: entry.Layers, digests: entry.Layers.map(() => undefined) };
  }
  if (!d.has('index.json')) throw new MsbError(`${label}: the daemon's save stream has neither manifest.json nor index.json`);
  const fetch = async (desc: { digest: string; mediaType?: string }): Promise<Fetched> => ({
    doc: d.json(`blobs/sha256/${desc.digest.slice(7)}`, `manifest ${shortDigest(desc.digest)}`),
    digest: desc.digest,
    mediaType: desc.mediaType,
  });
  const r = await resolveManifest({ doc: d.json('index.json', 'index.json'), name: 'index.json', isIndex: true }, { label, platform, fetch });
  const m = r.manifest;
  const { config, diffIds } = checkConfig(`${label}: config ${shortDigest(m.config.digest)}`, d.json(`blobs/sha256/${m.config.digest.slice(7)}`, 'image config'), m.layers.length);
  return {
    config,
    diffIds,
    tags: [],
    manifest: m,
    index: r.index,
    digest: r.digest,
    configDigest: m.config.digest,
    names: m.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
    digests: m.layers.map((l) => l.digest),
  };
}

/** A layer or a JSON document? Legacy layers are named *.tar; OCI blobs are told by content. */
function isLayer(name: string, head: Buffer): boolean {
  if (/\.tar$/.test(name)) return true;
  // JSON documents start with "{"; an empty layer is all zero blocks (sniffed as 'none').
  const c = /^blobs\//.test(name) && head.length > 0 && head[0] !== 0x7b ? sniffCompression(head) : undefined;
  return c === 'gzip' || c === 'zstd' || c === 'none';
}

/** Turns a save stream into an ImageStream: drain `layers`, then `finish()` gives the Image. */
export function imageStreamFromSave(stream: Readable, opts: SaveStreamOptions): ImageStream {
  const { label } = opts;
  const d = new SaveDocs(label);
  const hashes = new Map<string, string>();
  let result: ReturnType<ImageStream['finish']> | undefined;
  const close = async () => {
    if (!stream.destroyed) stream.destroy();
  };

  /** After the stream: the complete Image, and each layer's arrival key, bottom first. */
  const build = async (): Promise<ReturnType<ImageStream['finish']>> => {
    const { names, digests, diffIds, ...doc } = await describe(d, label, opts.platform);
    const keys = names.map((n) => d.resolveLink(n));
    let verified = true;
    const layers: LayerBlob[] = keys.map((key, index) => {
      const got = hashes.get(key);
      const shown = names[index].length > 40 ? `${names[index].slice(0, 40)}…` : names[index];
      if (!got) throw new MsbError(`${label}: layer ${index} (${names[index]}) never arrived in the daemon's save stream`);
      const blobHex = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(key)?.[1];
      // Legacy layers are uncompressed tars (hash = diff_id); OCI-layout blobs are named by their digest.
      if (got !== diffIds[index] && !(blobHex !== undefined && got === `sha256:${blobHex}`)) {
        if (blobHex || /\.tar$/.test(key)) {
          throw new MsbError(`${label}: layer ${index} (${names[index]}): digest mismatch: the daemon sent bytes hashing to ${got}, expected ${diffIds[index]}`);
        }
        verified = false;
      }
      return {
        index,
        diffId: diffIds[index],
        digest: digests[index],
        name: `${label}: layer ${index} (${shown})`,
        // The bytes streamed past once; a second read would need a second `docker save`.
        open: () => Promise.reject(new MsbError(`${label}: layer ${index} was already read from the daemon's stream`)),
      };
    });
    const image: Image = {
      // As the stream says now: resolveImage names it after it was opened.
      reference: self.reference,
      source: self.source,
      tags: doc.tags,
      config: doc.config,
      configDigest: doc.configDigest,
      digest: doc.digest,
      manifest: doc.manifest,
      index: doc.index,
      layers,
      notes: [...(opts.notes ?? [])],
      readBlob: async (digest) => d.blob(digest),
      close,
    };
    return { image, keys, verified };
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
          d.links.set(name, path.posix.normalize(path.posix.join(path.posix.dirname(name), h.linkname)));
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
        if (!isLayer(name, head)) {
          if ((h.size ?? 0) > MAX_JSON) {
            throw new MsbError(`${label}: ${name} in the save stream is neither a layer nor a small JSON document`);
          }
          const chunks = [head];
          for (let r = await it.next(); !r.done; r = await it.next()) chunks.push(r.value);
          d.docs.set(name, Buffer.concat(chunks));
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
    // Errors in the documents surface here, as the last step of draining, before any result is shown.
    result = await build();
  }

  const self: ImageStream = {
    streamed: true,
    reference: opts.reference ?? label,
    source: opts.source ?? 'daemon',
    layers: arrivals(),
    finish: () => {
      if (!result) throw new MsbError(`${label}: the image is complete only after its save stream has been read to the end`);
      return result;
    },
    close,
  };
  return self;
}
