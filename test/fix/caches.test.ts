/**
 * msb fix's build-tool cache removals, proven by rebuilding the Java and Ruby findings fixtures
 * (Debian's JDK and Maven, or Ruby and a C toolchain, installed by apt-get on the debootstrap
 * minbase; built once per fixture version and shared with the findings tests). `msb fix --apply`
 * removes the apt lists in the install RUN and the tool's cache at the end of the RUN that filled it:
 * Maven's local repository as the one directory that holds it, the two .gem archives by name. Each
 * image is rebuilt, its app still prints its line, the saving is within 10% of the prediction, and
 * msb fix on the rebuilt image proposes nothing more (proof.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { Buildah } from './buildah.js';
import { javaFixtures, rubyFixtures } from '../findings/fixtures.js';
import { buildDebianBase, fixtureImage, prove, type Proof } from './proof.js';

let bh: Buildah;
before(() => {
  bh = new Buildah('msb-fix-caches-');
  buildDebianBase(bh);
});
after(() => bh?.remove());

const JAVA = path.join(ROOT, 'test/fixtures/findings-java');
const RUBY = path.join(ROOT, 'test/fixtures/findings-ruby');
const CASES: Array<Proof & { cache: string; split?: (why: string) => void }> = [
  {
    name: 'java-single',
    cache: 'cache-maven',
    dockerfile: path.join(JAVA, 'java-single.Dockerfile'),
    image: async () => fixtureImage((await javaFixtures()).image, 'java-single'),
    context: (ctx) => execFileSync('bash', [path.join(JAVA, 'make-ctx.sh'), ctx], { stdio: 'inherit' }),
    rules: ['cache-apt-lists', 'cache-maven'],
    check: (fixed) => assert.match(fixed, /^RUN mvn -B -q -s settings\.xml package -Dmaven\.test\.skip=true \\\n && rm -rf \/root\/\.m2\/repository$/m),
    run: ['java', '-jar', '/src/target/app.jar', 'rebuilt'],
    output: /^hello from app rebuilt$/m,
    // The jar alone would run (its manifest has no Class-Path), but the build also left a key the app
    // may read, a package that is neither build-only nor run, and Maven settings given by -s: the
    // split (test/fix/split.test.ts applies it where nothing is left over) stays a suggestion.
    split: (why) =>
      assert.match(why, /not applied: 3 file\(s\) of the build .* \(of packages neither build-only nor run: fixture-testdata\): .*\/etc\/app\/deploy-settings/),
  },
  {
    name: 'ruby-single',
    cache: 'cache-gem',
    dockerfile: path.join(RUBY, 'ruby-single.Dockerfile'),
    image: async () => fixtureImage((await rubyFixtures()).image, 'ruby-single'),
    context: (ctx) => cpSync(path.join(RUBY, 'ctx'), ctx, { recursive: true }),
    rules: ['cache-apt-lists', 'cache-gem'],
    check: (fixed) => assert.match(fixed, / \\\n && rm -f \/app\/vendor\/cache\/greeter-0\.1\.0\.gem \/var\/lib\/gems\/3\.\d\.0\/cache\/greeter-0\.1\.0\.gem$/m),
    run: ['ruby', '/app/app.rb'],
    output: /^ruby fixture ok 42$/m,
  },
];

for (const c of CASES) {
  test(`${c.name}: msb fix --apply removes the apt lists and ${c.cache}; rebuilt, the app runs and the saving is what msb predicted`, { timeout: 1_500_000 }, async (t) => {
    const { after: a, plan } = await prove(t, bh, c);
    for (const rule of c.rules) assert.ok(!a.findings.some((f: { rule: string }) => f.rule === rule), `${rule} is gone`);
    c.split?.(plan.suggestions.find((s) => s.rules.includes('split-stages'))?.why ?? '');
  });
}
