import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { contextError } from '../errors.js';
import { nodeCrypto } from '../lazy-node.js';
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
        const h = nodeCrypto().createHash('sha256');
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

/** First read of a comparison: different files nearly always differ in their first bytes. */
const FIRST_CMP = 4 << 10;
const MAX_CMP = 1 << 20;

/**
 * Whether two seek-walked entries of the same size hold the same bytes, for each pair: read side by
 * side and compared, stopping at the first difference. A same-size rewrite is usually new content
 * (settled by the first read) or a chmod/chown/touch (equal bytes, compared at memory speed): either
 * way far cheaper than hashing both copies in full. `undefined` where a side cannot be read by
 * position (a streamed layer): the caller hashes those instead.
 */
export async function sameContent(pairs: Array<[DigestJob, DigestJob]>): Promise<Array<boolean | undefined>> {
  const handles = new Map<string, FileHandle>();
  const fdOf = async (file: string): Promise<number> => {
    let fh = handles.get(file);
    if (!fh) handles.set(file, (fh = await open(file, 'r')));
    return fh.fd;
  };
  // Grown on demand: most comparisons end with the first read.
  let a = Buffer.allocUnsafe(FIRST_CMP);
  let b = Buffer.allocUnsafe(FIRST_CMP);
  const out: Array<boolean | undefined> = [];
  try {
    for (const [[x, xb], [y, yb]] of pairs) {
      if (x.digest !== undefined && y.digest !== undefined) {
        out.push(x.digest === y.digest);
        continue;
      }
      if (x.dataOffset === undefined || y.dataOffset === undefined || !xb.location || !yb.location || x.size !== y.size) {
        out.push(undefined);
        continue;
      }
      const fx = await fdOf(xb.location.file);
      const fy = xb.location.file === yb.location.file ? fx : await fdOf(yb.location.file);
      let same = true;
      for (let done = 0, want = FIRST_CMP; same && done < x.size; want = Math.min(MAX_CMP, want * 2)) {
        const n = Math.min(want, x.size - done);
        if (a.length < n) {
          a = Buffer.allocUnsafe(want);
          b = Buffer.allocUnsafe(want);
        }
        // Synchronous: page-cache reads, where a thread-pool round trip costs more than the read.
        if (readSync(fx, a, 0, n, x.dataOffset + done) < n) throw contextError(xb.name, new Error(`truncated data for ${x.path}`));
        if (readSync(fy, b, 0, n, y.dataOffset + done) < n) throw contextError(yb.name, new Error(`truncated data for ${y.path}`));
        same = a.compare(b, 0, n, 0, n) === 0;
        done += n;
      }
      out.push(same);
    }
  } finally {
    await Promise.all([...handles.values()].map((fh) => fh.close()));
  }
  return out;
}
