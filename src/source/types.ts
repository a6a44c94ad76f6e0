import type { Readable } from 'node:stream';

/**
 * The image model every source yields (archive, OCI layout, daemon, registry), in the spirit of
 * go-containerregistry's v1.Image: a config, an ordered list of layer blobs, and where they came from.
 */

/** One entry of the image config's `history` (OCI image spec, "history"). */
export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  /** true when the step produced no layer (ENV, CMD, buildah's WORKDIR, ...). */
  empty_layer?: boolean;
}

/** The image config blob (OCI `application/vnd.oci.image.config.v1+json`, Docker's is a superset). */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
  };
  rootfs?: { type: string; diff_ids: string[] };
  history?: HistoryEntry[] | null;
}

/** An OCI descriptor (also used for Docker v2 schema 2 manifests, which share the shape). */
export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** OCI image manifest / Docker v2 schema 2 manifest. */
export interface ImageManifest {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** OCI image index / Docker manifest list. */
export interface ImageIndex {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** A byte range of a local file holding a blob, so uncompressed layers can be walked by seeking. */
export interface BlobLocation {
  file: string;
  offset: number;
  size: number;
}

export type SourceKind = 'docker-archive' | 'oci-layout' | 'oci-archive' | 'daemon' | 'registry';

/** One layer as stored: possibly compressed; the walker sniffs the format from its first bytes. */
export interface LayerBlob {
  /** 0-based position in the image's layer list (bottom first). */
  index: number;
  /** Digest of the uncompressed tar, from the config's rootfs.diff_ids. */
  diffId: string;
  /** Digest of the stored blob, when the source knows it (OCI manifests, registries). */
  digest?: string;
  /** Stored (possibly compressed) bytes, when known: the descriptor's size or the local file range. */
  size?: number;
  mediaType?: string;
  /** How the layer is named in errors: "layer 3 (blobs/sha256/ab12…)". */
  name: string;
  /** Set when the blob is a range of a local file: enables seek-only header walks. */
  location?: BlobLocation;
  /** The raw stored bytes, streaming. */
  open(): Promise<Readable>;
  /**
   * The source guarantees the bytes open() gives match `digest`: it checked them already (a
   * verified cache entry) or checks them as they stream, failing the read on a mismatch (registry).
   * A walk that completes then counts the layer as verified without --verify.
   */
  sourceVerified?: boolean;
}

/** A layer as it arrives inside a larger stream (a daemon's save stream), before its position is known. */
export interface ArrivingLayer {
  /** The archive path it arrived under ("<id>/layer.tar", "blobs/sha256/<hex>"). */
  key: string;
  /** The layer's stored bytes; must be read to the end before the next arrival is pulled. */
  open(): Promise<Readable>;
}

/** How an image was served from the cache instead of its registry. */
export interface OfflineSource {
  /** "--offline", or why the registry could not be reached ("connection refused", "unknown host"…). */
  reason: string;
  /** When the tag's manifest record was written (ISO 8601); absent for a by-digest reference. */
  fetchedAt?: string;
  /** How old that record was when used, in whole seconds. */
  ageSeconds?: number;
  /** The one line printed to stderr (without "msb: "), e.g. "registry h:5000 unreachable (…); using the manifest cached 3 hours ago for h:5000/app:1". */
  notice: string;
}

/** A complete image: everything is known up front and each layer can be opened (again) on demand. */
export interface Image {
  /** What the user asked for (path, reference), for the report. */
  reference: string;
  source: SourceKind;
  /** Manifest digest when known. */
  digest?: string;
  /** Tags the source recorded (docker-archive RepoTags, OCI ref.name). */
  tags: string[];
  config: ImageConfig;
  configDigest?: string;
  layers: LayerBlob[];
  /** The OCI/Docker manifest when the source had one. */
  manifest?: ImageManifest;
  /** The index the manifest was selected from, if any (attestations live there). */
  index?: ImageIndex;
  /** Notes about how the image was read, e.g. "archive holds 2 images; using the first". */
  notes: string[];
  /** Set when a registry image was read from msb's cache without asking the registry (docs/sources.md, "Offline"). */
  offline?: OfflineSource;
  /**
   * Reads a small blob (manifest, config, attestation) by digest from wherever the image lives.
   * Absent when the source cannot address blobs (docker save archives without an OCI layout).
   */
  readBlob?(digest: string): Promise<Buffer>;
  /** Releases file handles or connections. */
  close(): Promise<void>;
}

/**
 * A streamed image (a daemon's `docker save`): layers arrive before the manifest says their order.
 * Drain `layers` (each read to its end before the next is pulled), then call `finish()`.
 */
export interface ImageStream {
  readonly streamed: true;
  /** What the user asked for, for messages and the report. */
  reference: string;
  source: SourceKind;
  layers: AsyncIterable<ArrivingLayer>;
  /**
   * Once `layers` has ended: the complete Image (config, manifest, layers, tags, notes), and for each
   * of image.layers (bottom first) the key its bytes arrived under. `verified`: every layer's bytes
   * were checked against its diff_id or digest while they streamed.
   */
  finish(): { image: Image; keys: string[]; verified: boolean };
  close(): Promise<void>;
}

/** What resolving an image reference gives: a random-access image, or a stream of one. */
export type AnyImage = Image | ImageStream;

export function isImageStream(x: Image | ImageStream): x is ImageStream {
  return (x as ImageStream).streamed === true;
}
