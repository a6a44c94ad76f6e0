import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { buildImages, comparable, removeDir, tempDir } from './helpers.js';
import { openArchive } from '../../src/source/archive/open.js';
import { imageStreamFromSave } from '../../src/source/daemon/savestream.js';
import { inspect } from '../../src/pipeline/inspect.js';
import { buildJsonReport } from '../../src/report/json.js';
import type { ImageIndex, ImageManifest, ImageStream } from '../../src/source/types.js';

/**
 * The save-stream parser on the Docker 25+ OCI-layout save shape, which Debian's dockerd 20.10 cannot
 * produce: HAND-BUILT streams assembled from a real buildah OCI layout (real blobs, real manifest and
 * config), in the order Docker 25 writes them (blobs, then legacy symlinks, index.json, manifest.json).
 */

let W: string;
let oci: string;
let index: ImageIndex;
let manifest: ImageManifest;
let manifestDigest: string;
let expected: ReturnType<typeof comparable>;

const blob = (d: string) => readFile(path.join(oci, 'blobs', 'sha256', d.slice(7)));

before(async () => {
  W = await tempDir('savestream');
  await buildImages(path.join(W, 'img'));
  oci = path.join(W, 'img', 'app-oci');
  index = JSON.parse(await readFile(path.join(oci, 'index.json'), 'utf8'));
  manifestDigest = index.manifests[0].digest;
  manifest = JSON.parse((await blob(manifestDigest)).toString());
  const img = await openArchive(oci);
  expected = comparable(buildJsonReport(await inspect(img, { verify: true })) as never);
  await img.close();
});

after(async () => {
  if (W) await removeDir(W);
});

interface Entry {
  name: string;
  data?: Buffer;
  link?: string;
}

async function saveStream(entries: Entry[]): Promise<Readable> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.link) pack.entry({ name: e.name, type: 'symlink', linkname: e.link });
    else pack.entry({ name: e.name, size: e.data!.length }, e.data!);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  // Odd-sized chunks, as a socket delivers them.
  const all = Buffer.concat(chunks);
  const parts: Buffer[] = [];
  for (let i = 0; i < all.length; i += 7777) parts.push(all.subarray(i, i + 7777));
  return Readable.from(parts);
}

async function streamOf(entries: Entry[]): Promise<ImageStream> {
  return imageStreamFromSave(await saveStream(entries), { label: 'hand-built' });
}

async function docker25Entries(opts: { manifestJson: boolean; dropLayer?: number; corruptLayer?: number }): Promise<Entry[]> {
  const entries: Entry[] = [];
  for (const [i, l] of manifest.layers.entries()) {
    if (i === opts.dropLayer) continue;
    let data = await blob(l.digest);
    if (i === opts.corruptLayer) data = Buffer.concat([data.subarray(0, data.length - 1), Buffer.from([data[data.length - 1] ^ 1])]);
    entries.push({ name: `blobs/sha256/${l.digest.slice(7)}`, data });
  }
  entries.push({ name: `blobs/sha256/${manifest.config.digest.slice(7)}`, data: await blob(manifest.config.digest) });
  entries.push({ name: `blobs/sha256/${manifestDigest.slice(7)}`, data: await blob(manifestDigest) });
  for (const l of manifest.layers) entries.push({ name: `${l.digest.slice(7, 71)}/layer.tar`, link: `../blobs/sha256/${l.digest.slice(7)}` });
  entries.push({ name: 'index.json', data: Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ ...index.manifests[0], annotations: { 'io.containerd.image.name': 'docker.io/library/app:latest' } }] })) });
  if (opts.manifestJson) {
    entries.push({
      name: 'manifest.json',
      data: Buffer.from(JSON.stringify([{ Config: `blobs/sha256/${manifest.config.digest.slice(7)}`, RepoTags: ['app:latest'], Layers: manifest.layers.map((l) => `${l.digest.slice(7, 71)}/layer.tar`) }])),
    });
  }
  entries.push({ name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') });
  return entries;
}

test('Docker 25+ save stream (OCI layout + manifest.json with legacy symlinks) gives the layout analysis', async () => {
  const stream = await streamOf(await docker25Entries({ manifestJson: true }));
  assert.throws(() => stream.finish(), /only after its save stream has been read/);
  const ins = await inspect(stream);
  const img = ins.image;
  assert.equal(img, stream.finish().image, 'finish() gives the Image the walk reported');
  assert.equal(stream.finish().verified, true);
  await assert.rejects(img.layers[0].open(), /already read from the daemon's stream/);
  const rep = buildJsonReport(ins);
  assert.deepEqual(rep.image.tags, ['app:latest']);
  assert.equal(rep.image.configDigest, manifest.config.digest);
  assert.deepEqual(comparable(rep as never), expected);
  assert.equal(img.layers[2].diffId, expected.layers[2].diffId);
  assert.equal(JSON.parse((await img.readBlob!(manifest.config.digest)).toString()).rootfs.diff_ids.length, manifest.layers.length, 'blobs readable');
  await assert.rejects(img.readBlob!(`sha256:${'e'.repeat(64)}`), /not in the daemon's save stream/);
});

test('an index.json-only stream (containerd export shape) resolves through the OCI manifest', async () => {
  const ins = await inspect(await streamOf(await docker25Entries({ manifestJson: false })));
  const img = ins.image;
  const rep = buildJsonReport(ins);
  assert.equal(rep.image.digest, manifestDigest);
  assert.deepEqual(comparable(rep as never), expected);
  assert.ok(img.manifest, 'the OCI manifest is kept');
});

test('a layer that never arrives, or arrives with the wrong bytes, is an error, not a partial result', async () => {
  const missing = await streamOf(await docker25Entries({ manifestJson: true, dropLayer: 1 }));
  await assert.rejects(inspect(missing), /hand-built: layer 1 \([0-9a-f]{64}\/layer\.tar\) never arrived in the daemon's save stream/);
  const bad = await streamOf(await docker25Entries({ manifestJson: true, corruptLayer: 4 }));
  await assert.rejects(inspect(bad), /hand-built: .*(digest mismatch|corrupt)/);
  const none = await streamOf([{ name: 'repositories', data: Buffer.from('{}') }]);
  await assert.rejects(inspect(none), /neither manifest\.json nor index\.json/);
});
