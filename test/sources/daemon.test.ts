import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildImages, comparable, freePort, removeDir, repoRoot, run, runCli, startDockerd, tempDir, type Dockerd } from './helpers.js';

/**
 * The daemon source against a real private dockerd (Debian docker.io 20.10, vfs): images loaded from
 * buildah-built archives are inspected through the save API and must give exactly the archive's
 * analysis. dockerd failing to start is a failure, not a skip.
 */

let W: string;
let img: string;
let dockerd: Dockerd;
let archiveReport: ReturnType<typeof comparable>;

before(async () => {
  W = await tempDir('daemon');
  img = path.join(W, 'img');
  await buildImages(img);
  dockerd = await startDockerd(path.join(W, 'd'));
  await run('/usr/bin/docker', ['-H', dockerd.host, 'load', '-q', '-i', path.join(img, 'app.tar')]);
  await run('/usr/bin/docker', ['-H', dockerd.host, 'tag', 'localhost/app:latest', 'msbtest/other:v1']);
  // --verify so the archive's report also says "verified" (the daemon source always checks diff_ids).
  const arch = await runCli(['inspect', path.join(img, 'app.tar'), '--json', '--verify']);
  assert.equal(arch.code, 0, arch.stderr);
  archiveReport = comparable(JSON.parse(arch.stdout));
});

after(async () => {
  await dockerd?.stop();
  if (W) await removeDir(W);
});

function expectFailure(r: { code: number; stderr: string; stdout: string }, re: RegExp): void {
  assert.equal(r.code, 2, `exit code, stderr: ${r.stderr}`);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.match(r.stderr, re);
  assert.equal(r.stdout, '');
}

