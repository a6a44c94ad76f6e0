import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createSign, randomUUID, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { buildImages, comparable, freePort, removeDir, run, runCli, skopeoCopy, startRegistry, tempDir, type Registry } from './helpers.js';
import { openRegistryImage } from '../../src/source/registry/image.js';
import { BlobCache } from '../../src/source/cache/blob-cache.js';

/**
 * The registry source against a real Debian docker-registry: anonymous, htpasswd Basic auth and
 * token auth (with a token server written here), multi-platform indexes, zstd layers, the blob cache
 * and every failure a user can meet. The CLI runs as a child process.
 */

let W: string;
let storage: string;
let anon: Registry;
let basic: Registry;
let token: Registry;
let tokenServer: http.Server;
let tokenPort: number;
let archiveReport: ReturnType<typeof comparable>;
const tokenRequests: Array<{ authorization?: string; scope?: string }> = [];
const USER = 'msbuser';
const PASS = 'pa55-Secret-word';

/**
 * A reverse proxy in front of a registry that records every request and can answer some itself
 * (`intercept` returns true): proves what the cache saves, retries, and redirect handling.
 */
interface Proxy {
  host: string;
  blobGets: string[];
  requests: Array<{ url: string; authorization?: string }>;
  server: http.Server;
}
function countingProxy(upstream: string, intercept?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean, upstreamAuth?: string): Promise<Proxy> {
  const blobGets: string[] = [];
  const requests: Proxy['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url!, authorization: req.headers.authorization });
    if (intercept?.(req, res)) return;
    if (req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '')) blobGets.push(req.url!);
    const headers = { ...req.headers, host: upstream, ...(upstreamAuth ? { authorization: upstreamAuth } : {}) };
    const up = http.request(`http://${upstream}${req.url}`, { method: req.method, headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ host: `127.0.0.1:${(server.address() as { port: number }).port}`, blobGets, requests, server })));
}

function closeProxy(p: Proxy): Promise<unknown> {
  p.server.closeAllConnections();
  return new Promise((r) => p.server.close(r));
}

function b64url(x: Buffer | string): string {
  return Buffer.from(x).toString('base64url');
}

