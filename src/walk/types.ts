/** What a layer walk yields: every entry of one layer's tar, normalised, with whiteouts split out. */

export type EntryKind = 'file' | 'hardlink' | 'symlink' | 'dir' | 'other';

export interface FileEntry {
  /** Normalised path without leading "./" or "/" and without trailing "/", e.g. "usr/bin/env". */
  path: string;
  kind: EntryKind;
  /** Size of the data in this tar entry (0 for everything but regular files). */
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Symlink target as written, or the normalised archive path a hardlink points to. */
  linkname?: string;
  /** sha256 (hex) of the content; computed only where an answer needs it. */
  digest?: string;
  /** Absolute offset of the data in the layer's file, for seekable layers (used to hash later). */
  dataOffset?: number;
  /**
   * The content of the few files a ContentCapture asked for: the whole file (package databases...),
   * or its first bytes when the capture asked for a prefix (`content.length < size`: ELF headers,
   * `#!` lines, a secret sniff).
   */
  content?: Buffer;
  /**
   * The absolute path runs the whole content spells out (path-strings.ts), for the files a
   * ContentCapture's `scan` asked for: what a static program may open. MAX_RUNS of them: cut.
   */
  named?: string[];
}

/**
 * Asks a walk to keep the content of a few small files (package databases, manifests, credential
 * files) so analysis can read them without a second pass. Bounded by the implementation: it answers
 * per file and keeps its own budget, so memory stays small however big the image is.
 */
export interface ContentCapture {
  /**
   * true to keep this regular file's whole content, a number to keep only its first that many bytes
   * (called once per file, in walk order; `mode` is the tar mode, for executables).
   */
  want(path: string, size: number, mode: number): boolean | number;
  /**
   * Asked once the prefix `want` asked for is kept (`prefix`, shorter than the file's `size`): true
   * to read the rest of the file too and list the paths its bytes name (FileEntry.named).
   */
  scan?(path: string, prefix: Buffer, size: number): boolean;
}

export type Compression = 'none' | 'gzip' | 'zstd';

export interface LayerContents {
  index: number;
  /** Entries in tar order, whiteout markers excluded. */
  entries: FileEntry[];
  /** Paths this layer deletes from the layers below (from `.wh.<name>` markers). */
  whiteouts: string[];
  /** Directories whose lower-layer contents this layer hides (`.wh..wh..opq`). */
  opaqueDirs: string[];
  /** Size of the uncompressed tar stream, when it was read in full. */
  tarBytes?: number;
  compression: Compression;
  /** true when the blob digest and diff_id were checked against the bytes (--verify, registry). */
  verified: boolean;
}
