import { readFile } from 'node:fs/promises';
import { MsbError, shortDigest } from '../../errors.js';
import type { BlobCache } from '../cache/blob-cache.js';
import { ageText, type ManifestRecord, type ManifestRecords, type RecordKey } from '../cache/manifest-record.js';
import { sha256Of } from '../cache/verify.js';
import { formatPlatform, hostPlatform } from '../platform.js';
import type { ImageReference } from '../reference.js';
import type { OfflineSource, Platform } from '../types.js';

/**
 * Offline by tag (docs/sources.md, "Offline"): when the registry cannot be reached (or --offline),
 * a tag is resolved through its manifest record to a manifest already in the blob cache. The
 * record is only trusted after its checks (manifest-record.ts) and after the manifest bytes it
 * names hash to its digest; anything else is one clear error, never a stale or foreign manifest.
 */

/** The record key of a tag reference for the platform asked for (or this host's default choice). */
export function recordKey(ref: ImageReference, platform: Platform | undefined): RecordKey | undefined {
  if (ref.digest || !ref.tag) return undefined; // a digest is its own key: the blob cache has it or not
  return {
    registry: ref.registry,
    repository: ref.repository,
    tag: ref.tag,
    platform: platform ? formatPlatform(platform) : `default:${formatPlatform(hostPlatform())}`,
  };
}

export interface CachedTag {
  record: ManifestRecord;
  /** The manifest (or index) bytes the tag pointed to, checked against record.digest. */
  body: Buffer;
}

/**
 * The record for `key` and the manifest bytes it names. `why` says why the registry is not asked
 * ("registry HOST unreachable (connection refused)" or "--offline"); every failure names it.
 * Returns undefined when no record exists (the caller reports its own error then).
 */
export async function readCachedTag(records: ManifestRecords, cache: BlobCache, key: RecordKey, label: string, why: string): Promise<CachedTag | undefined> {
  const got = await records.read(key);
  if (got.state === 'absent') return undefined;
  const fail = (what: string) => new MsbError(`${label}: ${why}, and ${what}; inspect it once with the registry reachable to cache it again`);
  if (got.state === 'invalid') throw fail(`its cached manifest record is invalid (${got.why})`);
  const { record } = got;
  const loc = await cache.lookup(record.digest);
  const body = loc ? await readFile(loc.file).catch(() => undefined) : undefined;
  if (!body) throw fail(`the manifest ${shortDigest(record.digest)} its record names is no longer cached`);
  if (sha256Of(body) !== record.digest) {
    await cache.evict(record.digest);
    throw fail(`the cached manifest ${shortDigest(record.digest)} is corrupt (removed it)`);
  }
  return { record, body };
}

/** What the report says about an image served from the cache; `now` is injectable for tests. */
export function offlineSource(record: ManifestRecord | undefined, reason: string, registry: string, label: string, now = Date.now()): OfflineSource {
  const head = reason === '--offline' ? 'offline (--offline)' : `registry ${registry} unreachable (${reason})`;
  if (!record) return { reason, notice: `${head}; using the cache for ${label}` };
  const ageMs = Math.max(0, now - Date.parse(record.fetchedAt));
  return {
    reason,
    fetchedAt: record.fetchedAt,
    ageSeconds: Math.floor(ageMs / 1000),
    notice: `${head}; using the manifest cached ${ageText(ageMs)} ago for ${label}`,
  };
}
