import type { EntryKind, FileEntry } from '../walk/types.js';

/** Results of merging an image's layers. Pure data: no I/O, no view concerns. */

/**
 * Why shipped bytes are not visible in the final filesystem:
 * - overwritten: a later layer put different content (or a different kind of entry) at the path;
 * - metadata: a later layer re-shipped identical content only to change mode/owner/mtime;
 * - deleted: a later layer removed the path (whiteout, opaque directory).
 */
export type WasteKind = 'overwritten' | 'metadata' | 'deleted';

export interface WasteItem {
  path: string;
  bytes: number;
  kind: WasteKind;
  /** Layer index that shipped the bytes. */
  shippedIn: number;
  /** Layer index that hid them. */
  hiddenBy: number;
}

export type ChangeKind = 'added' | 'modified' | 'metadata' | 'removed';

/** One thing a layer did to the filesystem. */
export interface Change {
  path: string;
  kind: ChangeKind;
  entryKind: EntryKind;
  /** Bytes the layer shipped at the path (for `removed`: bytes it hid). */
  size: number;
}

export interface TreeNode {
  name: string;
  kind: EntryKind;
  /** Own size for files; total of visible file bytes below for directories. */
  size: number;
  /** Layer that last wrote this entry (-1 for directories implied by their contents). */
  layer: number;
  mode: number;
  uid: number;
  gid: number;
  linkname?: string;
  /** The regular-file entry whose bytes this node makes visible (itself, or a hardlink's target). */
  data?: FileEntry;
  children?: Map<string, TreeNode>;
}

export interface LayerStats {
  index: number;
  /** Sum of regular-file sizes in the layer (hardlinks add 0). */
  bytes: number;
  /** Regular files and hardlinks in the layer. */
  files: number;
  /** Bytes this layer shipped that are not visible in the final filesystem. */
  wastedBytes: number;
  /** Bytes of lower layers this layer hid. */
  hidBytes: number;
  changes: Change[];
}

export interface Analysis {
  layers: LayerStats[];
  waste: WasteItem[];
  root: TreeNode;
  totalBytes: number;
  finalBytes: number;
  wastedBytes: number;
  /** Regular files and hardlinks visible in the final filesystem. */
  files: number;
  /** finalBytes / totalBytes (1 for an empty image). */
  efficiency: number;
}
