/**
 * msb fix's apt rewrites, proven by rebuilding: test/fixtures/fix/curl.Dockerfile (FROM the
 * debootstrap bookworm minbase of test/fixtures/debian-minbase.sh, shared with the Java fixtures)
 * fetches the lists in a RUN of its own and installs curl with apt's default Recommends. It is built
 * with buildah once per fixture version (test/fixtures/fix/build.sh, cached like the findings
 * fixtures), `msb fix --apply` rewrites a copy of the Dockerfile (update joined to the install,
 * --no-install-recommends, the lists removed in that RUN), the image is rebuilt and the predicted
 * savings are checked against the real ones, the recommends part on its own. curl still runs, and
 * a second `msb fix` on the rebuilt image proposes nothing more (a fixed point). gap.Dockerfile has a
 * RUN between the update and the install that does not use apt: the update joins the install across
 * it; in gap-dpkg.Dockerfile that RUN asks dpkg, and the update stays.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { Buildah, msbJson } from './buildah.js';
import { builtFixtures } from '../findings/fixtures.js';
import { buildDebianBase, fixtureImage, prove, type Plan } from './proof.js';

let W: string;
let bh: Buildah;
let fixture: { dir: string; image: (name: string) => string };
before(async () => {
  fixture = await builtFixtures('fix', 'timing.txt');
  bh = new Buildah('msb-fix-apt-');
  W = bh.dir;
  buildDebianBase(bh);
});
after(() => bh?.remove());

const rewrites = (p: Plan) => p.hunks.flatMap((h) => h.rewrites);
const bytesOf = (p: Plan, rule: string) => rewrites(p).filter((r) => r.rules.includes(rule)).reduce((s, r) => s + r.bytes, 0);

test('curl with Recommends: msb fix --apply, rebuild, curl runs, the savings are what msb predicted', { timeout: 900_000 }, async (t) => {
  const app = path.join(W, 'app');
  mkdirSync(app);
  const df = path.join(app, 'Dockerfile');
  copyFileSync(path.join(ROOT, 'test/fixtures/fix/curl.Dockerfile'), df);
  const beforeTar = fixture.image('curl-before.tar');
  const buildBefore = readFileSync(fixture.image('timing.txt'), 'utf8').trim();

  const plan: Plan = await msbJson(['fix', beforeTar, '--dockerfile', df, '--format', 'json', '--apply']);
  const rules = rewrites(plan).flatMap((r) => r.rules);
  assert.deepEqual(rules.sort(), ['apt-recommends', 'cache-apt-lists', 'hygiene-apt-update-separate'], rules.join(', '));
  const rec = rewrites(plan).find((r) => r.rules.includes('apt-recommends'))!;
  for (const name of ['ca-certificates', 'openssl', 'publicsuffix']) assert.ok(rec.evidence?.some((e) => e.startsWith(`${name} `)), name);
  const fixed = readFileSync(df, 'utf8');
  assert.match(fixed, /^RUN apt-get update \\\n && apt-get install --no-install-recommends -y curl \\\n && rm -rf \/var\/lib\/apt\/lists\/\*$/m);
  assert.doesNotMatch(fixed, /^RUN apt-get update$/m);

  const buildAfter = bh.build(df, 'localhost/curl:after', app);
  const afterTar = bh.save('localhost/curl:after', path.join(W, 'after.tar'));
  const [b, a] = [await msbJson(['inspect', beforeTar, '--json']), await msbJson(['inspect', afterTar, '--json', '--files'])];
  const predicted = plan.predictedSavingsBytes;
  const actual = b.summary.totalBytes - a.summary.totalBytes;
  // The update-only RUN's layer was all lists, and the rebuilt image ships none: what is left of the
  // saving is what --no-install-recommends saved.
  const listsLayer = b.layers.find((l: { instruction: string }) => /RUN apt-get update$/.test(l.instruction));
  const predictedRec = bytesOf(plan, 'apt-recommends');
  const actualRec = actual - listsLayer.bytes;
  t.diagnostic(`before ${b.summary.totalBytes} B (build: ${buildBefore}), predicted saving ${predicted} B (recommends ${predictedRec} B, lists ${bytesOf(plan, 'cache-apt-lists')} B), after ${a.summary.totalBytes} B (rebuild ${buildAfter.toFixed(0)} s), actual saving ${actual} B (recommends ${actualRec} B)`);
  assert.ok(actual >= 0.9 * predicted && predicted <= 1.1 * actual, `predicted ${predicted}, actual ${actual}`);
  assert.ok(actualRec >= 0.9 * predictedRec && predictedRec <= 1.1 * actualRec, `recommends: predicted ${predictedRec}, actual ${actualRec}`);
  assert.ok(!a.files.some((f: { path: string }) => f.path.startsWith('/var/lib/apt/lists/') && f.path !== '/var/lib/apt/lists/lock'), 'no lists ship');

  // The app still works: curl runs in the rebuilt image (without ca-certificates: --version needs no TLS).
  const out = bh.run('localhost/curl:after', ['curl', '--version']);
  assert.match(out, /^curl \d+\.\d+\.\d+ .*libcurl/m);

  const again: Plan = await msbJson(['fix', afterTar, '--dockerfile', df, '--format', 'json']);
  assert.deepEqual(again.hunks, [], 'a fixed point: nothing more to rewrite');

  // The split update is also a hygiene finding, read from the image's own history (no Dockerfile);
  // the joined RUN of the rebuilt image has none.
  const hygiene = (r: { findings: Array<{ rule: string; layer: number; bytes: number }> }) => r.findings.filter((f) => f.rule === 'hygiene-apt-update-separate');
  assert.deepEqual(hygiene(b).map((f) => [f.layer, f.bytes]), [[listsLayer.index, 0]]);
  assert.deepEqual(hygiene(a), []);
});

test('apt-get update apart from its install with a RUN between that does not use apt: joined across it, the lists removed there; rebuilt, hello runs', { timeout: 900_000 }, async (t) => {
  const { plan } = await prove(t, bh, {
    name: 'gap',
    dockerfile: path.join(ROOT, 'test/fixtures/fix/gap.Dockerfile'),
    image: async () => fixtureImage(fixture.image, 'gap-before'),
    context: () => {},
    rules: ['cache-apt-lists', 'hygiene-apt-update-separate'],
    check: (fixed) => {
      assert.match(fixed, /^RUN mkdir -p \/opt\/app && echo ok > \/opt\/app\/marker\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends hello \\\n && rm -rf \/var\/lib\/apt\/lists\/\*\nCMD \["hello"\]$/m);
      assert.doesNotMatch(fixed, /^RUN apt-get update$/m);
    },
    run: ['hello'],
    output: /^Hello, world!$/m,
  });
  assert.ok(plan.predictedSavingsBytes > 10_000_000, `the lists: ${plan.predictedSavingsBytes}`);
});

test('a RUN between the update and the install asks dpkg: the update stays, and the lists are only suggested', async () => {
  const plan: Plan = await msbJson(['fix', fixture.image('gap-dpkg-before.tar'), '--dockerfile', path.join(ROOT, 'test/fixtures/fix/gap-dpkg.Dockerfile'), '--format', 'json']);
  assert.deepEqual(plan.hunks, []);
  assert.ok(plan.suggestions.some((s) => s.rules.includes('cache-apt-lists')), JSON.stringify(plan.suggestions));
});
