import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ageText, ManifestRecords, parseRecord, type RecordKey } from '../../src/source/cache/manifest-record.js';
import { networkError, Transient, unreachableReason, Unreachable } from '../../src/source/registry/http.js';
import { offlineSource, recordKey } from '../../src/source/registry/offline.js';
import { parseReference } from '../../src/source/reference.js';
import { MsbError } from '../../src/errors.js';

/** The manifest record format, and which failures count as "the registry cannot be reached". */

const KEY: RecordKey = { registry: 'registry.example:5000', repository: 'team/app', tag: '1.2', platform: 'linux/arm64' };
const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;
const GOOD = { version: 1, key: KEY, digest: D1, mediaType: 'application/vnd.oci.image.index.v1+json', manifestDigest: D2, fetchedAt: '2026-12-01T08:00:00.000Z' };
const text = (o: unknown) => JSON.stringify(o);

describe('manifest record format', () => {
  test('a well-formed record for the same key is accepted as is', () => {
    const r = parseRecord(text(GOOD), KEY);
    assert.equal(r.state, 'ok');
    assert.deepEqual(r.state === 'ok' && r.record, GOOD);
  });

  test('anything else is invalid, with the reason', () => {
    const cases: Array<[string, RegExp]> = [
      ['{"version":1,', /not valid JSON/],
      ['[1]', /not a JSON object/],
      ['null', /not a JSON object/],
      [text({ ...GOOD, version: 2 }), /format version 2, expected 1/],
      [text({ ...GOOD, version: undefined }), /format version null/],
      [text({ ...GOOD, key: { ...KEY, tag: '1.3' } }), /another reference/],
      [text({ ...GOOD, key: { ...KEY, platform: 'linux/amd64' } }), /another reference/],
      [text({ ...GOOD, key: { ...KEY, registry: 'evil.example' } }), /another reference/],
      [text({ ...GOOD, key: 'x' }), /another reference/],
      [text({ ...GOOD, digest: 'sha256:abc' }), /bad digest/],
      [text({ ...GOOD, digest: `sha512:${'a'.repeat(128)}` }), /bad digest/],
      [text({ ...GOOD, manifestDigest: undefined }), /bad manifest digest/],
      [text({ ...GOOD, mediaType: 7 }), /bad media type/],
      [text({ ...GOOD, fetchedAt: 'yesterday' }), /bad fetch time/],
    ];
    for (const [t, why] of cases) {
      const r = parseRecord(t, KEY);
      assert.equal(r.state, 'invalid', t);
      assert.match(r.state === 'invalid' ? r.why : '', why, t);
    }
  });

  test('records round-trip through the refs folder, one file per key, replaced atomically', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'msb-records-'));
    try {
      const records = new ManifestRecords(dir);
      assert.deepEqual(await records.read(KEY), { state: 'absent' });
      const { version: _v, ...rec } = GOOD;
      await records.write(rec);
      await records.write({ ...rec, digest: D2 });
      await records.write({ ...rec, key: { ...KEY, tag: 'other' } });
      const files = await readdir(path.join(dir, 'refs'));
      assert.equal(files.length, 2, files.join());
      assert.ok(files.every((f) => /^[0-9a-f]{64}\.json$/.test(f)));
      const got = await records.read(KEY);
      assert.equal(got.state === 'ok' && got.record.digest, D2);
      // A file swapped in from another key is refused by its content, whatever its name.
      let mine = '';
      for (const f of files) if ((await readFile(path.join(dir, 'refs', f), 'utf8')).includes('"1.2"')) mine = path.join(dir, 'refs', f);
      await writeFile(mine, text({ ...GOOD, key: { ...KEY, repository: 'other/app' } }));
      assert.deepEqual(await records.read(KEY), { state: 'invalid', why: 'it records another reference' });
      await writeFile(mine, 'x'.repeat(70_000));
      assert.deepEqual(await records.read(KEY), { state: 'invalid', why: 'too large' });
      assert.equal((await records.read({ ...KEY, tag: 'other' })).state, 'ok');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a record is kept per tag and platform; a digest reference needs none', () => {
    assert.deepEqual(recordKey(parseReference('localhost:5000/app:1'), { os: 'linux', architecture: 'arm64', variant: 'v8' }), {
      registry: 'localhost:5000', repository: 'app', tag: '1', platform: 'linux/arm64/v8',
    });
    assert.match(recordKey(parseReference('alpine'), undefined)!.platform, /^default:linux\//);
    assert.equal(recordKey(parseReference('alpine'), undefined)!.repository, 'library/alpine');
    assert.equal(recordKey(parseReference(`app@${D1}`), undefined), undefined);
    assert.equal(recordKey(parseReference(`app:1@${D1}`), undefined), undefined);
  });

  test('ages read as a person would say them', () => {
    assert.equal(ageText(0), '0 seconds');
    assert.equal(ageText(1000), '1 second');
    assert.equal(ageText(89_000), '89 seconds');
    assert.equal(ageText(60 * 60_000), '60 minutes');
    assert.equal(ageText(3 * 3600_000), '3 hours');
    assert.equal(ageText(3600_000 * 47), '47 hours');
    assert.equal(ageText(86400_000 * 9), '9 days');
    assert.equal(ageText(-5000), '0 seconds', 'a clock set back is not a negative age');
  });

  test('the notice and report fields', () => {
    const rec = { ...GOOD, version: 1 as const };
    const now = Date.parse(GOOD.fetchedAt) + 5 * 3600_000 + 1234;
    const o = offlineSource(rec, 'connection refused', 'registry.example:5000', 'registry.example:5000/team/app:1.2', now);
    assert.deepEqual(o, {
      reason: 'connection refused',
      fetchedAt: GOOD.fetchedAt,
      ageSeconds: 5 * 3600 + 1,
      notice: 'registry registry.example:5000 unreachable (connection refused); using the manifest cached 5 hours ago for registry.example:5000/team/app:1.2',
    });
    assert.match(offlineSource(rec, '--offline', 'r', 'r/a:1', now).notice, /^offline \(--offline\); using the manifest cached 5 hours ago for r\/a:1$/);
  });
});

