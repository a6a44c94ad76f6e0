/**
 * HAND-BUILT tarballs, for hostile and odd input only (corrupt, truncated, path-escaping, ...): the
 * inputs real tools refuse to produce. Everything that tests normal behaviour uses real images built
 * by buildah / docker (test/fixtures/).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export interface HandEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  data?: Buffer | string;
  linkname?: string;
  mode?: number;
}

export async function tarBuffer(entries: HandEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (c) => chunks.push(c as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const e of entries) {
    const data = e.data === undefined ? undefined : Buffer.from(e.data);
    await new Promise<void>((resolve, reject) => {
      const header = { name: e.name, type: e.type ?? 'file', mode: e.mode ?? (e.type === 'directory' ? 0o755 : 0o644), linkname: e.linkname, size: data?.length ?? 0, mtime: new Date(0) };
      pack.entry(header, data ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  return done;
}

export const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A docker-archive (docker save layout) around the given layer blobs. */
export async function dockerArchive(
  out: string,
  layers: Buffer[],
  opts: { diffIds?: string[]; manifest?: string; omit?: string[]; /** The config document as is (hostile shapes). */ config?: string } = {},
): Promise<string> {
  const diffIds = opts.diffIds ?? layers.map((l) => sha256(l));
  const config = opts.config ?? JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: layers.map((_, i) => ({ created_by: `/bin/sh -c #(nop) hand-built layer ${i}` })),
  });
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  const names = layers.map((_, i) => `layer${i}/layer.tar`);
  const manifest = opts.manifest ?? JSON.stringify([{ Config: configName, RepoTags: ['hand:built'], Layers: names }]);
  const entries: HandEntry[] = [
    ...layers.map((l, i) => ({ name: names[i], data: l })),
    { name: configName, data: config },
    { name: 'manifest.json', data: manifest },
  ].filter((e) => !(opts.omit ?? []).includes(e.name));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, await tarBuffer(entries));
  return out;
}

export async function simpleLayer(files: Record<string, string>): Promise<Buffer> {
  return tarBuffer(Object.entries(files).map(([name, data]) => ({ name, data })));
}

export { gzipSync };

/**
 * A raw ustar header block, for entries tar-stream will not write (bad sizes, odd types). `size` is
 * a number (octal) or the 12 raw bytes of the field.
 */
export function rawHeader(name: string, size: number | Buffer, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  if (typeof size === 'number') h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  else size.copy(h, 124, 0, 12);
  h.write('00000000000\0', 136);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.fill(' ', 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i];
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** Data padded to the 512-byte block size. */
export const padded = (b: Buffer | string): Buffer => {
  const d = Buffer.from(b);
  return Buffer.concat([d, Buffer.alloc((512 - (d.length % 512)) % 512)]);
};

/** A pax extended header ('x', or 'g' for global) carrying these records. */
export function paxHeader(records: Record<string, string>, type = 'x'): Buffer {
  let body = '';
  for (const [k, v] of Object.entries(records)) {
    const rec = ` ${k}=${v}\n`;
    let len = rec.length + 1;
    while (String(len).length + rec.length !== len) len = String(len).length + rec.length;
    body += `${len}${rec}`;
  }
  return Buffer.concat([rawHeader('PaxHeaders/x', Buffer.byteLength(body), type), padded(body)]);
}

/** A layer from raw blocks, closed with the two end-of-archive blocks. */
export const rawLayer = (...parts: Buffer[]): Buffer => Buffer.concat([...parts, Buffer.alloc(1024)]);
