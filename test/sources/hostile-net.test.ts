/**
 * Hostile registries, caches, proxies and save streams (classes 8, 9, 10 and the registry's TLS and
 * proxy handling). The registries here are FAKES: small node http(s) servers on 127.0.0.1 ephemeral
 * ports, serving a HAND-BUILT image and misbehaving on purpose. Every case ends in exit 0 or exit 2
 * with one `msb:` line, within its time bound. msb runs as a child process: the limits and proxies
 * come from its environment (MSB_NET_IDLE_MS, HTTPS_PROXY, ...).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { simpleLayer } from '../helpers/handmade.js';
import { runCli } from './helpers.js';
import { bypassProxy, proxyFor, request } from '../../src/source/registry/transport.js';
import { imageStreamFromSave } from '../../src/source/daemon/savestream.js';

/** Closes a server: its connections (tunnels included) are destroyed; never waits more than a second. */
function shut(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  (server as http.Server).closeAllConnections?.();
  return new Promise((r) => {
    const t = setTimeout(r, 1000);
    server.close(() => {
      clearTimeout(t);
      r();
    });
  });
}

function track(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const hex = (d: string) => d.slice('sha256:'.length);

let dir: string;
let key: Buffer;
let cert: Buffer;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'msb-hostile-net-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=registry.test', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  key = readFileSync(path.join(dir, 'key.pem'));
  cert = readFileSync(path.join(dir, 'cert.pem'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A HAND-BUILT one-layer image as a registry stores it: gzip layer, config, Docker v2 manifest. */
interface FakeImage {
  layer: Buffer;
  config: Buffer;
  manifest: Buffer;
}
async function fakeImage(configPad = 0): Promise<FakeImage> {
  const tar = await simpleLayer({ 'etc/hello.txt': 'hello from a fake registry\n', 'usr/bin/tool': 'x'.repeat(5000) });
  const layer = gzipSync(tar);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(tar)] }, history: [{ created_by: 'COPY . / # hand-built' }], pad: 'p'.repeat(configPad) }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha(config) },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: sha(layer) }],
    }),
  );
  return { layer, config, manifest };
}

type Hook = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
interface Fake {
  host: string;
  port: number;
  blobGets: string[];
  hook?: Hook;
  close(): Promise<void>;
}

/** A FAKE registry serving `img` as app:latest; `hook` may answer a request itself. */
async function fakeRegistry(img: FakeImage, tlsOpts?: { key: Buffer; cert: Buffer }): Promise<Fake> {
  const blobs = new Map([img.layer, img.config, img.manifest].map((b) => [sha(b), b]));
  const fake = { blobGets: [] as string[] } as unknown as Fake;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (fake.hook?.(req, res)) return;
    const url = req.url ?? '';
    if (url === '/v2/') return void res.end('{}');
    const m = /^\/v2\/app\/manifests\/(.+)$/.exec(url);
    if (m && (m[1] === 'latest' || m[1] === sha(img.manifest))) {
      res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json', 'docker-content-digest': sha(img.manifest), 'content-length': img.manifest.length });
      return void res.end(img.manifest);
    }
    const b = /^\/v2\/app\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url);
    if (b && blobs.has(b[1])) {
      fake.blobGets.push(b[1]);
      res.writeHead(200, { 'content-length': blobs.get(b[1])!.length });
      return void res.end(blobs.get(b[1]));
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
  };
  const server = tlsOpts ? https.createServer(tlsOpts, handler) : http.createServer(handler);
  const sockets = track(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.port = (server.address() as net.AddressInfo).port;
  fake.host = `127.0.0.1:${fake.port}`;
  fake.close = () => shut(server, sockets);
  return fake;
}

