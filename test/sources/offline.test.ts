import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { ManifestRecords, type ManifestRecord } from '../../src/source/cache/manifest-record.js';
import { comparable, removeDir, repoRoot, run, runCli, skopeoCopy, startRegistry, tempDir, type Registry } from './helpers.js';
import { assertReportSchema } from '../helpers/schemas.js';

/**
 * Offline by tag (docs/sources.md, "Offline") against a real docker-registry: a tag inspected once
 * is inspected again with the registry stopped, from its manifest record and the blob cache, with
 * one notice line; a corrupt record or manifest is one clear error; a registry that answers 404
 * is believed (the tag is gone), never papered over with the cached manifest.
 */

let W: string;
let storage: string;
let cacheDir: string;
/** Stopped by the first test: the unreachable registry. */
let down: Registry;
/** Stays up on the same storage: the registry that answers. */
let up: Registry;
const fixture = (name: string) => path.join(repoRoot, 'test/fixtures/images', name);

async function inspect(ref: string, ...extra: string[]) {
  return runCli(['inspect', ref, '--json', '--source', 'registry', '--cache-dir', cacheDir, ...extra], { env: { MSB_NET_IDLE_MS: '3000', MSB_NET_DEADLINE_MS: '5000' } });
}

/** The record files under the cache's refs folder. */
async function recordFiles(): Promise<string[]> {
  return (await readdir(path.join(cacheDir, 'refs')).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).map((f) => path.join(cacheDir, 'refs', f));
}

/** The record whose key names this repository on the stopped registry (records are named by a hash of their key). */
async function recordOf(repository: string): Promise<{ file: string; json: Record<string, unknown> }> {
  for (const file of await recordFiles()) {
    const json = JSON.parse(await readFile(file, 'utf8')) as { key: { registry: string; repository: string } };
    if (json.key.repository === repository && json.key.registry === down.host) return { file, json };
  }
  throw new Error(`no record for ${repository}`);
}

const firstRun: Record<string, { report: ReturnType<typeof comparable>; digest: string }> = {};

before(async () => {
  W = await tempDir('offline');
  storage = path.join(W, 'storage');
  cacheDir = path.join(W, 'cache');
  down = await startRegistry(W, storage);
  up = await startRegistry(W, storage);
  await skopeoCopy(`docker-archive:${fixture('delete.tar')}`, `docker://${down.host}/app:1`);
  await skopeoCopy(`oci:${fixture('multiarch-oci')}:latest`, `docker://${down.host}/multi:1`, ['--all', '--preserve-digests']);
  await skopeoCopy(`docker-archive:${fixture('overwrite.tar')}`, `docker://${down.host}/gone:1`);
  for (const [name, extra] of [['app:1', []], ['multi:1', ['--platform', 'linux/arm64']]] as const) {
    const r = await inspect(`${down.host}/${name}`, ...extra);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const j = JSON.parse(r.stdout);
    assert.equal(j.image.offline, undefined);
    firstRun[name] = { report: comparable(j), digest: j.image.digest };
  }
  await down.stop();
});

after(async () => {
  await down?.stop();
  await up?.stop();
  await removeDir(W);
});

