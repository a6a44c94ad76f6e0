/**
 * msb fix on real Node.js and Python images, proven by rebuilding (proof.ts). test/fixtures/fix-node
 * installs Debian's nodejs and npm on the debootstrap minbase and runs `npm install` of a production
 * dependency and a devDependency (local npm tarballs, no registry), which leaves the devDependency
 * (a 6 MB bundle, marked dev in node_modules/.package-lock.json) and npm's cache in the image: msb
 * appends `npm prune --omit=dev` and `npm cache clean --force` to that RUN. test/fixtures/fix-python
 * installs Debian's python3 and pip and runs `pip install` of a source distribution, which leaves the
 * wheel pip built in its cache: msb adds `--no-cache-dir`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { Buildah } from './buildah.js';
import { builtFixtures } from '../findings/fixtures.js';
import { buildDebianBase, fixtureImage, prove } from './proof.js';

let bh: Buildah;
before(() => {
  bh = new Buildah('msb-fix-pkg-');
  buildDebianBase(bh);
});
after(() => bh?.remove());

test('Node.js: msb fix --apply prunes the devDependencies and cleans the npm cache in the install RUN; rebuilt, the app runs and the saving is what msb predicted', { timeout: 1_500_000 }, async (t) => {
  const fx = await builtFixtures('fix-node', 'timing.txt');
  const { plan, before: b, after: a } = await prove(t, bh, {
    name: 'node',
    dockerfile: path.join(ROOT, 'test/fixtures/fix-node/single.Dockerfile'),
    image: async () => fixtureImage(fx.image, 'single'),
    context: (ctx) => cpSync(path.join(fx.dir, 'ctx'), ctx, { recursive: true }),
    rules: ['cache-npm', 'node-dev-dependencies'],
    check: (fixed) => assert.match(fixed, /^RUN cd \/app && npm install --offline --no-audit --no-fund \\\n && npm prune --omit=dev \\\n && npm cache clean --force$/m),
    run: ['node', '/app/server.js'],
    output: /^hello from the node fixture, its devDependencies pruned$/m,
  });
  // node is an interpreter: the split (npm and node-gyp's toolchain stay in the build) is only suggested.
  // It copies the script and node_modules beside it, where require() looks (the libraries the build installed).
  const split = plan.suggestions.find((s) => s.rules.includes('split-stages'))?.why ?? '';
  // The app's directory, node_modules in it.
  assert.match(split, /the runtime stage installs only nodejs \(the package of `node`.*\) and copies \/app;/);
  assert.match(split, /RUN apt-get update && apt-get install -y --no-install-recommends nodejs && rm -rf \/var\/lib\/apt\/lists\/\* ⏎ COPY --from=build \/app \/app ⏎ CMD/);
  const dev = b.findings.find((f: { rule: string }) => f.rule === 'node-dev-dependencies');
  assert.ok(dev.bytes > 6_000_000, `devtool's bundle: ${dev.bytes}`);
  assert.ok(!a.files.some((f: { path: string }) => f.path.startsWith('/app/node_modules/devtool/')), 'devtool is gone');
  assert.ok(a.files.some((f: { path: string }) => f.path === '/app/node_modules/greet/index.js'), 'greet stays');
});

test('Python: msb fix --apply adds --no-cache-dir to the pip install; rebuilt, the app runs and the saving is what msb predicted', { timeout: 1_500_000 }, async (t) => {
  const fx = await builtFixtures('fix-python', 'timing.txt');
  const { before: b, after: a } = await prove(t, bh, {
    name: 'python',
    dockerfile: path.join(ROOT, 'test/fixtures/fix-python/single.Dockerfile'),
    image: async () => fixtureImage(fx.image, 'single'),
    context: (ctx) => cpSync(path.join(fx.dir, 'ctx'), ctx, { recursive: true }),
    rules: ['cache-pip'],
    check: (fixed) => assert.match(fixed, /^RUN pip install --no-cache-dir --break-system-packages --no-index --no-build-isolation \/app\/greet-1\.0\.tar\.gz$/m),
    run: ['python3', '/app/app.py'],
    output: /^hello from the python fixture, installed without pip's cache \(\d+ words\)$/m,
  });
  const cache = b.findings.find((f: { rule: string }) => f.rule === 'cache-pip');
  assert.ok(cache.bytes > 2_000_000, `the cached wheel: ${cache.bytes}`);
  assert.ok(!a.files.some((f: { path: string }) => f.path.startsWith('/root/.cache/pip/')), 'no pip cache ships');
});

test('a node_modules left in the build context that npm ci deletes: msb fix --apply writes it to .dockerignore; rebuilt, the app runs and the saving is what msb predicted', { timeout: 1_500_000 }, async (t) => {
  const fx = await builtFixtures('fix-node', 'timing.txt');
  let ctxDir = '';
  const { plan, again, before: b, after: a } = await prove(t, bh, {
    name: 'node-ci',
    dockerfile: path.join(ROOT, 'test/fixtures/fix-node/ci.Dockerfile'),
    image: async () => fixtureImage(fx.image, 'ci'),
    context: (ctx) => {
      ctxDir = ctx;
      cpSync(path.join(fx.dir, 'ctx-ci'), ctx, { recursive: true });
    },
    rules: [],
    check: (fixed, original) => assert.equal(fixed, original, 'nothing in the Dockerfile to change'),
    run: ['node', '/app/server.js'],
    output: /^hello from the node fixture, its devDependencies pruned$/m,
  });
  const ignore = (plan as unknown as { dockerignore: { lines: Array<{ pattern: string; bytes: number }> } }).dockerignore;
  assert.deepEqual(ignore.lines.map((l) => l.pattern), ['app/node_modules']);
  assert.equal(readFileSync(path.join(ctxDir, '.dockerignore'), 'utf8'), 'app/node_modules\n');
  // What the line saves is what the COPY shipped under node_modules and npm ci hid.
  const leftover = b.waste.filter((w: { path: string; shippedIn: number }) => w.path.startsWith('/app/node_modules/leftover/') || w.path.startsWith('app/node_modules/leftover/'));
  assert.ok(leftover.length > 0, JSON.stringify(b.waste.slice(0, 3)));
  assert.ok(ignore.lines[0].bytes >= 3_000_000, `${ignore.lines[0].bytes}`);
  assert.ok(!plan.suggestions.some((s) => s.rules.includes('waste-deleted')), 'the line is the fix: no suggestion to delete them in the COPY');
  assert.ok(a.files.some((f: { path: string }) => f.path === '/app/node_modules/greet/index.js'), 'npm ci still installs greet');
  assert.deepEqual((again as unknown as { dockerignore: { lines: unknown[] } }).dockerignore.lines, [], 'a fixed point: nothing more to ignore');
});
