/**
 * A single-stage build FROM a full interpreter image (test/fixtures/fix-python/on-full-base: FROM
 * python:3.11, whose stand-in here carries gcc, python3-dev and libyaml-dev as the official full
 * variant carries buildpack-deps): pip builds a C extension linked against libyaml. msb fix suggests
 * a runtime stage FROM python:3.11-slim with the app and dist-packages copied, and it installs
 * libyaml-0-2 because the extension's ELF header says it loads libyaml-0.so.2. Proven by building
 * that suggestion on a slim stand-in (python3 alone): the app runs; without the install line it fails
 * to load the library, so the ELF evidence is what makes the suggestion work.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { Buildah, msbJson } from './buildah.js';
import { builtFixtures } from '../findings/fixtures.js';
import { buildDebianBase, fixtureImage, type Plan } from './proof.js';

const DIR = path.join(ROOT, 'test/fixtures/fix-python');
let bh: Buildah;
before(() => {
  bh = new Buildah('msb-fix-slim-');
  buildDebianBase(bh);
});
after(() => bh?.remove());

test('FROM python:3.11 with a C extension: the split is suggested FROM python:3.11-slim with the package of the library the extension loads; built, the app runs, and fails without that package', { timeout: 1_500_000 }, async (t) => {
  const fx = await builtFixtures('fix-python', 'timing.txt');
  const { tar, timing } = fixtureImage(fx.image, 'on-full-base');
  const dockerfile = path.join(DIR, 'on-full-base.Dockerfile');
  const plan: Plan = await msbJson(['fix', tar, '--dockerfile', dockerfile, '--format', 'json']);
  assert.ok(!plan.hunks.some((h) => h.rewrites.some((r) => r.rules.includes('split-stages'))), 'never applied: msb has not seen the slim image');
  const split = plan.suggestions.find((s) => s.rules.includes('split-stages'));
  assert.ok(split, JSON.stringify(plan.suggestions));
  assert.match(split.why, /run on python:3\.11-slim \(assumed: the same family as python:3\.11 without the compilers, headers and libraries of the full variant \(buildpack-deps\); msb has not seen it\)/);
  assert.doesNotMatch(split.why, /first:/, 'nothing stands in its way');
  const stage = split.why.slice(split.why.indexOf('FROM python:3.11 AS build')).split(' ⏎ ');
  assert.deepEqual(stage.slice(2), [
    'FROM python:3.11-slim',
    'RUN apt-get update && apt-get install -y --no-install-recommends libyaml-0-2 && rm -rf /var/lib/apt/lists/*',
    'COPY --from=build /app /app',
    'COPY --from=build /usr/local/lib/python3.11/dist-packages /usr/local/lib/python3.11/dist-packages',
    'CMD ["python3", "/app/ext.py"]',
  ]);
  assert.ok(split.evidence?.some((e) => /^1 native extension\(s\) under \/usr\/local\/lib\/python3\.11\/dist-packages \(ELF headers\) load libraries of libyaml-0-2 \(the FROM image's\)$/.test(e)), JSON.stringify(split.evidence));
  // Its bytes: the build's own layers minus the files under what the runtime stage copies.
  const r = await msbJson(['inspect', tar, '--json', '--files']);
  const own = r.layers.filter((l: { base?: string }) => l.base === undefined);
  const ownBytes = own.reduce((s: number, l: { bytes: number }) => s + l.bytes, 0);
  const firstOwn = r.layers.length - own.length;
  const copied = r.files
    .filter((f: { path: string; layer: number }) => f.layer >= firstOwn && /^\/(?:app|usr\/local\/lib\/python3\.11\/dist-packages)\//.test(f.path))
    .reduce((s: number, f: { size: number }) => s + f.size, 0);
  assert.ok(copied > 0 && ownBytes > copied, `own ${ownBytes}, copied ${copied}`);
  assert.equal(split.bytes, ownBytes - copied);

  // Build the suggestion as written, the build stage being the Dockerfile's own, on stand-ins of both images.
  const ctx = path.join(bh.dir, 'ctx');
  mkdirSync(ctx);
  cpSync(path.join(fx.dir, 'ctx'), ctx, { recursive: true });
  bh.build(path.join(DIR, 'full-base.Dockerfile'), 'docker.io/library/python:3.11', ctx);
  bh.build(path.join(DIR, 'slim-base.Dockerfile'), 'docker.io/library/python:3.11-slim', ctx);
  const original = readFileSync(dockerfile, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  const split2 = [`${original[0]} AS build`, ...original.slice(1), ...stage.slice(2)].join('\n');
  writeFileSync(path.join(ctx, 'Dockerfile'), `${split2}\n`);
  const seconds = bh.build(path.join(ctx, 'Dockerfile'), 'localhost/slim:after', ctx, 1_400_000);
  assert.match(bh.run('localhost/slim:after', ['python3', '/app/ext.py']), /^libyaml 0\.2\.\d+$/m);
  const after = await msbJson(['inspect', bh.save('localhost/slim:after', path.join(bh.dir, 'after.tar')), '--json']);
  t.diagnostic(`on-full-base: before ${r.summary.totalBytes} B (build: ${timing}), predicted saving ${split.bytes} B (the base's not counted), after ${after.summary.totalBytes} B on the slim stand-in (build ${seconds.toFixed(0)} s), actual saving ${r.summary.totalBytes - after.summary.totalBytes} B`);
  assert.ok(r.summary.totalBytes - after.summary.totalBytes >= split.bytes, 'the slim base saves at least the predicted bytes');

  // Without the package the extension's header named, the app cannot load it on the slim image.
  writeFileSync(path.join(ctx, 'Dockerfile'), `${split2.replace(/^RUN apt-get update .*libyaml-0-2.*\n/m, '')}\n`);
  bh.build(path.join(ctx, 'Dockerfile'), 'localhost/slim:without', ctx, 1_400_000);
  assert.throws(() => bh.run('localhost/slim:without', ['python3', '/app/ext.py']), (e: { stderr?: string }) => /libyaml-0\.so\.2/.test(String(e.stderr)));
});
