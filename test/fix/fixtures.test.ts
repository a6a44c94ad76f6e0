import assert from 'node:assert/strict';
import path from 'node:path';
import { before, test } from 'node:test';
import { javaFixtures, phpFixtures, rubyFixtures, rustFixtures } from '../findings/fixtures.js';
import { ROOT, runMsb } from '../helpers/cli.js';
import { assertReportSchema } from '../helpers/schemas.js';

/**
 * msb fix on the real findings fixtures (built once, shared with the findings tests). Rust: the split
 * into a build stage and a runtime stage is applied, with the binary alone copied (every other file
 * the build left is a toolchain package, a cache, a source or target/) and the saving the image's own
 * layers show; the multi-stage fixture gets no split and no
 * .dockerignore line for the git dependency cargo reads. PHP and Ruby run a packaged interpreter:
 * no split; composer's cache is cleared in the RUN that filled it.
 */

let fx: Awaited<ReturnType<typeof rustFixtures>>;
const DF = (name: string) => path.join(ROOT, 'test/fixtures/findings-rust', `${name}.Dockerfile`);
before(async () => {
  fx = await rustFixtures();
});

async function fixJson(name: string, image = fx.image(`${name}.tar`), dockerfile = DF(name)) {
  const r = await runMsb(['fix', image, '--dockerfile', dockerfile, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('single-stage Rust: the split is applied with only the binary copied, and its saving is the build layers minus the binary', { timeout: 900_000 }, async () => {
  const plan = await fixJson('rust-single');
  // The split is the whole patch: the build stage ships nothing, so its other rewrites save nothing.
  assert.deepEqual(plan.hunks.flatMap((h: { rewrites: Array<{ rules: string[] }> }) => h.rewrites.flatMap((r) => r.rules)), ['split-stages']);
  assert.equal(plan.hunks[0].text, 'FROM localhost/debian-base:latest AS build');
  assert.equal(plan.hunks[1].text, 'CMD ["/src/target/release/app"]\n\nFROM localhost/debian-base:latest\nCOPY --from=build /src/target/release/app /src/target/release/app\nCMD ["/src/target/release/app"]');
  const split = plan.hunks[0].rewrites[0];
  assert.ok(split.evidence.includes('every other file the build left is build-only by a finding, or package bookkeeping'), split.evidence.join('\n'));
  const r = await runMsb(['inspect', fx.image('rust-single.tar'), '--json', '--dockerfile', DF('rust-single')]);
  const ins = JSON.parse(r.stdout);
  const own = ins.layers.filter((l: { base?: string }) => !l.base);
  const ownBytes = own.reduce((s: number, l: { bytes: number }) => s + l.bytes, 0);
  const bin = (await runMsb(['inspect', fx.image('rust-single.tar'), '--json', '--files'])).stdout;
  const binSize = JSON.parse(bin).files.find((f: { path: string }) => f.path === '/src/target/release/app').size;
  assert.equal(split.bytes, ownBytes - binSize);
  assert.equal(plan.predictedSavingsBytes, split.bytes);
  // the multi-stage image shows what the split gives: the base and the binary
  const multi = JSON.parse((await runMsb(['inspect', fx.image('rust-multi.tar'), '--json'])).stdout);
  const single = ins.summary.totalBytes;
  assert.ok(Math.abs(single - split.bytes - multi.summary.totalBytes) < 0.01 * multi.summary.totalBytes, `${single} - ${split.bytes} vs ${multi.summary.totalBytes}`);
  // cargo read the git dependency's .git through libgit2: never a written .dockerignore line
  assert.deepEqual(plan.dockerignore.lines, []);
});

test('multi-stage Rust: no split, nothing to ignore', async () => {
  const plan = await fixJson('rust-multi');
  assert.ok(!plan.suggestions.some((s: { rules: string[] }) => s.rules.includes('split-stages')));
  assert.deepEqual(plan.dockerignore.lines, []);
});

test('PHP and Ruby run a packaged interpreter: never a split applied, one suggested where the build installed a toolchain; composer clear-cache goes in the composer install RUN', { timeout: 900_000 }, async () => {
  const [php, ruby] = [await phpFixtures(), await rubyFixtures()];
  const phpPlan = await fixJson('php-single', php.image('php-single.tar'), path.join(ROOT, 'test/fixtures/findings-php/php-single.Dockerfile'));
  const rubyPlan = await fixJson('ruby-single', ruby.image('ruby-single.tar'), path.join(ROOT, 'test/fixtures/findings-ruby/ruby-single.Dockerfile'));
  for (const plan of [phpPlan, rubyPlan]) assert.ok(!plan.hunks.some((h: { rewrites: Array<{ rules: string[] }> }) => h.rewrites.some((r) => r.rules.includes('split-stages'))));
  // php-cli and composer are not build tools: nothing for a build stage to keep.
  assert.ok(!phpPlan.suggestions.some((s: { rules: string[] }) => s.rules.includes('split-stages')), JSON.stringify(phpPlan.suggestions));
  // gcc, make and ruby-dev built the gem's extension: the runtime stage installs the interpreter's package alone.
  const rubySplit = rubyPlan.suggestions.find((s: { rules: string[] }) => s.rules.includes('split-stages'));
  // …and copies the script and the gem dir where `gem install` put the gem (ruby's own search path).
  // The app's directory and the gem dir; the gem's C extension loads libruby, which apt brings with ruby3.1.
  assert.match(rubySplit?.why ?? '', /installs only ruby3\.\d \(the package of `ruby`.*COPY --from=build \/app \/app ⏎ COPY --from=build \/var\/lib\/gems\/3\.\d\.0 \/var\/lib\/gems\/3\.\d\.0 ⏎ CMD/);
  assert.ok(rubySplit?.evidence?.some((e: string) => /^\d+ native extension\(s\) under \/var\/lib\/gems \(ELF headers\) load libraries of libruby3\.\d \(the build installed it\)/.test(e)), JSON.stringify(rubySplit?.evidence));
  const hunk = phpPlan.hunks.find((h: { text: string }) => /composer install/.test(h.text));
  assert.match(hunk.text, /composer install --no-interaction --no-progress \\\n && composer clear-cache$/);
  const ins = JSON.parse((await runMsb(['inspect', php.image('php-single.tar'), '--json'])).stdout);
  const cache = ins.findings.filter((f: { rule: string }) => f.rule === 'cache-composer');
  assert.equal(cache.length, 1);
  assert.deepEqual(hunk.rewrites.find((r: { rules: string[] }) => r.rules.includes('cache-composer')).bytes, cache[0].bytes);
});

test('single-stage Java: the split is suggested with the JRE package installed and the jar copied, and its saving is what the multi-stage build shows', { timeout: 900_000 }, async () => {
  const java = await javaFixtures();
  const plan = await fixJson('java-single', java.image('java-single.tar'), path.join(ROOT, 'test/fixtures/findings-java/java-single.Dockerfile'));
  assert.ok(!plan.hunks.some((h: { rewrites: Array<{ rules: string[] }> }) => h.rewrites.some((r) => r.rules.includes('split-stages'))), 'an interpreter: never applied');
  const split = plan.suggestions.find((s: { rules: string[] }) => s.rules.includes('split-stages'));
  assert.match(split?.why ?? '', /RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless && rm -rf \/var\/lib\/apt\/lists\/\* ⏎ COPY --from=build \/src\/target\/app\.jar \/src\/target\/app\.jar/);
  // java-multi is the same app built that way (a JRE stage with the jar): what the split leaves is its size.
  const [single, multi] = [JSON.parse((await runMsb(['inspect', java.image('java-single.tar'), '--json'])).stdout), JSON.parse((await runMsb(['inspect', java.image('java-multi.tar'), '--json'])).stdout)];
  const left = single.summary.totalBytes - split.bytes;
  assert.ok(Math.abs(left - multi.summary.totalBytes) < 0.02 * multi.summary.totalBytes, `${single.summary.totalBytes} - ${split.bytes} = ${left} vs java-multi ${multi.summary.totalBytes}`);
  assert.ok(single.runtime.build.packages.includes('openjdk-17-jre-headless') && single.runtime.build.program === 'openjdk-17-jre-headless');
  assertReportSchema(single, 'java-single report (runtime.build)');
});
