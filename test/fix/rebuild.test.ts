/**
 * msb fix, proven by rebuilding: the README's demo image is built with buildah from its Dockerfile,
 * `msb fix --apply` rewrites a copy of the Dockerfile, the image is rebuilt, and the saving msb
 * predicted is checked against the real one. A second `msb fix` on the rebuilt image proposes
 * nothing more (a fixed point).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ROOT, runMsb } from '../helpers/cli.js';
import { Buildah, msbJson } from './buildah.js';

let W: string;
let bh: Buildah;
before(() => {
  bh = new Buildah('msb-fix-');
  W = bh.dir;
  execFileSync('bash', ['-c', `source "${ROOT}/test/fixtures/busybox-rootfs.sh" && busybox_base_context "${W}/base"`], { stdio: 'inherit' });
  bh.build(path.join(W, 'base/Dockerfile'), 'localhost/busybox-base:latest', path.join(W, 'base'));
});
after(() => bh?.remove());


test('the demo image: msb fix --apply, rebuild, and the saving is what msb predicted', { timeout: 600_000 }, async (t) => {
  const app = path.join(W, 'app');
  cpSync(path.join(ROOT, 'examples/demo-app'), app, { recursive: true });
  const df = path.join(app, 'Dockerfile');
  bh.build(df, 'localhost/demo:before', app);
  const beforeTar = bh.save('localhost/demo:before', path.join(W, 'before.tar'));
  const original = readFileSync(df, 'utf8');

  const plan = await msbJson(['fix', beforeTar, '--dockerfile', df, '--format', 'json', '--apply']);
  const rules = plan.hunks.flatMap((h: { rewrites: Array<{ rules: string[] }> }) => h.rewrites.flatMap((r) => r.rules));
  assert.ok(rules.includes('waste-deleted') && rules.includes('waste-metadata') && rules.includes('source-vcs'), rules.join(', '));
  const predicted: number = plan.predictedSavingsBytes;
  assert.ok(predicted > 3_000_000, `predicted ${predicted}`);
  const fixed = readFileSync(df, 'utf8');
  assert.notEqual(fixed, original);
  // Everything outside the rewritten instructions is kept byte for byte (comments included).
  for (const l of original.split('\n').filter((x) => x.startsWith('#'))) assert.ok(fixed.includes(l), l);

  bh.build(df, 'localhost/demo:after', app);
  const afterTar = bh.save('localhost/demo:after', path.join(W, 'after.tar'));
  const [b, a] = [await msbJson(['inspect', beforeTar, '--json']), await msbJson(['inspect', afterTar, '--json', '--files'])];
  const actual = b.summary.totalBytes - a.summary.totalBytes;
  t.diagnostic(`before ${b.summary.totalBytes} B, predicted saving ${predicted} B, after ${a.summary.totalBytes} B, actual saving ${actual} B`);
  assert.ok(actual >= 0.9 * predicted, `actual saving ${actual} is under 90% of the predicted ${predicted}`);
  assert.ok(predicted <= 1.1 * actual, `predicted ${predicted} is over 110% of the actual ${actual}`);
  // The app is still there, whole and executable; the static bundle still ships.
  const bin = a.files.find((f: { path: string }) => f.path === '/app/bin/demo-app');
  assert.equal(bin?.size, 800_000);
  assert.equal(bin?.mode & 0o777, 0o755);
  assert.ok(a.files.some((f: { path: string; size: number }) => f.path === '/app/static/bundle.js' && f.size === 250_000));

  const again = await msbJson(['fix', afterTar, '--dockerfile', df, '--format', 'json']);
  assert.deepEqual(again.hunks, [], 'a fixed point: nothing more to rewrite');
});

test('a build context that leaks .git: msb fix --apply writes .dockerignore, the rebuild drops it, the app still runs', { timeout: 600_000 }, async (t) => {
  const app = path.join(W, 'ctx-app');
  mkdirSync(path.join(app, 'build'), { recursive: true });
  writeFileSync(path.join(app, 'run.sh'), 'echo app-ok\n');
  // A prebuilt object the build might read: only suggested, never written.
  writeFileSync(path.join(app, 'build/main.o'), randomBytes(20_000));
  // A real repository with some history (a packfile-sized blob), as `git` leaves it.
  const git = (...a: string[]) => execFileSync('git', ['-C', app, '-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...a], { stdio: 'ignore' });
  git('init', '-q');
  writeFileSync(path.join(app, 'notes.bin'), randomBytes(200_000));
  git('add', 'notes.bin', 'run.sh');
  git('commit', '-q', '-m', 'history');
  rmSync(path.join(app, 'notes.bin'));
  const df = path.join(app, 'Dockerfile');
  writeFileSync(df, 'FROM localhost/busybox-base:latest\nWORKDIR /app\n# the whole context\nCOPY . .\nCMD ["/bin/sh", "/app/run.sh"]\n');
  const original = readFileSync(df, 'utf8');
  bh.build(df, 'localhost/ctx:before', app);
  const beforeTar = bh.save('localhost/ctx:before', path.join(W, 'ctx-before.tar'));

  const diff = await runMsb(['fix', beforeTar, '--dockerfile', df]);
  assert.equal(diff.code, 0, diff.stderr);
  assert.match(diff.stdout, /^--- \/dev\/null\n\+\+\+ b\/.*\.dockerignore\n@@ -0,0 \+1,1 @@ source-vcs: saves .*\n\+\.git$/m);
  assert.match(diff.stdout, /# not applied.*\n(?:.*\n)*.*build\/main\.o came from the build context with line 4/);

  const plan = await msbJson(['fix', beforeTar, '--dockerfile', df, '--format', 'json', '--apply']);
  assert.deepEqual(plan.dockerignore.lines.map((l: { pattern: string }) => l.pattern), ['.git']);
  assert.equal(plan.dockerignore.created, true);
  assert.equal(readFileSync(path.join(app, '.dockerignore'), 'utf8'), '.git\n');
  assert.equal(readFileSync(df, 'utf8'), original, 'nothing in the Dockerfile to change');
  const predicted: number = plan.predictedSavingsBytes;

  bh.build(df, 'localhost/ctx:after', app);
  const afterTar = bh.save('localhost/ctx:after', path.join(W, 'ctx-after.tar'));
  const [b, a] = [await msbJson(['inspect', beforeTar, '--json']), await msbJson(['inspect', afterTar, '--json', '--files'])];
  const actual = b.summary.totalBytes - a.summary.totalBytes;
  t.diagnostic(`before ${b.summary.totalBytes} B, predicted saving ${predicted} B, after ${a.summary.totalBytes} B, actual saving ${actual} B`);
  assert.ok(predicted > 100_000, `predicted ${predicted}`);
  assert.ok(actual >= 0.9 * predicted, `actual saving ${actual} is under 90% of the predicted ${predicted}`);
  assert.ok(predicted <= 1.1 * actual, `predicted ${predicted} is over 110% of the actual ${actual}`);
  assert.ok(!a.files.some((f: { path: string }) => f.path.startsWith('/app/.git')), 'no .git in the rebuilt image');
  assert.ok(a.files.some((f: { path: string }) => f.path === '/app/build/main.o'), 'the suggestion was not applied');
  assert.equal(bh.run('localhost/ctx:after', ['/bin/sh', '/app/run.sh']).trim(), 'app-ok');

  const again = await msbJson(['fix', afterTar, '--dockerfile', df, '--format', 'json']);
  assert.deepEqual(again.dockerignore.lines, [], 'a fixed point: nothing more to ignore');
});

test('a later RUN chown: msb fix --apply sets the owner where the files are made (COPY --chown, chown in the RUN), the rebuild keeps the owners and saves the re-shipped bytes', { timeout: 600_000 }, async (t) => {
  const app = path.join(W, 'chown-app');
  mkdirSync(app, { recursive: true });
  writeFileSync(path.join(app, 'server'), randomBytes(400_000));
  // A COPY of the whole context (two files) that a later RUN chowns only in part: never --chown.
  writeFileSync(path.join(app, 'config.ini'), 'port=8080\n');
  const df = path.join(app, 'Dockerfile');
  writeFileSync(
    df,
    [
      'FROM localhost/busybox-base:latest',
      'COPY server /app/server',
      'RUN chown 1000:1000 /app/server',
      'RUN mkdir -p /data && head -c 300000 /dev/urandom > /data/blob',
      'RUN chown -R 1000:1000 /data',
      'COPY . /etc/app/',
      'RUN chown 1000 /etc/app/server',
      'CMD ["/bin/sh"]',
      '',
    ].join('\n'),
  );
  bh.build(df, 'localhost/chown:before', app);
  const beforeTar = bh.save('localhost/chown:before', path.join(W, 'chown-before.tar'));
  const plan = await msbJson(['fix', beforeTar, '--dockerfile', df, '--format', 'json', '--apply']);
  const fixed = readFileSync(df, 'utf8');
  assert.match(fixed, /^COPY --chown=1000:1000 server \/app\/server\nRUN mkdir -p \/data && head -c 300000 \/dev\/urandom > \/data\/blob \\\n && chown -R 1000:1000 \/data\nCOPY \. \/etc\/app\/\nRUN chown 1000 \/etc\/app\/server$/m);
  assert.equal(plan.suggestions.filter((s: { rules: string[] }) => s.rules.includes('waste-metadata')).length, 1, 'the partial chown of a two-file COPY is a suggestion');

  bh.build(df, 'localhost/chown:after', app);
  const afterTar = bh.save('localhost/chown:after', path.join(W, 'chown-after.tar'));
  const [b, a] = [await msbJson(['inspect', beforeTar, '--json']), await msbJson(['inspect', afterTar, '--json', '--files'])];
  const predicted: number = plan.predictedSavingsBytes;
  const actual = b.summary.totalBytes - a.summary.totalBytes;
  t.diagnostic(`before ${b.summary.totalBytes} B, predicted saving ${predicted} B, after ${a.summary.totalBytes} B, actual saving ${actual} B`);
  assert.equal(predicted, 700_000);
  assert.ok(actual >= 0.9 * predicted && predicted <= 1.1 * actual, `predicted ${predicted}, actual ${actual}`);
  const owner = (p: string) => a.files.find((f: { path: string }) => f.path === p);
  for (const p of ['/app/server', '/data/blob']) assert.deepEqual([owner(p)?.uid, owner(p)?.gid], [1000, 1000], p);

  const again = await msbJson(['fix', afterTar, '--dockerfile', df, '--format', 'json']);
  assert.deepEqual(again.hunks, [], 'a fixed point: nothing more to rewrite');
});
