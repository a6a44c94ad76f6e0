/**
 * msb fix on a real Node.js image, proven by rebuilding: test/fixtures/fix-node installs Debian's
 * nodejs and npm on the debootstrap minbase and runs `npm install` of a production dependency and a
 * devDependency (local npm tarballs, no registry), which leaves the devDependency (a 6 MB bundle,
 * marked dev in node_modules/.package-lock.json) and npm's cache in the image. `msb fix --apply`
 * appends `npm prune --omit=dev` and `npm cache clean --force` to that RUN; the image is rebuilt, the
 * app still prints its line, the saving is within 10% of the prediction, and msb fix on the rebuilt
 * image proposes nothing more.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { Buildah, msbJson } from './buildah.js';
import { builtFixtures } from '../findings/fixtures.js';

let W: string;
let bh: Buildah;
let fixture: { dir: string; image: (name: string) => string };
before(async () => {
  fixture = await builtFixtures('fix-node', 'timing.txt');
  bh = new Buildah('msb-fix-node-');
  W = bh.dir;
  const env = { ...process.env, MSB_FIXTURE_CACHE: process.env.MSB_FIXTURE_CACHE ?? path.join(tmpdir(), 'msb-findings-fixtures') };
  const minbase = execFileSync('bash', [path.join(ROOT, 'test/fixtures/debian-minbase.sh')], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 900_000 }).trim();
  const ctx = path.join(W, 'base');
  mkdirSync(ctx);
  copyFileSync(minbase, path.join(ctx, 'base.tar'));
  bh.build(path.join(ROOT, 'test/fixtures/dockerfiles/debian-minbase.Dockerfile'), 'localhost/debian-base:latest', ctx);
  rmSync(ctx, { recursive: true, force: true });
});
after(() => bh?.remove());

type Rewrite = { rules: string[]; bytes: number; why: string };
type Plan = { predictedSavingsBytes: number; hunks: Array<{ text: string; rewrites: Rewrite[] }>; suggestions: Rewrite[] };

test('Node.js: msb fix --apply prunes the devDependencies and cleans the npm cache in the install RUN; rebuilt, the app runs and the saving is what msb predicted', { timeout: 1_200_000 }, async (t) => {
  const app = path.join(W, 'app');
  cpSync(path.join(fixture.dir, 'ctx'), app, { recursive: true });
  const df = path.join(app, 'Dockerfile');
  copyFileSync(path.join(ROOT, 'test/fixtures/fix-node/single.Dockerfile'), df);
  const beforeTar = fixture.image('single.tar');

  const plan: Plan = await msbJson(['fix', beforeTar, '--dockerfile', df, '--format', 'json', '--apply']);
  const rules = plan.hunks.flatMap((h) => h.rewrites.flatMap((r) => r.rules)).sort();
  assert.deepEqual(rules, ['cache-npm', 'node-dev-dependencies'], JSON.stringify(plan, null, 1));
  assert.ok(!plan.suggestions.some((s) => s.rules.includes('split-stages')), 'node is an interpreter: no native split');
  const fixed = readFileSync(df, 'utf8');
  assert.match(fixed, /^RUN cd \/app && npm install --offline --no-audit --no-fund \\\n && npm prune --omit=dev \\\n && npm cache clean --force$/m);
  const b = await msbJson(['inspect', beforeTar, '--json']);
  const dev = b.findings.find((f: { rule: string }) => f.rule === 'node-dev-dependencies');
  assert.ok(dev.bytes > 6_000_000, `devtool's bundle: ${dev.bytes}`);

  const buildAfter = bh.build(df, 'localhost/node:after', app, 1_100_000);
  const afterTar = bh.save('localhost/node:after', path.join(W, 'after.tar'));
  assert.match(bh.run('localhost/node:after', ['node', '/app/server.js']), /^hello from the node fixture, its devDependencies pruned$/m);
  const a = await msbJson(['inspect', afterTar, '--json', '--files']);
  assert.ok(!a.files.some((f: { path: string }) => f.path.startsWith('/app/node_modules/devtool/')), 'devtool is gone');
  assert.ok(a.files.some((f: { path: string }) => f.path === '/app/node_modules/greet/index.js'), 'greet stays');
  const predicted = plan.predictedSavingsBytes;
  const actual = b.summary.totalBytes - a.summary.totalBytes;
  t.diagnostic(`node: before ${b.summary.totalBytes} B (build: ${readFileSync(fixture.image('timing.txt'), 'utf8').trim()}), predicted saving ${predicted} B, after ${a.summary.totalBytes} B (rebuild ${buildAfter.toFixed(0)} s), actual saving ${actual} B`);
  assert.ok(actual >= 0.9 * predicted && predicted <= 1.1 * actual, `predicted ${predicted}, actual ${actual}`);

  const again: Plan = await msbJson(['fix', afterTar, '--dockerfile', df, '--format', 'json']);
  assert.deepEqual(again.hunks, [], 'a fixed point: nothing more to rewrite');
});