/** Exit 2 with one `msb:` line matching `pattern`, within `ms`. */
async function refused(args: string[], pattern: RegExp, ms: number, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const t0 = Date.now();
  const r = await runCli(args, { env });
  const took = Date.now() - t0;
  assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}${r.stdout.slice(0, 200)}`);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^msb: /);
  assert.match(r.stderr.trimEnd(), pattern);
  assert.ok(took < ms, `took ${took} ms (bound ${ms})`);
  return r.stderr.trimEnd();
}

async function inspectJson(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ summary: { verified: boolean; files: number } } & Record<string, unknown>> {
  const r = await runCli([...args, '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { summary: { verified: boolean; files: number } };
}

const SHORT = { MSB_NET_IDLE_MS: '700', MSB_NET_DEADLINE_MS: '1500' };

describe('network reads end (class 8: hangs)', () => {
  let img: FakeImage;
  let fake: Fake;
  before(async () => {
    img = await fakeImage();
    fake = await fakeRegistry(img);
  });
  after(() => fake.close());

  test('an error body dripping a byte every 100 ms ends at the total deadline', { timeout: 30_000 }, async () => {
    fake.hook = (req, res) => {
      if (!/manifests/.test(req.url ?? '')) return false;
      res.writeHead(404, { 'content-type': 'application/json' });
      const t = setInterval(() => res.write(' '), 100);
      res.on('close', () => clearInterval(t));
      return true;
    };
    await refused(['inspect', `registry://${fake.host}/app:latest`, '--no-cache', '--json'], /app:latest: not found in 127\.0\.0\.1/, 12_000, SHORT);
  });

  test('response headers then silence: the idle timeout', { timeout: 30_000 }, async () => {
    fake.hook = (req, res) => {
      if (!/manifests/.test(req.url ?? '')) return false;
      res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json', 'content-length': 5000 });
      res.write('{');
      return true;
    };
    await refused(['inspect', `registry://${fake.host}/app:latest`, '--no-cache', '--json'], /download failed: no data for 0\.7s/, 12_000, SHORT);
  });

  test('no response headers at all: the idle timeout, retried, then one line', { timeout: 30_000 }, async () => {
    fake.hook = (req) => /manifests/.test(req.url ?? '');
    await refused(['inspect', `registry://${fake.host}/app:latest`, '--no-cache', '--json'], /no response from 127\.0\.0\.1:\d+ \(no data for 0\.7s\) \(gave up after 3 attempts\)/, 15_000, SHORT);
  });

  test('a layer download that stalls half way', { timeout: 30_000 }, async () => {
    fake.hook = (req, res) => {
      if (req.url !== `/v2/app/blobs/${sha(img.layer)}`) return false;
      res.writeHead(200, { 'content-length': img.layer.length });
      res.write(img.layer.subarray(0, img.layer.length >> 1));
      return true;
    };
    await refused(['inspect', `registry://${fake.host}/app:latest`, '--no-cache', '--json'], /interrupted \(no data for 0\.7s\)/, 12_000, SHORT);
  });

  test('a cache directory under a regular file: one clear error', { timeout: 30_000 }, async () => {
    fake.hook = undefined;
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'x');
    await refused(['inspect', `registry://${fake.host}/app:latest`, '--cache-dir', path.join(file, 'cache'), '--json'], /cannot create the cache directory .*a-file\/cache: ENOTDIR \(use --cache-dir DIR or --no-cache\)/, 12_000);
  });
});

