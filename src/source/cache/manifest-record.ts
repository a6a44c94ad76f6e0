import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Per-reference manifest records (docs/sources.md, "Offline"): `<cache dir>/refs/<sha256 of key>.json`
 * maps a tag, as resolved for one platform, to the manifest digest it pointed to when last fetched.
 * The manifest bytes themselves stay in the content-addressed blob cache; a record only says which
 * digest to read there when the registry cannot be reached. A record that fails any check (not
 * JSON, another format version, another key, a malformed digest or date) is reported as invalid
 * and never used.
 */

/** The on-disk format version; a record with another one is ignored (and rewritten on the next fetch). */
export const RECORD_VERSION = 1;
/** Records are a few hundred bytes; anything much larger is not one of ours. */
const MAX_RECORD = 64 * 1024;
const SHA256 = /^sha256:[a-f0-9]{64}$/;

/** What a record is looked up by: a tag of one repository on one registry, for one platform. */
export interface RecordKey {
  /** Registry host as in the reference ("docker.io", "localhost:5000"). */
  registry: string;
  repository: string;
  tag: string;
  /** "linux/arm64" for --platform, "default:linux/amd64" without it (the host's choice). */
  platform: string;
}

/** A record as stored (format RECORD_VERSION). */
export interface ManifestRecord {
  version: typeof RECORD_VERSION;
  key: RecordKey;
  /** What the tag pointed to: a manifest, or an index. */
  digest: string;
  mediaType?: string;
  /** The image manifest chosen for the platform (the same as `digest` when the tag is a manifest). */
  manifestDigest: string;
  /** When the registry last answered for this tag (ISO 8601, UTC). */
  fetchedAt: string;
}

export type RecordRead = { state: 'ok'; record: ManifestRecord } | { state: 'absent' } | { state: 'invalid'; why: string };

function sameKey(a: unknown, b: RecordKey): boolean {
  if (!a || typeof a !== 'object') return false;
  const k = a as Record<string, unknown>;
  return k.registry === b.registry && k.repository === b.repository && k.tag === b.tag && k.platform === b.platform;
}

/** Checks a record's text against the key it was read for; pure, so the unit tests cover every case. */
export function parseRecord(text: string, key: RecordKey): RecordRead {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return { state: 'invalid', why: 'not valid JSON' };
  }
  if (!j || typeof j !== 'object' || Array.isArray(j)) return { state: 'invalid', why: 'not a JSON object' };
  const r = j as Record<string, unknown>;
  if (r.version !== RECORD_VERSION) return { state: 'invalid', why: `format version ${JSON.stringify(r.version ?? null)}, expected ${RECORD_VERSION}` };
  if (!sameKey(r.key, key)) return { state: 'invalid', why: 'it records another reference' };
  if (typeof r.digest !== 'string' || !SHA256.test(r.digest)) return { state: 'invalid', why: 'bad digest' };
  if (typeof r.manifestDigest !== 'string' || !SHA256.test(r.manifestDigest)) return { state: 'invalid', why: 'bad manifest digest' };
  if (r.mediaType !== undefined && typeof r.mediaType !== 'string') return { state: 'invalid', why: 'bad media type' };
  if (typeof r.fetchedAt !== 'string' || !Number.isFinite(Date.parse(r.fetchedAt))) return { state: 'invalid', why: 'bad fetch time' };
  return {
    state: 'ok',
    record: { version: RECORD_VERSION, key, digest: r.digest, mediaType: r.mediaType as string | undefined, manifestDigest: r.manifestDigest, fetchedAt: r.fetchedAt },
  };
}

/** "3 hours", "1 minute", "12 days": how long ago a record was fetched, for the one-line notice. */
export function ageText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const unit = (n: number, u: string) => `${n} ${u}${n === 1 ? '' : 's'}`;
  if (s < 90) return unit(s, 'second');
  if (s < 90 * 60) return unit(Math.round(s / 60), 'minute');
  if (s < 48 * 3600) return unit(Math.round(s / 3600), 'hour');
  return unit(Math.round(s / 86400), 'day');
}

/** The file name a record is stored under in `refs/`: a hash of its key (so a key needs no escaping). */
export function recordFileName(key: RecordKey): string {
  return `${createHash('sha256').update(JSON.stringify([key.registry, key.repository, key.tag, key.platform])).digest('hex')}.json`;
}

/**
 * A record file read without knowing its key (`msb cache ls`): its key is taken from the text and
 * must be four strings naming the file it is stored in; then every check of parseRecord applies.
 */
export function parseStoredRecord(text: string, fileName: string): RecordRead {
  let k: unknown;
  try {
    k = (JSON.parse(text) as { key?: unknown } | null)?.key;
  } catch {
    return { state: 'invalid', why: 'not valid JSON' };
  }
  const o = (k && typeof k === 'object' ? k : {}) as Record<string, unknown>;
  const key = { registry: o.registry, repository: o.repository, tag: o.tag, platform: o.platform };
  if (!Object.values(key).every((v) => typeof v === 'string')) return { state: 'invalid', why: 'no valid key' };
  if (recordFileName(key as RecordKey) !== fileName) return { state: 'invalid', why: 'stored under another name than its key' };
  return parseRecord(text, key as RecordKey);
}

export class ManifestRecords {
  /** `cacheDir` is msb's cache directory (the blob cache's); records live in its `refs` folder. */
  constructor(readonly cacheDir: string) {}

  private fileOf(key: RecordKey): string {
    return path.join(this.cacheDir, 'refs', recordFileName(key));
  }

  async read(key: RecordKey): Promise<RecordRead> {
    let text: string;
    try {
      const buf = await readFile(this.fileOf(key));
      if (buf.length > MAX_RECORD) return { state: 'invalid', why: 'too large' };
      text = buf.toString('utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return code === 'ENOENT' ? { state: 'absent' } : { state: 'invalid', why: `unreadable (${code ?? (e as Error).message})` };
    }
    const got = parseRecord(text, key);
    if (got.state === 'ok') {
      // Last use (an offline inspect), for `msb cache prune --older-than`.
      const now = new Date();
      await utimes(this.fileOf(key), now, now).catch(() => undefined);
    }
    return got;
  }

  /** Replaces the record atomically (temp file + rename). Best effort: a cache that cannot be written fails no inspect. */
  async write(record: Omit<ManifestRecord, 'version'>): Promise<void> {
    const file = this.fileOf(record.key);
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    const body: ManifestRecord = { version: RECORD_VERSION, ...record };
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(tmp, `${JSON.stringify(body, null, 2)}\n`, { flag: 'wx' });
      await rename(tmp, file);
    } catch {
      await unlink(tmp).catch(() => undefined);
    }
  }
}
