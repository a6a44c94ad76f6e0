import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { contextError } from '../errors.js';
import type { LayerBlob } from '../source/types.js';
import type { FileEntry } from './types.js';

/**
 * Content digests are needed only where sizes cannot tell: a path that reappears in a later layer
 * with the same size (a metadata-only rewrite, or new content?), or the same path in two images
 * being compared. Seek-walked layers have no digests; these hash just the bytes asked for.
 */

/** An entry to hash, with the layer blob that holds its bytes. */
export type DigestJob = [FileEntry, LayerBlob];

/**
 * Hashes the data of seek-walked entries by positioned reads; entries that already have a digest
 * (streamed layers hash as they go) are skipped. Returns the bytes hashed.
 */
export async function hashEntries(jobs: DigestJob[]): Promise<number> {
  const byFile = new Map<string, DigestJob[]>();
  for (const job of jobs) {
    const [e, blob] = job;
    if (e.digest !== undefined || e.dataOffset === undefined || !blob.location) continue;
    const list = byFile.get(blob.location.file) ?? [];
    list.push(job);
    byFile.set(blob.location.file, list);
  }
  let hashed = 0;
  const buf = Buffer.alloc(1 << 20);
  for (const [file, list] of byFile) {
    list.sort((a, b) => a[0].dataOffset! - b[0].dataOffset!);
    const fh = await open(file, 'r');
    try {
      for (const [e, blob] of list) {
        const h = createHash('sha256');
        let pos = e.dataOffset!;
        let left = e.size;
        while (left > 0) {
          // Synchronous: small page-cache reads, where a thread-pool round trip dominates.
          const bytesRead = readSync(fh.fd, buf, 0, Math.min(buf.length, left), pos);
          if (bytesRead === 0) throw contextError(blob.name, new Error(`truncated data for ${e.path}`));
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