describe('bodies read into memory are capped (class 9)', () => {
  let fake: Fake;
  let tokenServer: http.Server;
  after(async () => {
    await fake?.close();
    if (tokenServer) await shut(tokenServer, new Set());
  });

  test('a 5 MiB manifest, a 17 MiB config, an endless token answer', { timeout: 30_000 }, async () => {
    const img = await fakeImage(17 << 20);
    fake = await fakeRegistry(img);
    await refused(['inspect', `registry://${fake.host}/app:latest`, '--no-cache', '--json'], /config sha256:[0-9a-f]{12}: larger than 16 MiB, refusing to read it into memory/, 10_000);

    const big = Buffer.alloc(5 << 20, 0x20);
    fake.hook = (req, res) => {
      if (!/manifests/.test(req.url ?? '')) return false;
      res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' });
      res.end(big);
      return true;
    };
    await refused(['inspect', `registry://${fake.host}/app:latest`, '--no-cache', '--json'], /app:latest: larger than 4 MiB, refusing to read it into memory/, 10_000);

    tokenServer = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 << 10, 0x20);
      const pump = () => {
        while (res.write(chunk));
      };
      res.on('drain', pump);
      pump();
    });
    await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', r));
    const realm = `http://127.0.0.1:${(tokenServer.address() as net.AddressInfo).port}/token`;
    fake.hook = (_req, res) => {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="fake"` });
      res.end();
      return true;
    };
    await refused(['inspect', `registry://${fake.host}/app:latest`, '--no-cache', '--json'], /the token server for 127\.0\.0\.1:\d+: larger than 1 MiB/, 10_000);
  });
});

describe('registry blobs are verified by default, and the cache on digest (classes 5 and 10)', () => {
  let img: FakeImage;
  let fake: Fake;
  let cache: string;
  let first: Awaited<ReturnType<typeof inspectJson>>;
  const ref = () => `registry://${fake.host}/app:latest`;
  before(async () => {
    img = await fakeImage();
    fake = await fakeRegistry(img);
    cache = path.join(dir, 'cache');
  });
  after(() => fake.close());

  test('a download whose bytes do not match the digest is exit 2, and nothing is cached', async () => {
    const wrong = Buffer.from(img.layer);
    wrong[wrong.length - 10] ^= 0xff;
    fake.hook = (req, res) => {
      if (req.url !== `/v2/app/blobs/${sha(img.layer)}`) return false;
      res.end(wrong);
      return true;
    };
    await refused(['inspect', ref(), '--cache-dir', cache, '--json'], /layer 0 \(sha256:[0-9a-f]{12}\).*digest mismatch/, 10_000);
    assert.ok(!existsSync(path.join(cache, 'blobs/sha256', hex(sha(img.layer)))), 'the corrupt layer is not cached');
    assert.deepEqual(readdirSync(path.join(cache, 'tmp')), [], 'no temp file left');
  });

  test('a good pull reports verified: true without --verify; a cached one too, with no download', async () => {
    fake.hook = undefined;
    first = await inspectJson(['inspect', ref(), '--cache-dir', cache]);
    assert.equal(first.summary.verified, true);
    const gets = fake.blobGets.length;
    const again = await inspectJson(['inspect', ref(), '--cache-dir', cache]);
    assert.equal(again.summary.verified, true);
    assert.equal(fake.blobGets.length, gets, 'served from the cache');
    assert.deepEqual(again.summary, first.summary);
  });

  test('a cached layer swapped for other bytes of the same size is evicted and fetched again', async () => {
    const file = path.join(cache, 'blobs/sha256', hex(sha(img.layer)));
    const swapped = gzipSync(Buffer.alloc(img.layer.length, 1)).subarray(0, 10);
    const other = Buffer.concat([swapped, Buffer.alloc(img.layer.length - swapped.length)]);
    assert.equal(other.length, statSync(file).size);
    writeFileSync(file, other);
    // What walking the layer found is cached too (keyed by its digests): drop that, so the blob is read.
    rmSync(path.join(cache, 'layers'), { recursive: true, force: true });
    const gets = fake.blobGets.filter((d) => d === sha(img.layer)).length;
    const r = await inspectJson(['inspect', ref(), '--cache-dir', cache]);
    assert.deepEqual(r.summary, first.summary, 'the report is the image, not the swapped bytes');
    assert.equal(fake.blobGets.filter((d) => d === sha(img.layer)).length, gets + 1, 'the layer was downloaded again');
    assert.deepEqual(readFileSync(file), img.layer, 'and the cache holds the right bytes again');
  });

  test('a cached config with other bytes is evicted and fetched again', async () => {
    const file = path.join(cache, 'blobs/sha256', hex(sha(img.config)));
    writeFileSync(file, Buffer.from(img.config.toString().replace('hand-built', 'hand-bui1t')));
    const gets = fake.blobGets.filter((d) => d === sha(img.config)).length;
    const r = await inspectJson(['inspect', ref(), '--cache-dir', cache]);
    assert.deepEqual(r.summary, first.summary);
    assert.equal(fake.blobGets.filter((d) => d === sha(img.config)).length, gets + 1);
    assert.deepEqual(readFileSync(file), img.config);
  });
});

