/**
 * msb fix's split of a single-stage build, proven by rebuilding: test/fixtures/split builds a C
 * program, a Go program and a Java jar (Debian's JDK and Maven) in place on the debootstrap bookworm
 * minbase (the toolchains installed by apt-get in a RUN), and the Rust findings fixture builds its
 * app with Debian's cargo. The jar's runtime stage installs the JRE package `java` comes from.
 * `msb fix --apply` makes the stage a build stage and appends a runtime stage FROM the same base with
 * the program alone; the image is rebuilt, the program still prints its line, the saving is within
 * 10% of msb's prediction, and msb fix on the rebuilt image proposes nothing more (proof.ts).
 * c-config's program opens a file of the build at run time (no ELF header says so, and no rule calls
 * it build-only): its split stays a suggestion naming that file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { Buildah, msbJson } from './buildah.js';
import { builtFixtures, rustFixtures } from '../findings/fixtures.js';
import { buildDebianBase, fixtureImage, prove, type Plan, type Proof } from './proof.js';

let bh: Buildah;
let fixture: { dir: string; image: (name: string) => string };
const DIR = path.join(ROOT, 'test/fixtures/split');
const RUST = path.join(ROOT, 'test/fixtures/findings-rust');
before(async () => {
  fixture = await builtFixtures('split', 'timing.txt');
  bh = new Buildah('msb-fix-split-');
  buildDebianBase(bh);
});
after(() => bh?.remove());

/** The rewritten file is the original with the FROM line naming the build stage and the runtime stage after it. */
const splitInto = (program: string) => (fixed: string, original: string) => {
  assert.ok(fixed.endsWith(`CMD ["${program}"]\n\nFROM localhost/debian-base:latest\nCOPY --from=build ${program} ${program}\nCMD ["${program}"]\n`), fixed);
  assert.equal(fixed.slice(0, original.length + ' AS build'.length), original.replace(/^(FROM .*)$/m, '$1 AS build'));
};
const native = (name: string, program: string, output: RegExp): Proof => ({
  name,
  dockerfile: path.join(DIR, `${name}.Dockerfile`),
  image: async () => fixtureImage(fixture.image, name),
  context: (ctx) => cpSync(path.join(DIR, 'ctx'), ctx, { recursive: true }),
  rules: ['split-stages'],
  check: splitInto(program),
  run: [program],
  output,
});
const CASES: Proof[] = [
  native('c-single', '/src/hello', /^hello from a C build split in two$/m),
  native('go-single', '/src/hello', /^hello from a Go build split in two \(go1\.\d+/m),
  {
    name: 'java-single',
    dockerfile: path.join(DIR, 'java-single.Dockerfile'),
    image: async () => fixtureImage(fixture.image, 'java-single'),
    context: (ctx) => cpSync(path.join(DIR, 'ctx'), ctx, { recursive: true }),
    rules: ['split-stages'],
    check: (fixed, original) => {
      const jar = '/src/target/app.jar';
      const cmd = `CMD ["java", "-jar", "${jar}"]`;
      const runtime = ['FROM localhost/debian-base:latest', 'RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless && rm -rf /var/lib/apt/lists/*', `COPY --from=build ${jar} ${jar}`, 'WORKDIR /src', cmd];
      assert.ok(fixed.endsWith(`${cmd}\n\n${runtime.join('\n')}\n`), fixed);
      assert.equal(fixed.slice(0, original.length + ' AS build'.length), original.replace(/^(FROM .*)$/m, '$1 AS build'));
    },
    run: ['java', '-jar', '/src/target/app.jar', 'split'],
    output: /^hello from app split$/m,
  },
  {
    name: 'rust-single',
    dockerfile: path.join(RUST, 'rust-single.Dockerfile'),
    image: async () => fixtureImage((await rustFixtures()).image, 'rust-single'),
    // cargo clones the git dependency from a real repository (findings-rust/build.sh makes it the same way)
    context: (ctx) => {
      cpSync(path.join(RUST, 'ctx'), ctx, { recursive: true });
      const git = (...a: string[]) => execFileSync('git', ['-C', path.join(ctx, 'app/itoa-git'), ...a], { stdio: 'ignore' });
      git('init', '-q');
      git('add', '-A');
      git('-c', 'user.name=msb', '-c', 'user.email=msb@example.invalid', 'commit', '-qm', 'itoa-git 0.1.0');
    },
    rules: ['split-stages'],
    check: splitInto('/src/target/release/app'),
    run: ['/src/target/release/app'],
    output: /^rust fixture ok 42$/m,
  },
];

for (const c of CASES) {
  test(`${c.name}: msb fix --apply splits the stage, the rebuilt image runs, the saving is what msb predicted`, { timeout: 1_500_000 }, async (t) => {
    const { again } = await prove(t, bh, c);
    assert.ok(!again.suggestions.some((s) => s.rules.includes('split-stages')));
  });
}

test('c-config: the program opens a file of the build at run time, so the split is a suggestion naming it, never applied', async () => {
  const plan: Plan = await msbJson(['fix', fixture.image('c-config.tar'), '--dockerfile', path.join(DIR, 'c-config.Dockerfile'), '--format', 'json']);
  assert.ok(!plan.hunks.some((h) => h.rewrites.some((r) => r.rules.includes('split-stages'))));
  const split = plan.suggestions.find((s) => s.rules.includes('split-stages'));
  assert.ok(split, JSON.stringify(plan.suggestions));
  assert.match(split.why, /not applied: 1 file\(s\) of the build \(\d+ B\) are not known to be build-only, and the program may open them at run time: \/src\/greeting\.txt/);
  // The other rewrites still apply: the apt lists go in the install RUN.
  assert.ok(plan.hunks.some((h) => h.rewrites.some((r) => r.rules.includes('cache-apt-lists'))));
});

test("java-on-jdk-base: the JDK is the FROM image's, so the split is a suggestion to run the jar on the same family's JRE image, never applied", async () => {
  const tar = fixture.image('java-on-jdk-base.tar');
  const plan: Plan = await msbJson(['fix', tar, '--dockerfile', path.join(DIR, 'java-on-jdk-base.Dockerfile'), '--format', 'json']);
  assert.ok(!plan.hunks.some((h) => h.rewrites.some((r) => r.rules.includes('split-stages'))), JSON.stringify(plan.hunks));
  const split = plan.suggestions.find((s) => s.rules.includes('split-stages'));
  assert.ok(split, JSON.stringify(plan.suggestions));
  assert.match(split.why, /run the jar on eclipse-temurin:17-jre \(assumed: the same family as eclipse-temurin:17-jdk without the JDK's compiler and tools; msb has not seen it\):/);
  assert.match(split.why, /FROM eclipse-temurin:17-jre ⏎ COPY --from=build \/src\/target\/app\.jar \/src\/target\/app\.jar ⏎ WORKDIR \/src ⏎ CMD \["java", "-jar", "\/src\/target\/app\.jar"\]$/);
  assert.ok(split.evidence?.some((e) => /app\.jar's manifest: Main-Class app\.App, no Class-Path/.test(e)), JSON.stringify(split.evidence));
  // Its bytes: the build's own layers (above the JDK image's) minus the jar the runtime stage ships.
  const r = await msbJson(['inspect', tar, '--json', '--files']);
  const own = r.layers.filter((l: { base?: string }) => l.base === undefined).reduce((s: number, l: { bytes: number }) => s + l.bytes, 0);
  const jar = r.files.find((f: { path: string }) => f.path === '/src/target/app.jar');
  assert.ok(own > 0 && jar, 'the build made layers and the jar');
  assert.equal(split.bytes, own - jar.size);
});