before(async () => {
  W = await tempDir('registry');
  const img = path.join(W, 'img');
  await buildImages(img);
  storage = path.join(W, 'storage');
  anon = await startRegistry(W, storage);
  await skopeoCopy(`docker-archive:${img}/app.tar`, `docker://${anon.host}/app:latest`);
  await skopeoCopy(`oci:${img}/app2-oci:latest`, `docker://${anon.host}/team/app2:v2`, ['--preserve-digests']);
  await skopeoCopy(`oci:${img}/multi-oci:latest`, `docker://${anon.host}/multi:latest`, ['--all']);
  await skopeoCopy(`oci:${img}/app-zstd:latest`, `docker://${anon.host}/zstd:latest`, ['--preserve-digests']);
  await skopeoCopy(`docker-archive:${img}/app.tar`, `docker://${anon.host}/corrupt:latest`, ['--format', 'oci', '--dest-compress-format', 'gzip']);
  // --verify so the archive's report also says "verified" (registry blobs are always checked against their digests).
  const arch = await runCli(['inspect', `${img}/app.tar`, '--json', '--verify']);
  assert.equal(arch.code, 0, arch.stderr);
  archiveReport = comparable(JSON.parse(arch.stdout));

  // Basic auth
  const { stdout: htpasswd } = await run('htpasswd', ['-Bbn', USER, PASS]);
  await writeFile(path.join(W, 'htpasswd'), htpasswd);
  basic = await startRegistry(W, storage, `{ htpasswd: { realm: basic-realm, path: ${path.join(W, 'htpasswd')} } }`);

  // Token auth: a self-signed key pair, and a token server that signs RS256 JWTs with it.
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(W, 'token.key'), '-out', path.join(W, 'token.crt'), '-days', '1', '-subj', '/CN=msb-test-token']);
  const key = await readFile(path.join(W, 'token.key'), 'utf8');
  const certDer = new X509Certificate(await readFile(path.join(W, 'token.crt'))).raw.toString('base64');
  tokenServer = http.createServer(async (req, res) => {
    const u = new URL(req.url!, 'http://x');
    if (req.method === 'POST') {
      // OAuth2 refresh-token grant (identity tokens from docker login): parameters in a form body.
      let body = '';
      for await (const c of req) body += c;
      for (const [k, v] of new URLSearchParams(body)) u.searchParams.set(k, v);
    }
    tokenRequests.push({ authorization: req.headers.authorization, scope: u.searchParams.get('scope') ?? undefined });
    const auth = req.headers.authorization ?? '';
    let decoded = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString() : '';
    if (req.method === 'POST' && u.searchParams.get('grant_type') === 'refresh_token' && u.searchParams.get('refresh_token') === 'good-refresh') decoded = `other:${PASS}`;
    const [user, pass] = [decoded.slice(0, decoded.indexOf(':')), decoded.slice(decoded.indexOf(':') + 1)];
    if (decoded !== `${USER}:${PASS}` && decoded !== `other:${PASS}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    void pass;
    const [, name, actions] = /^repository:([^:]+):(.*)$/.exec(u.searchParams.get('scope') ?? '') ?? [];
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', x5c: [certDer] }));
    const claims = b64url(
      JSON.stringify({ iss: 'test-issuer', sub: user, aud: 'test-registry', exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access: name ? [{ type: 'repository', name, actions: actions.split(',') }] : [] }),
    );
    const sig = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key);
    const jwt = `${header}.${claims}.${b64url(sig)}`;
    // One user gets the OAuth2-style field, to prove both are understood.
    const body = user === 'other' ? { access_token: jwt } : { token: jwt };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  tokenPort = await new Promise<number>((r) => tokenServer.listen(0, '127.0.0.1', () => r((tokenServer.address() as { port: number }).port)));
  token = await startRegistry(
    W,
    storage,
    `{ token: { realm: "http://127.0.0.1:${tokenPort}/token", service: test-registry, issuer: test-issuer, rootcertbundle: ${path.join(W, 'token.crt')} } }`,
  );
});

after(async () => {
  await Promise.all([anon?.stop(), basic?.stop(), token?.stop()]);
  await new Promise((r) => (tokenServer ? tokenServer.close(r) : r(undefined)));
  if (W) await removeDir(W);
});

function expectFailure(r: { code: number; stderr: string }, re: RegExp): void {
  assert.equal(r.code, 2, `exit code, stderr: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0], /^msb: /);
  assert.match(lines[0], re);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(!r.stderr.includes(PASS), 'never prints the password');
}

