/**
 * Writes a synthetic docker-archive (uncompressed layers, as `docker save` writes them) of any shape,
 * quickly: many layers, many files, many bytes, a long history. File data is zeros left as holes in a
 * sparse file by default (`--data zero`), so a 10 GB image takes seconds and little disk; `--data
 * random` writes real bytes. The bare layer tars go to OUT/layers/ too (also sparse) so `tar -tvf`
 * can be timed over the same bytes. Every diff_id is the sha256 of its layer's bytes, holes included.
 *
 *   node --import tsx bench/make-image.ts OUT_DIR [--layers 5000] [--files 20000] [--bytes 400MB]
 *        [--data zero|random] [--rewrite 0.1] [--history-bytes 0] [--no-layers]
 *
 * Shape: files spread evenly over the layers (paths in 1,000-file directories); from the second
 * layer on, a `--rewrite` share of a layer's files rewrite a path of an earlier layer (half the same
 * size and mode changed, half a new size), and every tenth layer deletes a file of an earlier one (a
 * whiteout). `--history-bytes N` pads the config's history (one entry per layer) to about N bytes.
 * Prints one JSON line: the archive's path, layers, files, bytes and config size.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { closeSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
}
function size(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(|k|kb|m|mb|g|gb)$/i.exec(s.trim());
  if (!m) throw new Error(`bad size ${s}`);
  const mult: Record<string, number> = { '': 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9 };
  return Math.round(Number(m[1]) * mult[m[2].toLowerCase()]);
}

const out = process.argv[2];
if (!out || out.startsWith('--')) {
  console.error('usage: make-image.ts OUT_DIR [--layers N] [--files N] [--bytes SIZE] [--data zero|random] [--rewrite R] [--history-bytes SIZE] [--no-layers]');
  process.exit(2);
}
const nLayers = Number(arg('layers', '5000'));
const nFiles = Number(arg('files', '20000'));
const totalBytes = size(arg('bytes', '400MB'));
const random = arg('data', 'zero') === 'random';
const rewrite = Number(arg('rewrite', '0.1'));
const historyBytes = size(arg('history-bytes', '0'));
const bareLayers = !process.argv.includes('--no-layers');
mkdirSync(out, { recursive: true });
if (bareLayers) mkdirSync(path.join(out, 'layers'), { recursive: true });

const BLOCK = 512;
const pad = (n: number) => Math.ceil(n / BLOCK) * BLOCK;
const pool = random ? randomBytes(64 << 20) : Buffer.alloc(0);
const ZERO = Buffer.alloc(1 << 20);

/**
 * Positioned writes to one or more files, buffered while the region is contiguous; a long run of
 * zeros is skipped (a hole) instead of written. Also hashes what it writes (holes as zeros).
 */
class Sink {
  private buf = Buffer.alloc(4 << 20);
  private len = 0;
  private at = 0; // file position of buf[0]
  pos = 0;
  hash: Hash | undefined;
  /** Each file as [fd, the sink position of its byte 0]. */
  constructor(private readonly fds: Array<[number, number]>) {}
  write(b: Buffer): void {
    this.hash?.update(b);
    if (this.at + this.len !== this.pos || this.len + b.length > this.buf.length) this.flush();
    if (b.length > this.buf.length) {
      for (const [fd, base] of this.fds) writeSync(fd, b, 0, b.length, this.pos - base);
      this.pos += b.length;
      this.at = this.pos;
      return;
    }
    b.copy(this.buf, this.len);
    this.len += b.length;
    this.pos += b.length;
  }
  zeros(n: number): void {
    if (n < 8192) {
      this.write(ZERO.subarray(0, n));
      return;
    }
    for (let left = n; left > 0; left -= ZERO.length) this.hash?.update(ZERO.subarray(0, Math.min(left, ZERO.length)));
    this.flush();
    this.pos += n;
    this.at = this.pos;
  }
  flush(): void {
    if (this.len) for (const [fd, base] of this.fds) writeSync(fd, this.buf, 0, this.len, this.at - base);
    this.at = this.pos;
    this.len = 0;
  }
}

