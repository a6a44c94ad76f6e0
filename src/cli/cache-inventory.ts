import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { LAYER_CACHE_VERSION } from '../pipeline/layer-cache.js';
import { readKey } from '../pipeline/layer-cache-format.js';
import { parseStoredRecord } from '../source/cache/manifest-record.js';

/**
 * What msb's cache directory holds, for `msb cache ls|du|prune`: the layer-analysis cache
 * (`layers/v1/`), the blob cache (`blobs/sha256/`, with `verified/` markers and `tmp/` downloads)
 * and the manifest records (`refs/`). Read with lstat only: a symbolic link is reported as
 * unreadable and never followed, so nothing outside the cache directory is listed or removed.
 * Files that vanish while being read (another msb pruning) are skipped.
 */

export type Part = 'layers' | 'blobs' | 'refs';

/** One removable cache entry. `files` are unlinked together (a blob and its verified marker). */
export interface Item {
  part: Part;
  files: string[];
  bytes: number;
  /** Last use, ms since the epoch. */
  usedAt: number;
}
export interface LayerItem extends Item {
  part: 'layers';
  key: string;
}
export interface BlobItem extends Item {
  part: 'blobs';
  digest: string;
}
export interface RefItem extends Item {
  part: 'refs';
  registry: string;
  repository: string;
  tag: string;
  /** `linux/arm64` as given to --platform, or `default:<this host's platform>`. */
  platform: string;
  digest: string;
  manifestDigest: string;
  fetchedAt: string;
}
/** A file that is no cache entry msb can use: corrupt, foreign, a stale temp file or a link. */
export interface Unreadable extends Item {
  why: string;
}

export interface Inventory {
  dir: string;
  layers: LayerItem[];
  blobs: BlobItem[];
  refs: RefItem[];
  unreadable: Unreadable[];
}

/** Temp files younger than this may belong to a write in progress (another msb): left alone. */
export const TEMP_GRACE_MS = 24 * 3600 * 1000;
const MAX_RECORD = 64 * 1024;
const HEX64 = /^[0-9a-f]{64}$/;

interface Ent {
  name: string;
  file: string;
  st: Stats;
}

/** The entries of a directory with their lstat; [] when it is absent or unreadable. */
async function entries(dir: string): Promise<Ent[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: Ent[] = [];
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    const st = await lstat(file).catch(() => undefined);
    if (st) out.push({ name, file, st });
  }
  return out;
}

const bad = (part: Part, e: Ent, why: string): Unreadable => ({ part, files: [e.file], bytes: e.st.size, usedAt: e.st.mtimeMs, why });
const LINK = 'a symbolic link (not followed)';

/** The subdirectory `name` of `dir` if it is a real directory; a link in its place is reported. */
async function subdir(part: Part, dir: string, name: string, out: Unreadable[]): Promise<string | undefined> {
  const file = path.join(dir, name);
  const st = await lstat(file).catch(() => undefined);
  if (!st) return undefined;
  if (st.isSymbolicLink()) out.push(bad(part, { name, file, st }, LINK));
  return st.isDirectory() ? file : undefined;
}

/** A temp file: stale (reported, so prune removes it) once past the grace time, else ignored. */
function temp(part: Part, e: Ent, now: number, out: Unreadable[]): void {
  if (now - e.st.mtimeMs > TEMP_GRACE_MS) out.push(bad(part, e, 'temp file of an interrupted write'));
}

/** Regular files of a folder; links and other non-files are reported, subfolders are skipped. */
async function files(part: Part, dir: string, out: Unreadable[]): Promise<Ent[]> {
  const got: Ent[] = [];
  for (const e of await entries(dir)) {
    if (e.st.isSymbolicLink()) out.push(bad(part, e, LINK));
    else if (e.st.isFile()) got.push(e);
  }
  return got;
}

async function scanLayers(dir: string, now: number, inv: Inventory): Promise<void> {
  const root = await subdir('layers', dir, 'layers', inv.unreadable);
  if (!root) return;
  const current = `v${LAYER_CACHE_VERSION}`;
  for (const e of await entries(root)) {
    if (e.st.isSymbolicLink()) inv.unreadable.push(bad('layers', e, LINK));
    else if (e.st.isFile()) inv.unreadable.push(bad('layers', e, 'not a layer cache entry'));
    if (!e.st.isDirectory()) continue;
    for (const f of await files('layers', e.file, inv.unreadable)) {
      if (e.name !== current) inv.unreadable.push(bad('layers', f, `an entry of another format (${e.name})`));
      else if (f.name.endsWith('.tmp')) temp('layers', f, now, inv.unreadable);
      else {
        const key = f.name.endsWith('.bin.gz') ? await readKey(f.file) : undefined;
        if (key) inv.layers.push({ part: 'layers', files: [f.file], bytes: f.st.size, usedAt: f.st.mtimeMs, key });
        else inv.unreadable.push(bad('layers', f, 'corrupt or not a layer cache entry'));
      }
    }
  }
}