describe('anonymous registry', () => {
  test('gives the same analysis as the archive the image was pushed from', async () => {
    const r = await runCli(['inspect', `${anon.host}/app:latest`, '--json', '--no-cache']);
    assert.equal(r.code, 0, r.stderr);
    const rep = JSON.parse(r.stdout);
    assert.equal(rep.image.source, 'registry');
    assert.deepEqual(rep.image.notes, ['no Docker daemon reachable; read from the registry'], 'auto resolution fell back');
    assert.match(rep.image.digest, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(rep.image.tags, [`${anon.host}/app:latest`]);
    assert.ok(rep.layers.every((l: { compression: string; digest?: string }) => l.compression === 'gzip' && l.digest), 'skopeo pushed gzip layers');
    assert.deepEqual(comparable(rep), archiveReport);
    assert.ok(rep.summary.wastedBytes >= 300000, 'the deleted 300 kB file is waste');
  });

  test('registry:// forces the registry and a digest reference pins the manifest', async () => {
    const first = JSON.parse((await runCli(['inspect', `registry://${anon.host}/app:latest`, '--json', '--no-cache'])).stdout);
    const r = await runCli(['inspect', `${anon.host}/app@${first.image.digest}`, '--json', '--no-cache']);
    assert.equal(r.code, 0, r.stderr);
    const rep = JSON.parse(r.stdout);
    assert.equal(rep.image.digest, first.image.digest);
    assert.deepEqual(rep.image.tags, []);
    expectFailure(await runCli(['inspect', `${anon.host}/app@sha256:${'0'.repeat(64)}`, '--no-cache']), /not found in 127\.0\.0\.1:\d+ \(MANIFEST_UNKNOWN\)/);
  });

  test('the cache: a second inspect, and an image sharing base layers, download nothing twice', async () => {
    const proxy = await countingProxy(anon.host);
    const cacheDir = path.join(W, 'cache1');
    try {
      const one = await runCli(['inspect', `${proxy.host}/app:latest`, '--json', '--cache-dir', cacheDir]);
      assert.equal(one.code, 0, one.stderr);
      const layers = JSON.parse(one.stdout).layers.length;
      assert.equal(proxy.blobGets.length, layers + 1, 'every layer and the config, once');
      const cached = await readdir(path.join(cacheDir, 'blobs', 'sha256'));
      // The tag is asked for every time (tags move); the manifest it named is kept by digest for offline use.
      assert.equal(cached.length, layers + 2, 'layers, config and the manifest are cached');
      assert.equal((await readdir(path.join(cacheDir, 'refs'))).length, 1, "the tag's manifest record");
      assert.deepEqual(await readdir(path.join(cacheDir, 'tmp')), [], 'no temp files left behind');

      const two = await runCli(['inspect', `${proxy.host}/app:latest`, '--json', '--cache-dir', cacheDir]);
      assert.equal(two.code, 0, two.stderr);
      assert.equal(proxy.blobGets.length, layers + 1, 'second inspect downloads no blob');
      assert.deepEqual(comparable(JSON.parse(two.stdout)), comparable(JSON.parse(one.stdout)), 'cached layers give the same answer');

      const before = proxy.blobGets.length;
      const three = await runCli(['inspect', `${proxy.host}/team/app2:v2`, '--json', '--cache-dir', cacheDir]);
      assert.equal(three.code, 0, three.stderr);
      const rep3 = JSON.parse(three.stdout);
      assert.equal(rep3.layers.length, layers + 1);
      assert.equal(proxy.blobGets.length - before, 2, 'only the new layer and the new config');

      const noCache = await runCli(['inspect', `${proxy.host}/app:latest`, '--json', '--no-cache']);
      assert.equal(noCache.code, 0, noCache.stderr);
      assert.equal(proxy.blobGets.length - before - 2, layers + 1, '--no-cache downloads again');
    } finally {
      await closeProxy(proxy);
    }
  });

  test('multi-platform index: host platform by default, --platform picks, index and blobs readable', async () => {
    const def = JSON.parse((await runCli(['inspect', `${anon.host}/multi`, '--json', '--no-cache'])).stdout);
    assert.equal(def.image.architecture, 'amd64');
    assert.equal(def.summary.layers, archiveReport.layers.length);
    const arm = await runCli(['inspect', `${anon.host}/multi`, '--json', '--no-cache', '--platform', 'linux/arm64']);
    assert.equal(arm.code, 0, arm.stderr);
    const rep = JSON.parse(arm.stdout);
    assert.equal(rep.image.architecture, 'arm64');
    assert.equal(rep.summary.layers, 1);
    assert.notEqual(rep.image.digest, def.image.digest);
    expectFailure(await runCli(['inspect', `${anon.host}/multi`, '--no-cache', '--platform', 'linux/s390x']), /no image for platform linux\/s390x; available: linux\/amd64, linux\/arm64/);

    const img = await openRegistryImage(`${anon.host}/multi:latest`, { platform: { os: 'linux', architecture: 'arm64' } });
    assert.equal(img.index?.manifests.length, 2);
    const config = JSON.parse((await img.readBlob!(img.configDigest!)).toString());
    assert.equal(config.architecture, 'arm64');
    await assert.rejects(img.readBlob!(`sha256:${'1'.repeat(64)}`), /not found/);
  });

  test('an index with a BuildKit attestation: the image is selected, the attestation stays readable', async () => {
    // The attestation manifest is HAND-BUILT (no BuildKit here) and uploaded with the registry's own API.
    const base = `http://${anon.host}/v2/attested`;
    const put = async (data: Buffer): Promise<string> => {
      const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
      const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
      assert.equal(start.status, 202);
      const loc = new URL(start.headers.get('location')!, base);
      loc.searchParams.set('digest', digest);
      const done = await fetch(loc, { method: 'PUT', body: new Uint8Array(data), headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(done.status, 201, await done.text());
      return digest;
    };
    const putManifest = async (ref: string, doc: object, mediaType: string): Promise<{ digest: string; size: number }> => {
      const body = Buffer.from(JSON.stringify(doc));
      const res = await fetch(`${base}/manifests/${ref}`, { method: 'PUT', body, headers: { 'content-type': mediaType } });
      assert.equal(res.status, 201, await res.text());
      return { digest: `sha256:${createHash('sha256').update(body).digest('hex')}`, size: body.length };
    };
    await skopeoCopy(`docker://${anon.host}/app:latest`, `docker://${anon.host}/attested:image`, ['--src-tls-verify=false', '--format', 'oci']);
    const imgManifest = await fetch(`${base}/manifests/image`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const imgBody = Buffer.from(await imgManifest.arrayBuffer());
    const imgDigest = `sha256:${createHash('sha256').update(imgBody).digest('hex')}`;
    const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', predicateType: 'https://slsa.dev/provenance/v0.2', predicate: { buildType: 'hand-built' } }));
    const stDigest = await put(statement);
    const cfg = Buffer.from('{}');
    const cfgDigest = await put(cfg);
    const att = await putManifest('att', {
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfgDigest, size: cfg.length },
      layers: [{ mediaType: 'application/vnd.in-toto+json', digest: stDigest, size: statement.length, annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } }],
    }, 'application/vnd.oci.image.manifest.v1+json');
    await putManifest('latest', {
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: imgDigest, size: imgBody.length, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...att, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': imgDigest } },
      ],
    }, 'application/vnd.oci.image.index.v1+json');

    const img = await openRegistryImage(`${anon.host}/attested:latest`);
    assert.equal(img.digest, imgDigest, 'the image, not the attestation, was selected');
    assert.equal(img.index?.manifests.length, 2);
    const attDesc = img.index!.manifests.find((m) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest')!;
    const attManifest = JSON.parse((await img.readBlob!(attDesc.digest)).toString());
    const provenance = JSON.parse((await img.readBlob!(attManifest.layers[0].digest)).toString());
    assert.equal(provenance.predicate.buildType, 'hand-built');
    const r = await runCli(['inspect', `${anon.host}/attested`, '--json', '--no-cache']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(comparable(JSON.parse(r.stdout)), archiveReport);
  });

  test('zstd layers are read (and are really zstd in the registry)', async () => {
    const res = await fetch(`http://${anon.host}/v2/zstd/manifests/latest`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const manifest = (await res.json()) as { layers: Array<{ mediaType: string }> };
    assert.ok(manifest.layers.every((l) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar+zstd'), JSON.stringify(manifest.layers));
    const r = await runCli(['inspect', `${anon.host}/zstd:latest`, '--json', '--cache-dir', path.join(W, 'cache-zstd')]);
    assert.equal(r.code, 0, r.stderr);
    const rep = JSON.parse(r.stdout);
    assert.ok(rep.layers.every((l: { compression: string }) => l.compression === 'zstd'));
    assert.deepEqual(comparable(rep), archiveReport);
  });

  test('missing tag, missing repository and a dead registry are one-line errors', async () => {
    expectFailure(await runCli(['inspect', `${anon.host}/app:nope`, '--no-cache']), /app:nope: not found in 127\.0\.0\.1:\d+/);
    expectFailure(await runCli(['inspect', `${anon.host}/no/such/repo`, '--no-cache']), /no\/such\/repo:latest: not found in/);
    const dead = await freePort();
    expectFailure(await runCli(['inspect', `127.0.0.1:${dead}/app`, '--source', 'registry', '--no-cache']), new RegExp(`cannot reach registry 127\\.0\\.0\\.1:${dead}: connection refused`));
    expectFailure(await runCli(['inspect', 'Bad:/x']), /invalid image reference/);
  });

  test('a corrupted blob is a digest error, exit 2, and never enters the cache', async () => {
    const rep = JSON.parse((await runCli(['inspect', `${anon.host}/corrupt:latest`, '--json', '--no-cache'])).stdout);
    const victim: string = rep.layers[0].digest;
    const file = path.join(storage, 'docker/registry/v2/blobs/sha256', victim.slice(7, 9), victim.slice(7), 'data');
    const buf = await readFile(file);
    // Same size, different bytes at the end (in the gzip trailer and last deflate block).
    for (let i = buf.length - 64; i < buf.length - 8; i++) buf[i] ^= 0x5a;
    await chmod(file, 0o644);
    await writeFile(file, buf);
    const cacheDir = path.join(W, 'cache-corrupt');
    const r = await runCli(['inspect', `${anon.host}/corrupt:latest`, '--json', '--cache-dir', cacheDir]);
    expectFailure(r, /layer 0 \(sha256:[0-9a-f]{12}\).*(digest mismatch|corrupt)/);
    assert.equal(r.stdout, '', 'no partial report');
    await assert.rejects(stat(path.join(cacheDir, 'blobs/sha256', victim.slice(7))), 'corrupt blob not cached');
    assert.deepEqual(await readdir(path.join(cacheDir, 'tmp')), [], 'temp file removed');
  });
});

describe('Basic auth (htpasswd)', () => {
  test('no credentials: says how to log in', async () => {
    expectFailure(await runCli(['inspect', `${basic.host}/app:latest`, '--no-cache']), /requires a login \(use --username and --password-stdin, or docker login\)/);
  });

  test('--username + --password-stdin', async () => {
    const r = await runCli(['inspect', `${basic.host}/app:latest`, '--json', '--no-cache', '--username', USER, '--password-stdin'], { stdin: `${PASS}\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(comparable(JSON.parse(r.stdout)), archiveReport);
  });

  test('wrong password: authentication failed, password never printed', async () => {
    const r = await runCli(['inspect', `${basic.host}/app:latest`, '--no-cache', '--debug', '--username', USER, '--password-stdin'], { stdin: 'wrong' + PASS });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /authentication failed at 127\.0\.0\.1:\d+/);
    assert.ok(!r.stderr.includes('wrong' + PASS) && !r.stderr.includes(Buffer.from(`${USER}:wrong${PASS}`).toString('base64')), 'no credential even with --debug');
  });

  test('credentials from ~/.docker/config.json auths and from a credential helper', async () => {
    const cfgDir = path.join(W, 'dockercfg');
    await mkdir(cfgDir, { recursive: true });
    await writeFile(path.join(cfgDir, 'config.json'), JSON.stringify({ auths: { [`http://${basic.host}`]: { auth: Buffer.from(`${USER}:${PASS}`).toString('base64') } } }));
    const r = await runCli(['inspect', `${basic.host}/app:latest`, '--json', '--no-cache'], { env: { DOCKER_CONFIG: cfgDir } });
    assert.equal(r.code, 0, r.stderr);

    const helperDir = path.join(W, 'helperbin');
    await mkdir(helperDir, { recursive: true });
    const helper = path.join(helperDir, 'docker-credential-msbtest');
    // The docker-credential-helpers protocol: `get`, server URL on stdin, JSON on stdout.
    await writeFile(helper, `#!/bin/sh\nread url\n[ "$1" = get ] && [ "$url" = "${basic.host}" ] || exit 1\nprintf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASS}"}' "$url"\n`);
    await chmod(helper, 0o755);
    const cfg2 = path.join(W, 'dockercfg2');
    await mkdir(cfg2, { recursive: true });
    await writeFile(path.join(cfg2, 'config.json'), JSON.stringify({ credHelpers: { [basic.host]: 'msbtest' } }));
    const env = { DOCKER_CONFIG: cfg2, PATH: `${helperDir}:${process.env.PATH}` };
    const h = await runCli(['inspect', `${basic.host}/app:latest`, '--json', '--no-cache'], { env });
    assert.equal(h.code, 0, h.stderr);
    await writeFile(path.join(cfg2, 'config.json'), JSON.stringify({ credHelpers: { [basic.host]: 'missing' } }));
    expectFailure(await runCli(['inspect', `${basic.host}/app:latest`, '--no-cache'], { env }), /credential helper docker-credential-missing .* is not installed/);
  });
});

describe('token auth', () => {
  test('Bearer token flow with credentials; `token` and `access_token` both work', async () => {
    tokenRequests.length = 0;
    const r = await runCli(['inspect', `${token.host}/app:latest`, '--json', '--no-cache', '--username', USER, '--password-stdin'], { stdin: PASS });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(comparable(JSON.parse(r.stdout)), archiveReport);
    assert.equal(tokenRequests.length, 1, 'one token for the whole pull');
    assert.equal(tokenRequests[0].scope, 'repository:app:pull');
    assert.equal(tokenRequests[0].authorization, `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`);
    const o = await runCli(['inspect', `${token.host}/multi:latest`, '--json', '--no-cache', '--username', 'other', '--password-stdin'], { stdin: PASS });
    assert.equal(o.code, 0, o.stderr);
  });

  test('an identity token from config.json is exchanged with the OAuth2 refresh-token grant', async () => {
    const cfgDir = path.join(W, 'dockercfg-idtoken');
    await mkdir(cfgDir, { recursive: true });
    await writeFile(path.join(cfgDir, 'config.json'), JSON.stringify({ auths: { [token.host]: { identitytoken: 'good-refresh' } } }));
    tokenRequests.length = 0;
    const r = await runCli(['inspect', `${token.host}/app:latest`, '--json', '--no-cache'], { env: { DOCKER_CONFIG: cfgDir } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(tokenRequests.length, 1);
    assert.equal(tokenRequests[0].scope, 'repository:app:pull');
    assert.ok(!r.stderr.includes('good-refresh'));
  });

  test('wrong credentials and anonymous access are refused clearly', async () => {
    expectFailure(
      await runCli(['inspect', `${token.host}/app:latest`, '--no-cache', '--username', USER, '--password-stdin'], { stdin: 'nope' }),
      /token server for 127\.0\.0\.1:\d+ refused the credentials from --username\/--password-stdin \(HTTP 401\)/,
    );
    expectFailure(await runCli(['inspect', `${token.host}/app:latest`, '--no-cache']), /refused anonymous access/);
  });
});

describe('HTTP behaviour', () => {
  test('blob redirects are followed without sending Authorization to the other host', async () => {
    // "cdn" serves blobs with its own upstream credentials; the registry front redirects blob GETs there.
    const cdn = await countingProxy(basic.host, undefined, `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`);
    const cdnPort = cdn.host.split(':')[1];
    const front = await countingProxy(basic.host, (req, res) => {
      if (req.method === 'GET' && /\/blobs\//.test(req.url ?? '') && req.headers.authorization) {
        res.writeHead(307, { location: `http://localhost:${cdnPort}${req.url}` }).end();
        return true;
      }
      return false;
    });
    try {
      const r = await runCli(['inspect', `${front.host}/app:latest`, '--json', '--no-cache', '--username', USER, '--password-stdin'], { stdin: PASS });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(comparable(JSON.parse(r.stdout)), archiveReport);
      assert.equal(cdn.requests.length, archiveReport.layers.length + 1, 'layers and config came from the other host');
      assert.ok(cdn.requests.every((q) => q.authorization === undefined), 'Authorization was not forwarded across hosts');
      assert.ok(front.requests.some((q) => q.authorization?.startsWith('Basic ')), 'but was sent to the registry itself');
    } finally {
      await closeProxy(front);
      await closeProxy(cdn);
    }
  });

  test('5xx and dropped connections are retried a bounded number of times; 4xx are not', async () => {
    const failedOnce = new Set<string>();
    const flaky = await countingProxy(anon.host, (req, res) => {
      const key = req.url!;
      if (failedOnce.has(key)) return false;
      failedOnce.add(key);
      if (/\/blobs\//.test(key)) req.socket.destroy(); // ECONNRESET mid-request
      else res.writeHead(503).end();
      return true;
    });
    const broken = await countingProxy(anon.host, (req, res) => {
      if (/\/manifests\//.test(req.url!)) {
        res.writeHead(req.url!.includes('bad') ? 400 : 502).end('{"errors":[{"code":"UNSUPPORTED"}]}');
        return true;
      }
      return false;
    });
    try {
      const r = await runCli(['inspect', `${flaky.host}/app:latest`, '--json', '--no-cache']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(comparable(JSON.parse(r.stdout)), archiveReport);

      const bad = await runCli(['inspect', `${broken.host}/bad:latest`, '--no-cache']);
      expectFailure(bad, /HTTP 400 from 127\.0\.0\.1:\d+ \(UNSUPPORTED\)/);
      assert.equal(broken.requests.filter((q) => q.url.includes('/bad/')).length, 1, 'a 4xx is not retried');
      const down = await runCli(['inspect', `${broken.host}/down:latest`, '--no-cache']);
      expectFailure(down, /HTTP 502 from 127\.0\.0\.1:\d+ \(gave up after 3 attempts\)/);
      assert.equal(broken.requests.filter((q) => q.url.includes('/down/')).length, 3, 'bounded retries');
    } finally {
      await closeProxy(flaky);
      await closeProxy(broken);
    }
  });

  test('a connection dropped in the middle of a blob is a clear error, and nothing is cached', async () => {
    const cut = await countingProxy(anon.host, (req, res) => {
      if (!/\/blobs\//.test(req.url!)) return false;
      http.get(`http://${anon.host}${req.url}`, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        const len = Number(up.headers['content-length']);
        let sent = 0;
        up.on('data', (c: Buffer) => {
          if (len > 100_000 && sent + c.length > len / 2) {
            up.destroy();
            res.socket?.destroy();
            return;
          }
          sent += c.length;
          res.write(c);
        });
        up.on('end', () => res.end());
      });
      return true;
    });
    const cacheDir = path.join(W, 'cache-cut');
    try {
      const r = await runCli(['inspect', `${cut.host}/app:latest`, '--json', '--cache-dir', cacheDir]);
      expectFailure(r, /layer 0 \(sha256:[0-9a-f]{12}\).*(interrupted|size mismatch)/);
      const cached = await readdir(path.join(cacheDir, 'blobs', 'sha256')).catch((): string[] => []);
      const layer0 = (await openRegistryImage(`${anon.host}/app:latest`)).layers[0].digest!;
      assert.ok(!cached.includes(layer0.slice(7)), 'the cut blob is not cached');
    } finally {
      await closeProxy(cut);
    }
  });

  test('when one layer fails, close() stops the downloads still in flight', { timeout: 60_000 }, async () => {
    const { inspect } = await import('../../src/pipeline/inspect.js');
    const plain = await openRegistryImage(`${anon.host}/corrupt:latest`);
    const stallDigest = plain.layers[1].digest!;
    let stalledClosed!: Promise<void>;
    const proxy = await countingProxy(anon.host, (req, res) => {
      if (!req.url!.includes(stallDigest)) return false;
      // Headers and one byte, then nothing: only the client can end this.
      res.writeHead(200, { 'content-length': String(plain.layers[1].location?.size ?? 1_000_000) });
      res.write(Buffer.from([0x1f]));
      stalledClosed = new Promise((r) => res.on('close', () => r()));
      return true;
    });
    try {
      // A long idle timeout: only close() can end the stalled download within the test timeout.
      const img = await openRegistryImage(`${proxy.host}/corrupt:latest`, { timeoutMs: 600_000 });
      // layer 0 is the corrupted blob (previous test); layer 1 stalls.
      await assert.rejects(inspect(img), /layer 0 .*(digest mismatch|corrupt)/);
      assert.ok(stalledClosed, 'the stalled download had started');
      await img.close();
      await stalledClosed;
    } finally {
      await closeProxy(proxy);
    }
  });

  test('download progress is reported per layer, ending with done', async () => {
    const seen = new Map<number, { bytes: number; total: number; done: boolean }>();
    const { inspect } = await import('../../src/pipeline/inspect.js');
    const img = await openRegistryImage(`${anon.host}/app:latest`, {
      cache: new BlobCache(path.join(W, 'cache-progress')),
      onDownload: (p) => {
        assert.ok(p.bytesPerSecond > 0 && Number.isFinite(p.bytesPerSecond));
        seen.set(p.layer, { bytes: p.bytes, total: p.total, done: p.done || !!seen.get(p.layer)?.done });
      },
    });
    await inspect(img);
    assert.equal(seen.size, img.layers.length);
    for (const [i, p] of seen) {
      assert.ok(p.done, `layer ${i} finished`);
      assert.equal(p.bytes, p.total, `layer ${i} bytes`);
    }
    const again = await openRegistryImage(`${anon.host}/app:latest`, { cache: new BlobCache(path.join(W, 'cache-progress')) });
    assert.ok(again.layers.every((l) => l.location), 'cached layers are local files the walker can seek');
  });
});