describe('offline by tag', () => {
  test('each resolved tag leaves a versioned record: key, digest, media type, fetch time', async () => {
    const { json } = await recordOf('app');
    assert.equal(json.version, 1);
    assert.deepEqual(json.key, { registry: down.host, repository: 'app', tag: '1', platform: `default:linux/${process.arch === 'x64' ? 'amd64' : process.arch}` });
    assert.equal(json.digest, firstRun['app:1'].digest);
    assert.equal(json.manifestDigest, firstRun['app:1'].digest);
    assert.match(String(json.mediaType), /manifest/);
    assert.ok(Date.now() - Date.parse(String(json.fetchedAt)) < 10 * 60_000);
    const multi = await recordOf('multi');
    assert.equal((multi.json.key as { platform: string }).platform, 'linux/arm64');
    assert.notEqual(multi.json.digest, multi.json.manifestDigest, 'an index: the record names both the index and the chosen manifest');
  });

  test('registry down: the same report from the cache, with one notice line on stderr', async () => {
    const r = await inspect(`${down.host}/app:1`);
    assert.equal(r.code, 0, r.stderr);
    const esc = down.host.replace(/\./g, '\\.');
    assert.match(r.stderr, new RegExp(`^msb: registry ${esc} unreachable \\(connection refused\\); using the manifest cached \\d+ (second|minute)s? ago for ${esc}/app:1\\n$`));
    const j = JSON.parse(r.stdout);
    assertReportSchema(j);
    assert.deepEqual(comparable(j), firstRun['app:1'].report);
    assert.equal(j.image.digest, firstRun['app:1'].digest);
    assert.equal(j.image.offline.reason, 'connection refused');
    assert.ok(j.image.offline.ageSeconds >= 0 && j.image.offline.ageSeconds < 600);
    assert.equal(j.image.offline.fetchedAt, (await recordOf('app')).json.fetchedAt);
  });

  test('an index resolves to the recorded platform manifest from the cache', async () => {
    const r = await inspect(`${down.host}/multi:1`, '--platform', 'linux/arm64');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /unreachable \(connection refused\); using the manifest cached/);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(comparable(j), firstRun['multi:1'].report);
    assert.equal(j.image.architecture, 'arm64');
    // Another platform has no record: the connection error stands.
    const other = await inspect(`${down.host}/multi:1`, '--platform', 'linux/amd64');
    assert.equal(other.code, 2);
    assert.match(other.stderr, /^msb: .*cannot reach registry .*connection refused/);
  });

  test('--offline uses the record; a tag never fetched, or --no-cache, is one clear error', async () => {
    const r = await inspect(`${down.host}/app:1`, '--offline');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^msb: offline \(--offline\); using the manifest cached \d+ \w+ ago for 127\.0\.0\.1:\d+\/app:1\n$/);
    assert.equal(JSON.parse(r.stdout).image.offline.reason, '--offline');
    const never = await inspect(`${up.host}/app:1`, '--offline');
    assert.equal(never.code, 2);
    assert.equal(never.stderr.trim().split('\n').length, 1, never.stderr);
    assert.match(never.stderr, /no manifest is cached for this tag \(--offline/);
    const noCache = await runCli(['inspect', `${down.host}/app:1`, '--json', '--source', 'registry', '--offline', '--no-cache']);
    assert.equal(noCache.code, 2);
    assert.match(noCache.stderr, /--offline .*--no-cache/);
  });

  test('--offline opens no connection at all; a digest reference needs no record', async () => {
    // A listener that counts connections, with a record for it made from app:1's.
    let connections = 0;
    const server = net.createServer((c) => {
      connections++;
      c.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      const { json } = await recordOf('app');
      const rec = json as unknown as ManifestRecord;
      await new ManifestRecords(cacheDir).write({ ...rec, key: { ...rec.key, registry: host } });
      const r = await inspect(`${host}/app:1`, '--offline');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(comparable(JSON.parse(r.stdout)), firstRun['app:1'].report);
      const pinned = await inspect(`${host}/app@${firstRun['app:1'].digest}`, '--offline');
      assert.equal(pinned.code, 0, pinned.stderr);
      assert.match(pinned.stderr, /^msb: offline \(--offline\); using the cache for 127\.0\.0\.1:\d+\/app@sha256:[0-9a-f]{64}\n$/);
      assert.deepEqual(JSON.parse(pinned.stdout).image.offline, { reason: '--offline' });
      assert.equal(connections, 0);
    } finally {
      server.close();
    }
    // Without --offline a cached digest reference is read from the blob cache: nothing to fall back from.
    const digestRef = await inspect(`${down.host}/app@${firstRun['app:1'].digest}`);
    assert.equal(digestRef.code, 0, digestRef.stderr);
    assert.equal(digestRef.stderr, '');
  });

  test('a registry that answers 401, 403 or 5xx is believed; one that never answers is unreachable', async () => {
    // One server: the repository name says how it answers; records for it are made from app:1's.
    const sockets = new Set<net.Socket>();
    const server = http.createServer((req, res) => {
      const m = /^\/v2\/(\w+)\//.exec(req.url ?? '');
      if (m?.[1] === 'hang') return; // headers never come: a timeout
      const status = Number(m?.[1].slice(1)) || 200;
      res.writeHead(status, status === 401 ? { 'www-authenticate': 'Basic realm="x"' } : {}).end('{}');
    });
    server.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      const rec = (await recordOf('app')).json as unknown as ManifestRecord;
      for (const repo of ['s401', 's403', 's503', 'hang']) await new ManifestRecords(cacheDir).write({ ...rec, key: { ...rec.key, registry: host, repository: repo } });
      for (const [repo, why] of [['s401', /requires a login/], ['s403', /access denied by/], ['s503', /HTTP 503 from .*gave up after 3 attempts/]] as const) {
        const r = await inspect(`${host}/${repo}:1`);
        assert.equal(r.code, 2, `${repo}: ${r.stdout}`);
        assert.match(r.stderr, why, repo);
        assert.doesNotMatch(r.stderr, /cached/, repo);
      }
      const hang = await runCli(['inspect', `${host}/hang:1`, '--json', '--source', 'registry', '--cache-dir', cacheDir], { env: { MSB_NET_IDLE_MS: '300' } });
      assert.equal(hang.code, 0, hang.stderr);
      assert.match(hang.stderr, /^msb: registry 127\.0\.0\.1:\d+ unreachable \(no response: no data for 0\.3s\); using the manifest cached/);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  test('a corrupt or foreign-version record, or a corrupt cached manifest: one clear line, exit 2, never used', async () => {
    const { file, json } = await recordOf('app');
    const good = await readFile(file, 'utf8');
    const bad = async (text: string, why: RegExp) => {
      await writeFile(file, text);
      const r = await inspect(`${down.host}/app:1`);
      assert.equal(r.code, 2, r.stdout);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\bat .*\.ts:\d+/);
      assert.match(r.stderr, /^msb: 127\.0\.0\.1:\d+\/app:1: registry 127\.0\.0\.1:\d+ unreachable \(connection refused\), and /);
      assert.match(r.stderr, why);
    };
    try {
      await bad('{"version":1,"key":', /cached manifest record is invalid \(not valid JSON\)/);
      await bad(JSON.stringify({ ...json, version: 2 }), /record is invalid \(format version 2, expected 1\)/);
      await bad(JSON.stringify({ ...json, key: { ...(json.key as object), tag: '2' } }), /record is invalid \(it records another reference\)/);
      // The record is fine but the manifest bytes it names no longer hash to its digest.
      await writeFile(file, good);
      const blob = path.join(cacheDir, 'blobs', 'sha256', String(json.digest).slice(7));
      const bytes = await readFile(blob);
      await writeFile(blob, Buffer.concat([bytes.subarray(0, bytes.length - 2), Buffer.from(' }')]));
      await bad(good, /cached manifest sha256:[0-9a-f]{12} is corrupt/);
      await bad(good, /no longer cached/); // it was evicted
      await writeFile(blob, bytes);
    } finally {
      await writeFile(file, good);
    }
    const ok = await inspect(`${down.host}/app:1`);
    assert.equal(ok.code, 0, ok.stderr);
  });

  test('registry up but the tag deleted (404): the error, not the cached manifest', async () => {
    const first = await inspect(`${up.host}/gone:1`);
    assert.equal(first.code, 0, first.stderr);
    await run('skopeo', ['delete', '--tls-verify=false', `docker://${up.host}/gone:1`]);
    const r = await inspect(`${up.host}/gone:1`);
    assert.equal(r.code, 2, r.stdout);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /not found in 127\.0\.0\.1:\d+/);
    assert.doesNotMatch(r.stderr, /cached/);
  });
});
