import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { createElement } from 'react';
import { render } from 'ink-testing-library';
import { InspectScreen } from '../../src/tui/run.js';
import { inspect } from '../../src/pipeline/inspect.js';
import { resolveImage } from '../../src/source/resolve.js';
import { isImageStream } from '../../src/source/types.js';
import { buildImages, comparable, havePodman, removeDir, repoRoot, runCli, startPodman, tempDir, type Podman } from './helpers.js';

/**
 * The Podman source against a real private `podman system service` (Debian podman 4.3, root, vfs):
 * a buildah-built archive loaded into it, and an image built by podman itself, are read through
 * Podman's Docker-compatible save API and must give exactly the analysis of the same image read from
 * an archive. Skipped only when podman is not installed; a service that will not start is a failure.
 */

const skip = havePodman() ? false : 'podman is not installed (.ci/run installs it)';
let W: string;
let pm: Podman;
let appReport: ReturnType<typeof comparable>;

before(async () => {
  if (skip) return;
  W = await tempDir('podman');
  await buildImages(path.join(W, 'img'));
  pm = await startPodman(path.join(W, 'p'));
  await pm.cli(['load', '-q', '-i', path.join(W, 'img', 'app.tar')]);
  // Podman's own build (chroot isolation: no runtime needed), on top of the loaded image: waste from a
  // deleted file and a chmod, with Podman's history dialect ("COPY file:… in /…").
  const ctx = path.join(W, 'ctx');
  await mkdir(ctx);
  await copyFile(path.join(repoRoot, 'test/fixtures/sources/hello.txt'), path.join(ctx, 'hello.txt'));
  await writeFile(
    path.join(ctx, 'Dockerfile'),
    ['FROM localhost/app:latest', 'RUN head -c 120000 /dev/urandom > /junk.bin', 'COPY hello.txt /etc/motd', 'RUN rm /junk.bin && chmod 600 /etc/motd', ''].join('\n'),
  );
  await pm.cli(['build', '-q', '--isolation', 'chroot', '--network', 'host', '-t', 'localhost/pbuilt:1', ctx]);
  // The same image as Podman writes it to files: a docker-archive and an oci-archive.
  await pm.cli(['save', '-q', '--format', 'docker-archive', '-o', path.join(W, 'pbuilt.tar'), 'localhost/pbuilt:1']);
  await pm.cli(['save', '-q', '--format', 'oci-archive', '-o', path.join(W, 'pbuilt.oci.tar'), 'localhost/pbuilt:1']);
  // --verify so the archive's report also says "verified" (the daemon source always checks diff_ids).
  const arch = await runCli(['inspect', path.join(W, 'img', 'app.tar'), '--json', '--verify']);
  assert.equal(arch.code, 0, arch.stderr);
  appReport = comparable(JSON.parse(arch.stdout));
});

after(async () => {
  await pm?.stop();
  if (W) await removeDir(W);
});

function expectFailure(r: { code: number; stderr: string; stdout: string }, re: RegExp): void {
  assert.equal(r.code, 2, `exit code, stderr: ${r.stderr}`);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.match(r.stderr, re);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.stdout, '');
}

const env = () => ({ CONTAINER_HOST: pm.host });

