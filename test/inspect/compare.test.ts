/**
 * Same-size rewrites are settled by comparing the two copies' bytes where they are (positioned reads,
 * stopping at the first difference): equal bytes, a difference past the first read, a streamed copy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sameContent, type DigestJob } from '../../src/walk/digests.js';
import type { LayerBlob } from '../../src/source/types.js';
import type { FileEntry } from '../../src/walk/types.js';

test('sameContent: equal, different late, different early, and not seekable', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'msb-cmp-'));
  try {
    const size = 3 << 20; // several reads: the comparison grows its reads up to 1 MiB
    const a = Buffer.alloc(size, 7);
    const late = Buffer.from(a);
    late[size - 1] = 8;
    const early = Buffer.from(a);
    early[0] = 9;
    const file = path.join(dir, 'layers');
    // Copies at odd offsets in one file, as layers of one archive are.
    writeFileSync(file, Buffer.concat([Buffer.alloc(512), a, a, late, early]));
    const blob: LayerBlob = { index: 0, diffId: '', name: 'layer', open: () => { throw new Error('not streamed'); }, location: { file, offset: 0, size: 512 + 4 * size } };
    const job = (i: number, extra: Partial<FileEntry> = {}): DigestJob => [{ path: `f${i}`, kind: 'file', size, mode: 0o644, uid: 0, gid: 0, mtime: 0, dataOffset: 512 + i * size, ...extra }, blob];
    const got = await sameContent([
      [job(0), job(1)],
      [job(0), job(2)],
      [job(0), job(3)],
      [job(0), job(1, { dataOffset: undefined })],
      [job(0, { dataOffset: undefined, digest: 'x' }), job(1, { dataOffset: undefined, digest: 'x' })],
    ]);
    assert.deepEqual(got, [true, false, false, undefined, true]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
