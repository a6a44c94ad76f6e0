/**
 * A fleet for `msb scan` benchmarks from one OCI layout (bench/make-big-image.ts writes big-oci/):
 * image k holds the first k layers, as images built on one another do (a base, the base plus a
 * runtime, ...). Layer blobs are hard links to the source layout's, so it costs no disk.
 *
 *   node --import tsx bench/make-fleet.ts OCI_DIR OUT_DIR     → OUT_DIR/img1 ... OUT_DIR/imgN
 */
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [src, out] = process.argv.slice(2);
if (!src || !out) {
  console.error('usage: make-fleet.ts OCI_DIR OUT_DIR');
  process.exit(2);
}
const blob = (d: string) => path.join(src, 'blobs/sha256', d.replace(/^sha256:/, ''));
const index = JSON.parse(readFileSync(path.join(src, 'index.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
const config = JSON.parse(readFileSync(blob(manifest.config.digest), 'utf8'));
const n = manifest.layers.length;
for (let k = 1; k <= n; k++) {
  const dir = path.join(out, `img${k}`);
  mkdirSync(path.join(dir, 'blobs/sha256'), { recursive: true });
  for (const l of manifest.layers.slice(0, k)) {
    const to = path.join(dir, 'blobs/sha256', l.digest.slice(7));
    if (!existsSync(to)) linkSync(blob(l.digest), to);
  }
  const c = JSON.stringify({ ...config, rootfs: { type: 'layers', diff_ids: config.rootfs.diff_ids.slice(0, k) }, history: config.history?.slice(0, k) });
  const cHex = createHash('sha256').update(c).digest('hex');
  writeFileSync(path.join(dir, 'blobs/sha256', cHex), c);
  const m = JSON.stringify({ ...manifest, config: { ...manifest.config, digest: `sha256:${cHex}`, size: Buffer.byteLength(c) }, layers: manifest.layers.slice(0, k) });
  const mHex = createHash('sha256').update(m).digest('hex');
  writeFileSync(path.join(dir, 'blobs/sha256', mHex), m);
  writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${mHex}`, size: Buffer.byteLength(m) }] }));
  writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
}
console.error(`${n} images in ${out}`);