describe('Docker daemon', () => {
  test('docker:// reads the image through the save API: same analysis as the archive', async () => {
    const r = await runCli(['inspect', 'docker://localhost/app:latest', '--json'], { env: { DOCKER_HOST: dockerd.host } });
    assert.equal(r.code, 0, r.stderr);
    const rep = JSON.parse(r.stdout);
    assert.equal(rep.image.source, 'daemon');
    assert.equal(rep.image.reference, 'docker://localhost/app:latest');
    assert.deepEqual(rep.image.tags, ['localhost/app:latest']);
    assert.match(rep.image.configDigest, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(comparable(rep), archiveReport);
    assert.equal(rep.summary.verified, true, 'every layer was checked against its diff_id');
    // File content reaches the findings on the streamed path too (the key is confirmed by content).
    assert.ok(rep.findings.some((f: { rule: string }) => f.rule === 'secret-private-key'), 'planted key found');
  });

  test('a plain name resolves to the daemon when it has the image; text output works', async () => {
    const r = await runCli(['inspect', 'msbtest/other:v1', '--json'], { env: { DOCKER_HOST: dockerd.host } });
    assert.equal(r.code, 0, r.stderr);
    const rep = JSON.parse(r.stdout);
    assert.equal(rep.image.source, 'daemon');
    assert.deepEqual(comparable(rep), archiveReport);
    const t = await runCli(['inspect', 'msbtest/other:v1', '--text'], { env: { DOCKER_HOST: dockerd.host } });
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /\(daemon, linux\/amd64\)/);
    assert.match(t.stdout, /\/data\/big\.bin/);
  });

  test('the current docker context is honoured when DOCKER_HOST is unset', async () => {
    const cfg = path.join(W, 'dockercfg');
    const id = createHash('sha256').update('msbctx').digest('hex');
    await mkdir(path.join(cfg, 'contexts', 'meta', id), { recursive: true });
    await writeFile(path.join(cfg, 'config.json'), JSON.stringify({ currentContext: 'msbctx' }));
    await writeFile(path.join(cfg, 'contexts', 'meta', id, 'meta.json'), JSON.stringify({ Name: 'msbctx', Endpoints: { docker: { Host: dockerd.host } } }));
    const r = await runCli(['inspect', 'docker://localhost/app:latest', '--json'], { env: { DOCKER_HOST: '', DOCKER_CONFIG: cfg } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(comparable(JSON.parse(r.stdout)), archiveReport);
    await writeFile(path.join(cfg, 'config.json'), JSON.stringify({ currentContext: 'gone' }));
    expectFailure(await runCli(['inspect', 'docker://localhost/app:latest'], { env: { DOCKER_HOST: '', DOCKER_CONFIG: cfg } }), /docker context "gone" .* not found/);
  });

  test('--source podman uses the Docker-compatible socket at $XDG_RUNTIME_DIR/podman/podman.sock', async () => {
    // dockerd's API is what Podman's compat socket speaks; a symlink puts it where Podman's would be.
    const xdg = path.join(W, 'xdg');
    await mkdir(path.join(xdg, 'podman'), { recursive: true });
    await symlink(dockerd.socket, path.join(xdg, 'podman', 'podman.sock'));
    const r = await runCli(['inspect', 'localhost/app:latest', '--source', 'podman', '--json'], { env: { XDG_RUNTIME_DIR: xdg, CONTAINER_HOST: '' } });
    assert.equal(r.code, 0, r.stderr);
    const rep = JSON.parse(r.stdout);
    assert.equal(rep.image.source, 'daemon');
    assert.deepEqual(rep.image.notes, ['read from Podman']);
    assert.deepEqual(comparable(rep), archiveReport);
    const p = await runCli(['inspect', 'podman://localhost/app:latest', '--json'], { env: { XDG_RUNTIME_DIR: xdg, CONTAINER_HOST: '' } });
    assert.equal(p.code, 0, p.stderr);
  });

  test('image missing from the daemon: one line suggesting the registry source', async () => {
    expectFailure(
      await runCli(['inspect', 'docker://nosuch/image:1'], { env: { DOCKER_HOST: dockerd.host } }),
      /^msb: nosuch\/image:1: no such image in the Docker daemon \(unix:\/\/.*\); to read it from its registry use --source registry$/m,
    );
    // Without a prefix msb falls back to the registry, and says the daemon did not have it either.
    const port = await freePort();
    expectFailure(
      await runCli(['inspect', `127.0.0.1:${port}/nothere:1`], { env: { DOCKER_HOST: dockerd.host } }),
      new RegExp(`^msb: cannot reach registry 127\\.0\\.0\\.1:${port}: connection refused \\[not in the local Docker daemon either\\]$`, 'm'),
    );
  });

  test('daemon not running: says where msb looked and how to point it elsewhere', async () => {
    const sock = path.join(W, 'nobody-here.sock');
    expectFailure(
      await runCli(['inspect', 'localhost/app:latest', '--source', 'daemon'], { env: { DOCKER_HOST: `unix://${sock}` } }),
      /cannot connect to the Docker daemon at unix:\/\/.*nobody-here\.sock \(DOCKER_HOST\): is it running\? \(ENOENT\); set DOCKER_HOST .* or use --source registry/,
    );
    expectFailure(
      await runCli(['inspect', 'podman://x'], { env: { XDG_RUNTIME_DIR: path.join(W, 'none'), CONTAINER_HOST: '' } }),
      /cannot connect to the Podman service at unix:\/\/\/run\/podman\/podman\.sock|cannot connect to the Podman service at unix:\/\/.*none\/podman\/podman\.sock/,
    );
    expectFailure(await runCli(['inspect', 'x', '--source', 'nope']), /invalid --source "nope": expected one of daemon, podman, registry, archive/);
  });

  test('a socket the user may not use: permission denied, with what to do', async (t) => {
    // dockerd's socket is root-only inside a 0700 temp dir; run msb as nobody (root passes every check).
    const readable = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'test', '-r', path.join(repoRoot, 'node_modules/tsx/package.json')]).then(() => true, () => false);
    if (!readable) {
      t.skip('the checkout is not readable by user nobody, so msb cannot run as nobody here');
      return;
    }
    const r = await runCli(['inspect', 'docker://localhost/app:latest'], { env: { DOCKER_HOST: dockerd.host, HOME: '/tmp' }, asNobody: true });
    expectFailure(r, /^msb: permission denied connecting to the Docker daemon at unix:\/\/.*docker\.sock \(DOCKER_HOST\): add yourself to the docker group .*--source registry$/m);
  });

  test('tcp:// DOCKER_HOST with nothing listening is a clear connection error', async () => {
    expectFailure(
      await runCli(['inspect', 'docker://localhost/app:latest'], { env: { DOCKER_HOST: 'tcp://127.0.0.1:1' } }),
      /cannot connect to the Docker daemon at tcp:\/\/127\.0\.0\.1:1 \(DOCKER_HOST\): is it running\? \(ECONNREFUSED\)/,
    );
  });
});