function header(name: string, sz: number, type: '0' | '5', mode: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  let prefix = '';
  if (Buffer.byteLength(name) > 99) {
    const cut = name.lastIndexOf('/', 154);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  h.write(name, 0, 100);
  h.write(`${mode.toString(8).padStart(7, '0')}\0`, 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${sz.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\x0000', 257);
  h.write(prefix, 345, 155);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i];
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

let cursor = 0;
function entry(s: Sink, name: string, sz: number, type: '0' | '5' = '0', mode = 0o644): void {
  s.write(header(name, sz, type, mode));
  if (sz === 0) return;
  if (random) {
    for (let left = sz; left > 0; ) {
      if (cursor >= pool.length) cursor = (cursor * 7 + 13) % 4096;
      const n = Math.min(left, pool.length - cursor);
      s.write(pool.subarray(cursor, cursor + n));
      cursor += n + 1;
      left -= n;
    }
    s.zeros(pad(sz) - sz);
  } else s.zeros(pad(sz));
}

// Sizes: a hash of the index spread uniformly over [0, 2 x mean], so the total is about --bytes.
const mean = totalBytes / Math.max(1, nFiles);
const sizeOf = (i: number) => Math.floor((((i * 2654435761) >>> 0) % 1000) / 999 * 2 * mean);
const pathOf = (i: number) => `usr/share/d${Math.floor(i / 1000)}/f${i}`;

const archive = path.join(out, 'image.tar');
const afd = openSync(archive, 'w');
const outer = new Sink([[afd, 0]]);
const diffIds: string[] = [];
const layerNames: string[] = [];
let fileNo = 0;
let written = 0;
const sizes = new Map<number, number>();
for (let l = 0; l < nLayers; l++) {
  const name = `${String(l).padStart(5, '0')}.tar`;
  const bfd = bareLayers ? openSync(path.join(out, 'layers', name), 'w') : undefined;
  // The layer's bytes go to the archive after a header written once its size is known.
  const headerAt = outer.pos;
  outer.zeros(BLOCK);
  outer.flush();
  const start = outer.pos;
  const layer = new Sink(bfd === undefined ? [[afd, 0]] : [[afd, 0], [bfd, start]]);
  layer.pos = start;
  layer.hash = createHash('sha256');
  const count = Math.floor(((l + 1) * nFiles) / nLayers) - Math.floor((l * nFiles) / nLayers);
  const dirs = new Set<string>();
  for (let k = 0; k < count; k++) {
    let p: string;
    let sz: number;
    let mode = 0o644;
    if (l > 0 && fileNo > 0 && k < count * rewrite) {
      const old = (fileNo * 7919 + k) % fileNo;
      p = pathOf(old);
      const same = k % 2 === 0 && sizes.has(old);
      sz = same ? sizes.get(old)! : sizeOf(old + 1);
      if (same) mode = 0o600;
      sizes.set(old, sz);
    } else {
      const i = fileNo++;
      p = pathOf(i);
      sz = sizeOf(i);
      sizes.set(i, sz);
    }
    const d = path.posix.dirname(p);
    if (!dirs.has(d)) {
      dirs.add(d);
      entry(layer, `${d}/`, 0, '5', 0o755);
    }
    entry(layer, p, sz, '0', mode);
    written += sz;
  }
  if (l % 10 === 9 && fileNo > 0) {
    const gone = pathOf((l * 104729) % fileNo);
    entry(layer, `${path.posix.dirname(gone)}/.wh.${path.posix.basename(gone)}`, 0);
  }
  layer.zeros(2 * BLOCK); // end-of-archive
  layer.flush();
  const layerSize = layer.pos - start;
  if (bfd !== undefined) {
    ftruncateSync(bfd, layerSize);
    closeSync(bfd);
  }
  diffIds.push(`sha256:${layer.hash.digest('hex')}`);
  layerNames.push(name);
  writeSync(afd, header(name, layerSize, '0', 0o644), 0, BLOCK, headerAt);
  outer.pos = start + pad(layerSize);
  outer.zeros(0);
  outer.flush();
}

const filler = historyBytes > 0 ? Math.max(0, Math.floor(historyBytes / nLayers) - 40) : 0;
const config = Buffer.from(
  JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Entrypoint: ['/usr/share/d0/f0'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map((_, i) => ({
      created: '2026-01-01T00:00:00Z',
      created_by: `/bin/sh -c echo layer ${i}${filler ? ` ${'x'.repeat(filler)}` : ''} # buildkit`,
    })),
  }),
);
const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
outer.write(header(configName, config.length, '0', 0o644));
outer.write(config);
outer.zeros(pad(config.length) - config.length);
const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: ['bench:shape'], Layers: layerNames }]));
outer.write(header('manifest.json', manifest.length, '0', 0o644));
outer.write(manifest);
outer.zeros(pad(manifest.length) - manifest.length);
outer.zeros(2 * BLOCK);
outer.flush();
ftruncateSync(afd, outer.pos);
closeSync(afd);
console.log(JSON.stringify({ archive, layers: nLayers, files: fileNo, entriesBytes: written, archiveBytes: outer.pos, configBytes: config.length }));
