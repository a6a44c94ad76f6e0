/**
 * Both zstd decoders (the zstd program over pipes, and fzstd in JS as the fallback) on the real
 * zstd layers buildah wrote (test/fixtures/images/delete-zstd), and on damaged copies of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decompressor, type ZstdDecoder } from '../../src/walk/decompress.js';
import { fixture } from '../helpers/cli.js';

const dir = fixture('delete-zstd');
const blob = (d: string) => readFileSync(path.join(dir, 'blobs/sha256', d.split(':')[1]));
const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8'));
const manifest = JSON.parse(blob(index.manifests[0].digest).toString());
const config = JSON.parse(blob(manifest.config.digest).toString());
// The busybox layer: the biggest, so multi-chunk streaming is exercised.
const layer = blob(manifest.layers[0].digest);
const diffId: string = config.rootfs.diff_ids[0];

async function decode(input: Buffer, how: ZstdDecoder): Promise<string> {
  const h = createHash('sha256');
  await pipeline(Readable.from([input.subarray(0, 100_000), input.subarray(100_000)]), decompressor('zstd', how)!, async (src: AsyncIterable<Buffer>) => {
    for await (const c of src) h.update(c);
  });
  return `sha256:${h.digest('hex')}`;
}

for (const how of ['cli', 'js'] as const) {
  test(`zstd (${how}): a real layer decodes to its diff_id`, async () => {
    assert.equal(manifest.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
    assert.equal(await decode(layer, how), diffId);
  });

  test(`zstd (${how}): a truncated layer is an error, not a short layer`, async () => {
    await assert.rejects(decode(layer.subarray(0, Math.floor(layer.length / 2)), how), /zstd|truncated|end/i);
  });
}

test('zstd (cli): corrupt data is an error', async () => {
  const bad = Buffer.from(layer);
  for (let i = 1000; i < bad.length - 1000; i += 997) bad[i] ^= 0x5a;
  await assert.rejects(decode(bad, 'cli'), /corrupt or truncated zstd data/);
});
