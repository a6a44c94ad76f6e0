import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { readSync } from 'node:fs';
import type { LayerBlob } from '../source/types.js';
import { contextError } from '../errors.js';
import type { FileEntry, LayerContents } from './types.js';

/**
 * Content digests are needed only to tell a metadata-only rewrite (chmod, chown, touch) from a real
 * one: that is, for a path that reappears in a later layer with the same size. Seek-walked layers
 * have no digests yet; this finds the few entries that need one and hashes just their bytes.
 */
export function entriesNeedingDigest(layers: LayerContents[]): FileEntry[] {
  const last = new Map<string, FileEntry>();
  const need = new Set<FileEntry>();
  for (const layer of layers) {
    for (const e of layer.entries) {
      if (e.kind !== 'file' || e.size === 0) continue;
      const prev = last.get(e.path);
      if (prev && prev.size === e.size) {
        need.add(prev);
        need.add(e);
      }
      last.set(e.path, e);
    }
  }
  return [...need].filter((e) => e.digest === undefined);
}

/** Hashes the data of seek-walked entries by positioned reads (their bytes were skipped before). */
export async function hashEntries(layers: LayerContents[], blobs: LayerBlob[]): Promise<number> {
  const todo = entriesNeedingDigest(layers);
  if (todo.length === 0) return 0;
  const byFile = new Map<string, FileEntry[]>();
  const owner = new Map<FileEntry, LayerBlob>();
  for (const layer of layers) {
    for (const e of layer.entries) owner.set(e, blobs[layer.index]);
  }
  for (const e of todo) {
    const blob = owner.get(e)!;
    const file = blob.location!.file;
    if (!byFile.has(file)) byFile.set(file, []);
    byFile.get(file)!.push(e);
  }
  let hashed = 0;
  const buf = Buffer.alloc(1 << 20);
  for (const [file, entries] of byFile) {
    entries.sort((a, b) => a.dataOffset! - b.dataOffset!);
    const fh = await open(file, 'r');
    try {
      for (const e of entries) {
        const h = createHash('sha256');
        let pos = e.dataOffset!;
        let left = e.size;
        while (left > 0) {
          // Synchronous: small page-cache reads, where a thread-pool round trip dominates.
          const bytesRead = readSync(fh.fd, buf, 0, Math.min(buf.length, left), pos);
          if (bytesRead === 0) throw contextError(owner.get(e)!.name, new Error(`truncated data for ${e.path}`));
          h.update(buf.subarray(0, bytesRead));
          pos += bytesRead;
          left -= bytesRead;
        }
        e.digest = h.digest('hex');
        hashed += e.size;
      }
    } finally {
      await fh.close();
    }
  }
  return hashed;
}