async function scanBlobs(dir: string, now: number, inv: Inventory): Promise<void> {
  const markers = new Map<string, Ent>();
  const verified = await subdir('blobs', dir, 'verified', inv.unreadable);
  if (verified) for (const m of await files('blobs', verified, inv.unreadable)) markers.set(m.name, m);
  const root = await subdir('blobs', dir, 'blobs', inv.unreadable);
  for (const e of root ? await entries(root) : []) {
    if (e.st.isSymbolicLink()) inv.unreadable.push(bad('blobs', e, LINK));
    else if (e.st.isFile()) inv.unreadable.push(bad('blobs', e, 'not a blob'));
    if (!e.st.isDirectory()) continue;
    for (const f of await files('blobs', e.file, inv.unreadable)) {
      if (e.name !== 'sha256' || !HEX64.test(f.name)) {
        inv.unreadable.push(bad('blobs', f, 'not a sha256 blob'));
        continue;
      }
      const m = markers.get(f.name);
      markers.delete(f.name);
      inv.blobs.push({
        part: 'blobs',
        files: m ? [f.file, m.file] : [f.file],
        bytes: f.st.size + (m?.st.size ?? 0),
        usedAt: Math.max(f.st.mtimeMs, m?.st.mtimeMs ?? 0),
        digest: `sha256:${f.name}`,
      });
    }
  }
  for (const m of markers.values()) inv.unreadable.push(bad('blobs', m, 'verified marker of a blob no longer cached'));
  const tmp = await subdir('blobs', dir, 'tmp', inv.unreadable);
  for (const f of tmp ? await files('blobs', tmp, inv.unreadable) : []) {
    if (f.name.endsWith('.partial')) temp('blobs', f, now, inv.unreadable);
    else inv.unreadable.push(bad('blobs', f, 'not a download in progress'));
  }
}

async function readSmall(file: string): Promise<string | undefined> {
  // The file was a regular file when listed: never read through a link (or a FIFO) swapped in since.
  const h = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => undefined);
  if (!h) return undefined;
  try {
    const buf = Buffer.alloc(MAX_RECORD + 1);
    const { bytesRead } = await h.read(buf, 0, buf.length, 0);
    return bytesRead > MAX_RECORD ? undefined : buf.subarray(0, bytesRead).toString('utf8');
  } catch {
    return undefined;
  } finally {
    await h.close();
  }
}

async function scanRefs(dir: string, now: number, inv: Inventory): Promise<void> {
  const root = await subdir('refs', dir, 'refs', inv.unreadable);
  for (const f of root ? await files('refs', root, inv.unreadable) : []) {
    if (f.name.endsWith('.tmp')) {
      temp('refs', f, now, inv.unreadable);
      continue;
    }
    const text = f.name.endsWith('.json') ? await readSmall(f.file) : undefined;
    const got = text === undefined ? undefined : parseStoredRecord(text, f.name);
    if (got?.state !== 'ok') {
      inv.unreadable.push(bad('refs', f, got?.state === 'invalid' ? `invalid tag record (${got.why})` : 'not a tag record'));
      continue;
    }
    const { key, digest, manifestDigest, fetchedAt } = got.record;
    // Used when fetched, and when last read offline (the read touches the file).
    const usedAt = Math.max(Date.parse(fetchedAt), f.st.mtimeMs);
    inv.refs.push({ part: 'refs', files: [f.file], bytes: f.st.size, usedAt, ...key, digest, manifestDigest, fetchedAt });
  }
}

/** Everything under `dir` msb's caches wrote (or that sits where they write). */
export async function scanCache(dir: string, now = Date.now()): Promise<Inventory> {
  const inv: Inventory = { dir, layers: [], blobs: [], refs: [], unreadable: [] };
  await scanLayers(dir, now, inv);
  await scanBlobs(dir, now, inv);
  await scanRefs(dir, now, inv);
  inv.layers.sort((a, b) => b.usedAt - a.usedAt);
  inv.refs.sort((a, b) => b.usedAt - a.usedAt);
  return inv;
}