describe('Podman service', { skip }, () => {
  test('podman:// with CONTAINER_HOST reads a loaded image: same analysis as its archive', async () => {
    const r = await runCli(['inspect', 'podman://localhost/app:latest', '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const rep = JSON.parse(r.stdout);
    assert.equal(rep.image.source, 'daemon');
    assert.deepEqual(rep.image.notes, ['read from Podman']);
    assert.deepEqual(rep.image.tags, ['localhost/app:latest']);
    assert.deepEqual(comparable(rep), appReport);
    assert.equal(rep.summary.verified, true, 'every layer was checked against its diff_id');
    assert.ok(rep.findings.some((f: { rule: string }) => f.rule === 'secret-private-key'), 'planted key found through the stream');
    // Podman's short-name and ID lookups reach the same image.
    for (const name of ['app', rep.image.configDigest, rep.image.configDigest.slice(7, 19)]) {
      const s = await runCli(['inspect', `podman://${name}`, '--json'], { env: env() });
      assert.equal(s.code, 0, `${name}: ${s.stderr}`);
      assert.deepEqual(comparable(JSON.parse(s.stdout)), appReport, name);
    }
  });

  test('--source podman finds the default socket at $XDG_RUNTIME_DIR/podman/podman.sock', async () => {
    const xdg = path.join(W, 'xdg');
    await mkdir(path.join(xdg, 'podman'), { recursive: true });
    await symlink(pm.socket, path.join(xdg, 'podman', 'podman.sock'));
    const r = await runCli(['inspect', 'localhost/app:latest', '--source', 'podman', '--text'], { env: { XDG_RUNTIME_DIR: xdg, CONTAINER_HOST: '' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\(daemon, linux\/amd64\)/);
    assert.match(r.stdout, /note: read from Podman/);
    assert.match(r.stdout, /\/data\/big\.bin/);
  });

  test('an image built by podman: the service, its docker-archive and its oci-archive agree', async () => {
    const r = await runCli(['inspect', 'podman://localhost/pbuilt:1', '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const rep = JSON.parse(r.stdout);
    for (const file of ['pbuilt.tar', 'pbuilt.oci.tar']) {
      const a = await runCli(['inspect', path.join(W, file), '--json', '--verify']);
      assert.equal(a.code, 0, `${file}: ${a.stderr}`);
      assert.deepEqual(comparable(rep), comparable(JSON.parse(a.stdout)), file);
    }
    // What podman's build left: the deleted junk and the re-chmodded motd are waste, tied to its steps.
    const kinds = Object.fromEntries(rep.waste.map((w: { path: string; kind: string }) => [w.path, w.kind]));
    assert.equal(kinds['/junk.bin'], 'deleted');
    assert.equal(kinds['/etc/motd'], 'metadata');
    assert.equal(rep.summary.wasteByKind.deleted, 120000 + 300000, 'junk.bin and the base image\'s big.bin');
    const motd = rep.waste.find((w: { path: string }) => w.path === '/etc/motd');
    assert.match(rep.layers[motd.shippedIn].createdBy, /COPY .*\/etc\/motd/);
  });

  test('ink: the loading screen reads the save stream and shows the result', async () => {
    const image = await resolveImage('podman://localhost/app:latest', { env: { ...process.env, ...env() } });
    assert.ok(isImageStream(image), 'a daemon gives a stream, read once as it arrives');
    let done: unknown = 'not yet';
    const r = render(createElement(InspectScreen, { opts: { image, inspect: (o) => inspect(image, o) }, onDone: (e: unknown) => (done = e) }));
    try {
      let frame = '';
      for (let i = 0; i < 600 && !/▶ Layers \d+\/\d+/.test(frame); i++) {
        await new Promise((res) => setTimeout(res, 50));
        frame = r.lastFrame() ?? '';
      }
      assert.match(frame, new RegExp(`▶ Layers ${appReport.summary.layers}/${appReport.summary.layers}`));
      assert.match(frame, /podman:\/\/localhost\/app:latest/);
      await new Promise((res) => setTimeout(res, 100));
      r.stdin.write('q');
      for (let i = 0; i < 100 && done === 'not yet'; i++) await new Promise((res) => setTimeout(res, 20));
      assert.equal(done, undefined);
    } finally {
      r.unmount();
    }
  });

  test('a missing image and a dead socket: one msb: line each, exit 2', async () => {
    expectFailure(
      await runCli(['inspect', 'podman://localhost/nosuch:1'], { env: env() }),
      /^msb: localhost\/nosuch:1: no such image in the Podman service \(unix:\/\/.*podman\.sock\); to read it from its registry use --source registry$/m,
    );
    // The same socket once the service is gone.
    await pm.stop();
    expectFailure(
      await runCli(['inspect', 'podman://localhost/app:latest'], { env: env() }),
      /^msb: cannot connect to the Podman service at unix:\/\/.*podman\.sock \(CONTAINER_HOST\): is it running\? \((ENOENT|ECONNREFUSED)\); start it with `podman system service`, or use --source registry$/m,
    );
  });
});
