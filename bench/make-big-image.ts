/**
 * Writes a large synthetic image for benchmarks: a docker-archive (uncompressed layers, like
 * `docker save`) and an OCI layout with gzip layers, plus the bare layer tars so `tar -tvf` can be
 * timed over the same bytes. Default: ~2 GB and ~200,000 files across 4 layers, with overwrites,
 * metadata-only rewrites and a deleted directory so every analysis path is exercised.
 *
 *   node --import tsx bench/make-big-image.ts OUT_DIR [--scale 1.0]
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync, statSync, createReadStream, renameSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import tar from 'tar-stream';

const out = process.argv[2];
if (!out) {
  console.error('usage: make-big-image.ts OUT_DIR [--scale N]');
  process.exit(2);
}
const scale = Number(process.argv[process.argv.indexOf('--scale') + 1] || 1) || 1;
mkdirSync(path.join(out, 'layers'), { recursive: true });

// One pool of random bytes, sliced at varying offsets, keeps generation fast while content differs.
const pool = randomBytes(64 << 20);
let cursor = 0;
function content(size: number): Buffer {
  if (cursor + size > pool.length) cursor = (cursor * 7 + 13) % 4096;
  const b = pool.subarray(cursor, cursor + size);
  cursor += size + 1;
  return b;
}

interface Spec {
  name: string;
  files: Array<{ path: string; size: number; data?: Buffer; mode?: number }>;
  whiteouts?: string[];
}

function sizeFor(i: number): number {
  // Mostly small files with a long tail, averaging ~10 KB.
  const r = (i * 2654435761) % 1000;
  if (r < 700) return 512 + (r * 13) % 4096;
  if (r < 950) return 8192 + (r * 97) % 24576;
  return 65536 + (r * 331) % 262144;
}

const n0 = Math.round(100_000 * scale);
const n1 = Math.round(60_000 * scale);
const n2 = Math.round(30_000 * scale);
const n3 = Math.round(40_000 * scale);
const remembered = new Map<string, Buffer>();

const specs: Spec[] = [
  {
    name: 'base',
    files: Array.from({ length: n0 }, (_, i) => {
      const p = `usr/lib/pkg${i % 500}/file${i}.so`;
      const data = content(sizeFor(i));
      if (i % 10 === 0) remembered.set(p, Buffer.from(data));
      return { path: p, size: data.length, data };
    }),
  },
  {
    name: 'app',
    files: Array.from({ length: n1 }, (_, i) => {
      const data = content(sizeFor(i + 7));
      return { path: `app/node_modules/m${i % 800}/f${i}.js`, size: data.length, data };
    }),
  },
  {
    // Rewrites 10% of the base: half identical content with a new mode (metadata), half new content.
    name: 'rewrite',
    files: Array.from({ length: n2 }, (_, i) => {
      const p = `usr/lib/pkg${(i * 10) % 500}/file${i * 10}.so`;
      const old = remembered.get(p);
      if (old && i % 2 === 0) return { path: p, size: old.length, data: old, mode: 0o600 };
      const data = content(sizeFor(i * 10));
      return { path: p, size: data.length, data };
    }).filter((f) => remembered.has(f.path)),
  },
  {
    name: 'cleanup',
    files: Array.from({ length: n3 }, (_, i) => {
      const data = content(sizeFor(i + 3));
      return { path: `var/tmp/t${i}`, size: data.length, data };
    }),
    whiteouts: Array.from({ length: 40 }, (_, i) => `app/node_modules/m${i}`),
  },
];

async function writeLayer(spec: Spec): Promise<{ file: string; diffId: string; size: number; files: number }> {
  const file = path.join(out, 'layers', `${spec.name}.tar`);
  const pack = tar.pack();
  const hash = createHash('sha256');
  const ws = createWriteStream(file);
  const done = pipeline(pack, async function* (src) {
    for await (const c of src) {
      hash.update(c as Buffer);
      yield c;
    }
  }, ws);
  const dirs = new Set<string>();
  for (const f of spec.files) {
    const d = path.posix.dirname(f.path);
    if (!dirs.has(d)) {
      dirs.add(d);
      pack.entry({ name: `${d}/`, type: 'directory', mode: 0o755, mtime: new Date(0) });
    }
    pack.entry({ name: f.path, size: f.size, mode: f.mode ?? 0o644, mtime: new Date(0) }, f.data!);
  }
  for (const w of spec.whiteouts ?? []) {
    pack.entry({ name: `${path.posix.dirname(w)}/.wh.${path.posix.basename(w)}`, size: 0, mtime: new Date(0) }, Buffer.alloc(0));
  }
  pack.finalize();
  await done;
  return { file, diffId: `sha256:${hash.digest('hex')}`, size: statSync(file).size, files: spec.files.length };
}

const layers = [];
for (const s of specs) {
  const l = await writeLayer(s);
  layers.push(l);
  console.error(`layer ${s.name}: ${l.files} files, ${(l.size / 1e6).toFixed(0)} MB`);
}

const config = JSON.stringify({
  architecture: 'amd64',
  os: 'linux',
  rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
  history: specs.map((s) => ({ created_by: `/bin/sh -c #(nop) bench layer ${s.name}` })),
});
const configHex = createHash('sha256').update(config).digest('hex');

// docker-archive via GNU tar (layers uncompressed, as docker save writes them).
const da = path.join(out, 'docker-archive');
mkdirSync(da, { recursive: true });
writeFileSync(path.join(da, `${configHex}.json`), config);
for (const l of layers) renameSync(l.file, path.join(da, `${path.basename(l.file, '.tar')}.tar`));
writeFileSync(
  path.join(da, 'manifest.json'),
  JSON.stringify([{ Config: `${configHex}.json`, RepoTags: ['bench:big'], Layers: layers.map((l) => `${path.basename(l.file)}`) }]),
);
execFileSync('tar', ['-C', da, '-cf', path.join(out, 'big.tar'), '.']);
console.error(`docker-archive: ${(statSync(path.join(out, 'big.tar')).size / 1e9).toFixed(2)} GB`);

// OCI layout with gzip layers (level 1, like fast CI pushes).
if (!process.argv.includes('--no-gzip')) {
  const oci = path.join(out, 'big-oci');
  mkdirSync(path.join(oci, 'blobs/sha256'), { recursive: true });
  const descs = [];
  for (const l of layers) {
    const tmp = path.join(oci, 'blobs/tmp');
    const h = createHash('sha256');
    await pipeline(createReadStream(path.join(da, path.basename(l.file)), { highWaterMark: 1 << 20 }), createGzip({ level: 1 }), async function* (src) {
      for await (const c of src) {
        h.update(c);
        yield c;
      }
    }, createWriteStream(tmp));
    const hex = h.digest('hex');
    renameSync(tmp, path.join(oci, 'blobs/sha256', hex));
    descs.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${hex}`, size: statSync(path.join(oci, 'blobs/sha256', hex)).size });
  }
  writeFileSync(path.join(oci, 'blobs/sha256', configHex), config);
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${configHex}`, size: config.length }, layers: descs });
  const mHex = createHash('sha256').update(manifest).digest('hex');
  writeFileSync(path.join(oci, 'blobs/sha256', mHex), manifest);
  writeFileSync(path.join(oci, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${mHex}`, size: manifest.length }] }));
  writeFileSync(path.join(oci, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  console.error('oci layout (gzip) written');
}