describe('unreachable or answered', () => {
  const sysErr = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(`connect ${code}`), { code }) });

  test('connection failures and timeouts are "unreachable"; TLS and other failures are not', () => {
    for (const [code, why] of [['ECONNREFUSED', 'connection refused'], ['ENOTFOUND', 'unknown host'], ['EHOSTUNREACH', 'host unreachable'], ['ENETUNREACH', 'network unreachable'], ['ETIMEDOUT', 'connection timed out'], ['EAI_AGAIN', 'name lookup failed'], ['ECONNRESET', 'connection reset'], ['ERR_PROXY_CONNECT', 'proxy unreachable']]) {
      assert.equal(unreachableReason(sysErr(code)), why, code);
    }
    assert.match(unreachableReason(Object.assign(new Error('no data for 30s'), { name: 'TimeoutError' }))!, /^no response: no data for 30s/);
    for (const code of ['DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_PROXY_TUNNEL', 'ERR_PROXY_URL', 'EACCES']) {
      assert.equal(unreachableReason(sysErr(code)), undefined, code);
    }
    assert.equal(unreachableReason(new Error('bug')), undefined);
  });

  test('networkError: refused / unknown host are Unreachable; a certificate error is a plain error', () => {
    const refused = networkError('http://127.0.0.1:5000/v2/', sysErr('ECONNREFUSED'));
    assert.ok(refused instanceof Unreachable);
    assert.equal(refused.reason, 'connection refused');
    assert.equal(refused.message, 'cannot reach registry 127.0.0.1:5000: connection refused');
    assert.ok(networkError('https://r.example/v2/', sysErr('ENOTFOUND')) instanceof Unreachable);
    assert.ok(networkError('https://r.example/v2/', sysErr('EHOSTUNREACH')) instanceof Unreachable);
    const tls = networkError('https://r.example/v2/', sysErr('DEPTH_ZERO_SELF_SIGNED_CERT'));
    assert.ok(tls instanceof MsbError && !(tls instanceof Unreachable));
  });

  test('a retried failure keeps whether any answer came: a 5xx did, a dropped connection did not', () => {
    assert.equal(new Transient('HTTP 503 from r').unreachable, undefined);
    assert.equal(new Transient('connection to r failed (ECONNRESET)', unreachableReason(sysErr('ECONNRESET'))).unreachable, 'connection reset');
  });
});