/** A FAKE forward proxy: CONNECT tunnels and absolute-URL requests, all sent to 127.0.0.1 at the same port. */
async function fakeProxy(): Promise<{ url: string; connects: string[]; requests: string[]; close(): Promise<void> }> {
  const connects: string[] = [];
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const u = new URL(req.url ?? '');
    const up = http.request({ host: '127.0.0.1', port: u.port, path: u.pathname + u.search, method: req.method, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  const sockets = track(server);
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    connects.push(req.url ?? '');
    const port = Number((req.url ?? '').split(':').pop());
    const up = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    sockets.add(up);
    up.on('close', () => sockets.delete(up));
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    connects,
    requests,
    close: () => shut(server, sockets),
  };
}

describe('--insecure and proxies', () => {
  let img: FakeImage;
  let tlsFake: Fake;
  let plainFake: Fake;
  let proxy: Awaited<ReturnType<typeof fakeProxy>>;
  before(async () => {
    img = await fakeImage();
    tlsFake = await fakeRegistry(img, { key, cert });
    plainFake = await fakeRegistry(img);
    proxy = await fakeProxy();
  });
  after(async () => {
    await tlsFake.close();
    await plainFake.close();
    await proxy.close();
  });

  test('a self-signed HTTPS registry through HTTPS_PROXY: refused without --insecure, read with it', { timeout: 40_000 }, async () => {
    // registry.test does not resolve: only the proxy can reach it (it sends every tunnel to 127.0.0.1).
    const ref = `registry://registry.test:${tlsFake.port}/app:latest`;
    const env = { HTTPS_PROXY: proxy.url, NO_PROXY: 'example.org' };
    await refused(['inspect', ref, '--no-cache', '--json'], /TLS error talking to registry\.test:\d+: self-signed certificate/, 15_000, env);
    const r = await inspectJson(['inspect', ref, '--no-cache', '--insecure'], env);
    assert.equal(r.summary.verified, true);
    assert.ok(proxy.connects.length >= 2 && proxy.connects.every((c) => c === `registry.test:${tlsFake.port}`), proxy.connects.join(' '));
    assert.equal(proxy.requests.length, 0);
  });

  test('a plain-HTTP registry with --insecure through HTTP_PROXY (HTTPS tried first, as docker does)', { timeout: 20_000 }, async () => {
    proxy.connects.length = 0;
    const ref = `registry://registry.test:${plainFake.port}/app:latest`;
    const r = await inspectJson(['inspect', ref, '--no-cache', '--insecure'], { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url });
    assert.equal(r.summary.verified, true);
    assert.deepEqual(proxy.connects, [`registry.test:${plainFake.port}`], 'one HTTPS attempt');
    assert.ok(proxy.requests.some((u) => u === `http://registry.test:${plainFake.port}/v2/app/manifests/latest`), proxy.requests.join(' '));
  });

  test('NO_PROXY and loopback hosts go direct', () => {
    const env = { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '.corp.example,registry.io:5000' };
    assert.equal(proxyFor(new URL('https://ghcr.io/v2/'), env)?.host, 'proxy:3128');
    assert.equal(proxyFor(new URL('https://a.corp.example/v2/'), env), undefined);
    assert.equal(proxyFor(new URL('https://corp.example/v2/'), env), undefined);
    assert.equal(proxyFor(new URL('https://registry.io:5000/v2/'), env), undefined);
    assert.equal(proxyFor(new URL('https://registry.io/v2/'), env)?.host, 'proxy:3128');
    assert.equal(proxyFor(new URL('http://ghcr.io/v2/'), env), undefined, 'HTTP_PROXY is not set');
    assert.equal(proxyFor(new URL('https://x/'), { https_proxy: 'proxy:1' })?.href, 'http://proxy:1/');
    assert.ok(bypassProxy(new URL('http://127.0.0.1:5000/'), undefined));
    assert.ok(bypassProxy(new URL('http://localhost:5000/'), undefined));
    assert.ok(bypassProxy(new URL('https://any.where/'), '*'));
  });

  test('certificate checks are skipped only for the hosts named insecure', async () => {
    const url = `https://127.0.0.1:${tlsFake.port}/v2/`;
    const ok = await request(url, {}, { insecureHosts: new Set([`127.0.0.1:${tlsFake.port}`]), env: {} });
    assert.equal(ok.status, 200);
    ok.body.resume();
    await assert.rejects(request(url, {}, { insecureHosts: new Set(['127.0.0.1:1']), env: {} }), /self-signed certificate/);
    await assert.rejects(request(url, {}, { env: {} }), /self-signed certificate/);
  });
});

describe('daemon save streams end (class 8)', () => {
  const drain = async (s: ReturnType<typeof imageStreamFromSave>) => {
    for await (const l of s.layers) for await (const _ of await l.open()) void _;
    return s.finish();
  };

  test('an endless stream of zero bytes stops at the end-of-archive marker', { timeout: 10_000 }, async () => {
    let sent = 0;
    const zeros = new Readable({
      read() {
        sent += 1 << 16;
        this.push(Buffer.alloc(1 << 16));
      },
    });
    await assert.rejects(drain(imageStreamFromSave(zeros, { label: 'zeros' })), /zeros: the daemon's save stream has neither manifest\.json nor index\.json/);
    assert.ok(sent < 4 << 20, `read ${sent} bytes`);
  });

  test('a stream that stalls: the idle timeout', { timeout: 10_000 }, async () => {
    const t0 = Date.now();
    const silent = new Readable({ read() {} });
    await assert.rejects(drain(imageStreamFromSave(silent, { label: 'stalled', idleMs: 300 })), /stalled: the daemon sent no data for 0\.3s; giving up/);
    assert.ok(Date.now() - t0 < 3000);
  });

  test('a large layer reaches the consumer as a stream, not buffered', { timeout: 20_000 }, async () => {
    const size = 64 << 20;
    const header = Buffer.alloc(512);
    header.write('big/layer.tar', 0);
    header.write('0000644\0', 100);
    header.write(size.toString(8).padStart(11, '0') + '\0', 124);
    header.write('00000000000\0', 136);
    header.write('0', 156);
    header.write('ustar\0' + '00', 257);
    header.fill(' ', 148, 156);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    let produced = 0;
    const src = new Readable({
      highWaterMark: 1 << 16,
      read() {
        if (produced === 0) {
          produced += 512;
          this.push(header);
        } else if (produced < size + 512) {
          const n = Math.min(1 << 16, size + 512 - produced);
          produced += n;
          this.push(Buffer.alloc(n));
        } else this.push(null);
      },
    });
    const s = imageStreamFromSave(src, { label: 'big' });
    const it = s.layers[Symbol.asyncIterator]();
    const first = await it.next();
    assert.ok(!first.done);
    const body = await first.value.open();
    const one = await new Promise<Buffer>((r) => body.once('readable', () => r(body.read(1024) as Buffer)));
    assert.ok(one.length > 0);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(produced < 8 << 20, `the parser read ${produced} bytes ahead of a consumer that read 1 KiB`);
    body.destroy();
    await s.close();
    await it.return?.(undefined);
  });
});
