import path from 'node:path';
import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { RawHeader } from '../../tar/header.js';
import { TarParser, type EntrySink } from '../../tar/stream.js';
import { MAX_CONFIG } from '../limits.js';
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

/** No bytes from the daemon for this long (while msb waits for them) ends the read; MSB_DAEMON_IDLE_MS overrides it. */
export const DAEMON_IDLE_MS = 60_000;

/**
 * Feeds the save stream to the parser, one chunk at a time (the parser's sinks may hold it back),
 * under an idle timeout while waiting for the daemon, and stops at the end-of-archive marker: what
 * follows it (a stream of zeros, say) is never read.
 */
async function pump(stream: Readable, parser: TarParser, idleMs: number, label: string): Promise<void> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<never>((_r, reject) => {
        timer = setTimeout(() => reject(new MsbError(`${label}: the daemon sent no data for ${idleMs / 1000}s; giving up`)), idleMs);
      });
      let next: IteratorResult<Buffer>;
      try {
        next = await Promise.race([it.next(), stalled]);
      } finally {
        clearTimeout(timer);
      }
      if (next.done) break;
      await new Promise<void>((resolve, reject) => parser.write(next.value, (e) => (e ? reject(e) : resolve())));
      if (parser.ended) break;
    }
    await new Promise<void>((resolve, reject) => {
      parser.once('error', reject);
      parser.end(() => resolve());
    });
  } finally {
    if (!stream.destroyed) stream.destroy();
    void it.return?.().catch(() => undefined);
  }
}

export interface SaveStreamOptions {
  /** No bytes for this long ends the read (ms; default MSB_DAEMON_IDLE_MS or 60 s). */
  idleMs?: number;
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
  const envIdle = Number(process.env.MSB_DAEMON_IDLE_MS);
  const idleMs = opts.idleMs ?? (Number.isFinite(envIdle) && envIdle > 0 ? envIdle : DAEMON_IDLE_MS);
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
    // The parser hands each entry to a sink; layers reach the consumer through a channel, one at a time.
    const queue: Array<{ key: string; body: Readable } | { error: unknown } | { end: true }> = [];
    let wake: (() => void) | undefined;
    const send = (x: (typeof queue)[number]) => {
      queue.push(x);
      const w = wake;
      wake = undefined;
      w?.();
    };
    let current: Readable | undefined;
    const parser = new TarParser((h) => entrySink(h, (key, body) => {
      current = body;
      send({ key, body });
    }));
    parser.on('error', () => undefined); // surfaced through the write callbacks
    const pumping = pump(stream, parser, idleMs, label).then(
      () => send({ end: true }),
      (e: unknown) => send({ error: e }),
    );
    try {
      for (;;) {
        while (queue.length === 0) await new Promise<void>((r) => (wake = r));
        const x = queue.shift()!;
        if ('end' in x) break;
        if ('error' in x) throw x.error;
        yield { key: x.key, open: () => Promise.resolve(x.body) };
        // The consumer stopped early (it walked only the tar's end-of-archive marker): drain the rest.
        if (!x.body.readableEnded && !x.body.destroyed) {
          x.body.resume();
          await finished(x.body).catch(() => undefined);
        }
      }
    } catch (e) {
      if (e instanceof MsbError) throw e;
      const msg = (e as Error)?.message ?? String(e);
      throw new MsbError(`${label}: reading the daemon's save stream failed: ${msg}`);
    } finally {
      current?.destroy();
      if (!stream.destroyed) stream.destroy();
      await pumping;
    }
    // Errors in the documents surface here, as the last step of draining, before any result is shown.
    result = await build();
  }

  /** Where one archive entry's bytes go: a link, a small document, or a layer handed out as it streams. */
  function entrySink(h: RawHeader, onLayer: (key: string, body: Readable) => void): EntrySink | undefined {
    const name = path.posix.normalize(h.name.replace(/^\.\//, ''));
    if (h.type === 'symlink' && h.linkname) {
      d.links.set(name, path.posix.normalize(path.posix.join(path.posix.dirname(name), h.linkname)));
      return undefined;
    }
    if (h.type !== 'file') return undefined;
    let doc: Buffer[] | undefined;
    let layer: { body: Readable; hash: Hash; wake?: () => void } | undefined;
    const decide = (head: Buffer) => {
      if (isLayer(name, head)) {
        const l: NonNullable<typeof layer> = {
          hash: createHash('sha256'),
          body: new Readable({
            highWaterMark: 1 << 20,
            read: () => release(),
            destroy: (err, cb) => {
              release();
              cb(err);
            },
          }),
        };
        const release = () => {
          const w = l.wake;
          l.wake = undefined;
          w?.();
        };
        layer = l;
        onLayer(name, l.body);
      } else {
        if (h.size > MAX_CONFIG) throw new MsbError(`${label}: ${name} in the save stream is neither a layer nor a small JSON document (over ${MAX_CONFIG >> 20} MiB)`);
        doc = [];
      }
    };
    return {
      write(chunk) {
        if (!doc && !layer) decide(chunk);
        if (doc) {
          doc.push(chunk);
          return undefined;
        }
        const l = layer!;
        l.hash.update(chunk);
        // A consumer that destroyed the body gets nothing more; the bytes are still hashed.
        if (l.body.destroyed) return undefined;
        if (l.body.push(chunk)) return undefined;
        return new Promise<void>((r) => (l.wake = r));
      },
      end() {
        if (!doc && !layer) decide(Buffer.alloc(0));
        if (doc) d.docs.set(name, Buffer.concat(doc));
        else {
          hashes.set(name, `sha256:${layer!.hash.digest('hex')}`);
          if (!layer!.body.destroyed) layer!.body.push(null);
        }
      },
    };
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
