import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseChallenge } from '../../src/source/registry/auth.js';
import { lookupCredentials } from '../../src/source/registry/credentials.js';
import { daemonEndpoint, daemonError, modemOptions } from '../../src/source/daemon/daemon.js';
import { BlobCache, defaultCacheDir } from '../../src/source/cache/blob-cache.js';
import { resolveImage } from '../../src/source/resolve.js';
import { removeDir, tempDir } from './helpers.js';

test('WWW-Authenticate challenges, including quoted commas', () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull,push"'), {
    scheme: 'bearer',
    params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull,push' },
  });
  assert.deepEqual(parseChallenge('Basic realm="basic-realm"'), { scheme: 'basic', params: { realm: 'basic-realm' } });
  assert.deepEqual(parseChallenge('Bearer realm=http://x/t, service=svc'), { scheme: 'bearer', params: { realm: 'http://x/t', service: 'svc' } });
});

test('credentials from config.json: Docker Hub legacy key, identity tokens, credsStore, bad entries', async () => {
  const dir = await tempDir('creds');
  try {
    const env = { ...process.env, DOCKER_CONFIG: dir };
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hubuser:hub:pass') },
        'ghcr.io': { identitytoken: 'refresh-xyz' },
        'https://reg.example.com:5000/v2/': { auth: b64('u:p') },
        'broken.example': { auth: b64('nocolon') },
      },
    }));
    assert.deepEqual(await lookupCredentials('docker.io', env), { username: 'hubuser', password: 'hub:pass', origin: `${dir}/config.json` });
    assert.equal((await lookupCredentials('ghcr.io', env))?.username, '<token>');
    assert.equal((await lookupCredentials('reg.example.com:5000', env))?.password, 'p');
    assert.equal(await lookupCredentials('other.example', env), undefined);
    await assert.rejects(lookupCredentials('broken.example', env), /auth entry for broken\.example is not base64 "user:password"/);

    // credsStore: a helper that knows only Docker Hub (server URL https://index.docker.io/v1/).
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'docker-credential-msbstore'), '#!/bin/sh\nread url\n[ "$url" = "https://index.docker.io/v1/" ] || { echo "credentials not found in native keychain"; exit 1; }\necho \'{"Username":"store","Secret":"s3"}\'\n');
    await chmod(path.join(bin, 'docker-credential-msbstore'), 0o755);
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ credsStore: 'msbstore', auths: { 'ghcr.io': { auth: b64('fallback:f') } } }));
    const env2 = { ...env, PATH: `${bin}:${process.env.PATH}` };
    assert.equal((await lookupCredentials('docker.io', env2))?.username, 'store');
    assert.equal((await lookupCredentials('ghcr.io', env2))?.username, 'fallback', 'auths when the store has nothing');
    await writeFile(path.join(dir, 'config.json'), '{not json');
    await assert.rejects(lookupCredentials('docker.io', env), /config\.json is not valid JSON/);
  } finally {
    await removeDir(dir);
  }
});

test('daemon addresses and their errors', () => {
  assert.deepEqual(modemOptions('unix:///run/x.sock'), { socketPath: '/run/x.sock' });
  assert.deepEqual(modemOptions('tcp://10.0.0.1:2375'), { host: '10.0.0.1', port: 2375, protocol: 'http' });
  assert.equal(modemOptions('tcp://h:2376', { verify: true }).protocol, 'https');
  assert.throws(() => modemOptions('bogus'), /invalid daemon address "bogus"/);
  const ep = daemonEndpoint('docker', { DOCKER_HOST: 'unix:///tmp/d.sock' });
  assert.equal(ep.origin, 'DOCKER_HOST');
  assert.match(daemonError(ep, 'x', { code: 'EACCES' }).message, /^permission denied connecting to the Docker daemon at unix:\/\/\/tmp\/d\.sock \(DOCKER_HOST\).*--source registry/);
  assert.match(daemonError(ep, 'x:1', { statusCode: 404 }).message, /x:1: no such image .* use --source registry/);
  const pod = daemonEndpoint('podman', { XDG_RUNTIME_DIR: '/nonexistent-xdg' });
  assert.equal(pod.label, 'unix:///nonexistent-xdg/podman/podman.sock', 'rootless socket first when none exists');
  assert.equal(daemonEndpoint('podman', { CONTAINER_HOST: 'unix:///p.sock' }).origin, 'CONTAINER_HOST');
  assert.equal(daemonEndpoint('docker', { DOCKER_CONFIG: '/nonexistent-cfg' }).label, 'unix:///var/run/docker.sock');
});

test('blob cache: XDG location, verified writes only, no partial files', async () => {
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache' }), '/x/cache/msb');
  assert.match(defaultCacheDir({ HOME: '/home/u' }), /\.cache\/msb$/);
  const dir = await tempDir('cache');
  try {
    const cache = new BlobCache(dir);
    const data = Buffer.from('hello blob');
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    await cache.put('good', digest, data);
    assert.equal((await cache.lookup(digest))?.size, data.length);
    assert.equal(await cache.lookup(digest, 999), undefined, 'wrong size is a miss');
    const other = `sha256:${'b'.repeat(64)}`;
    const w = await cache.writer('bad blob', other, data.length);
    await assert.rejects(pipeline(Readable.from([data]), w, async (src) => { for await (const _ of src) void _; }), /bad blob: digest mismatch: expected sha256:b{64}/);
    assert.equal(await cache.lookup(other), undefined);
    assert.deepEqual(await readdir(path.join(dir, 'tmp')), []);
    assert.throws(() => cache.pathOf('md5:abc'), /unsupported or invalid digest/);
    // Temp files a killed msb left behind are pruned when a day old; fresh ones (a live download) stay.
    const old = path.join(dir, 'tmp', 'dead.partial');
    const fresh = path.join(dir, 'tmp', 'live.partial');
    await writeFile(old, 'x');
    await writeFile(fresh, 'y');
    await utimes(old, new Date(Date.now() - 2 * 86400_000), new Date(Date.now() - 2 * 86400_000));
    await new BlobCache(dir).put('again', digest, data);
    assert.deepEqual(await readdir(path.join(dir, 'tmp')), ['live.partial']);
  } finally {
    await removeDir(dir);
  }
});

test('resolution: bad --source, paths that do not exist, bad names', async () => {
  await assert.rejects(resolveImage('x', { source: 'ftp' }), /invalid --source "ftp"/);
  await assert.rejects(resolveImage('./missing.tar'), /\.\/missing\.tar: no such file or directory/);
  await assert.rejects(resolveImage('oci:/nonexistent/dir'), /no such file or directory/);
  await assert.rejects(resolveImage('UPPER'), /invalid image reference "UPPER"/);
});

test('the stderr progress line: one overwritten line per update, cleared when a layer is done', async () => {
  const { Progress } = await import('../../src/cli/progress.js');
  let out = '';
  const progress = new Progress({ write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream);
  const print = (p: Parameters<typeof progress.download>[0]) => progress.download(p);
  print({ layer: 1, layers: 3, digest: 'sha256:x', bytes: 2_500_000, total: 10_000_000, bytesPerSecond: 1_250_000, done: false });
  assert.equal(out, '\r\x1b[2Kpulling layer 2/3 2.5 MB / 10.0 MB 1.3 MB/s');
  out = '';
  print({ layer: 1, layers: 3, digest: 'sha256:x', bytes: 10_000_000, total: 10_000_000, bytesPerSecond: 1, done: true });
  assert.equal(out, '\r\x1b[2K', 'done clears the line');
});
