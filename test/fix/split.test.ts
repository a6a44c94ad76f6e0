/**
 * msb fix's split of a single-stage build, proven by rebuilding: test/fixtures/split builds a C
 * program, a Go program and a Java jar (Debian's JDK and Maven) in place on the debootstrap bookworm
 * minbase (the toolchains installed by apt-get in a RUN), and the Rust findings fixture builds its
 * app with Debian's cargo. The jar's runtime stage installs the JRE package `java` comes from.
 * `msb fix --apply` makes the stage a build stage and appends a runtime stage FROM the same base with
 * the program alone; the image is rebuilt, the program still prints its line, the saving is within
 * 10% of msb's prediction, and msb fix on the rebuilt image proposes nothing more (proof.ts).
 * c-config's program opens a file of the build at run time (no ELF header says so, and no rule calls
 * it build-only): its split stays a suggestion naming that file. The Go programs are static: their
 * runtime stage is FROM scratch, with the files of the FROM image that go-files' bytes name copied.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT, runMsb } from '../helpers/cli.js';
import { counted } from '../helpers/counted.js';
import { inspect } from '../../src/pipeline/inspect.js';
import { LayerCache } from '../../src/pipeline/layer-cache.js';
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
const splitInto = (program: string, base = 'localhost/debian-base:latest') => (fixed: string, original: string) => {
  assert.ok(fixed.endsWith(`CMD ["${program}"]\n\nFROM ${base}\nCOPY --from=build ${program} ${program}\nCMD ["${program}"]\n`), fixed);
  assert.equal(fixed.slice(0, original.length + ' AS build'.length), original.replace(/^(FROM .*)$/m, '$1 AS build'));
};
const native = (name: string, program: string, output: RegExp, base?: string): Proof => ({
  name,
  dockerfile: path.join(DIR, `${name}.Dockerfile`),
  image: async () => fixtureImage(fixture.image, name),
  context: (ctx) => cpSync(path.join(DIR, 'ctx'), ctx, { recursive: true }),
  rules: ['split-stages'],
  check: splitInto(program, base),
  run: [program],
  output,
});
const CASES: Proof[] = [
  native('c-single', '/src/hello', /^hello from a C build split in two$/m),
  // Static, and its bytes name no path the FROM image has: the runtime stage is FROM scratch.
  native('go-single', '/src/hello', /^hello from a Go build split in two \(go1\.\d+/m, 'scratch'),
  {
    // Static, and its bytes name two files of the FROM image and Go's zoneinfo dir: FROM scratch with
    // them copied, the link as its file (the dir's own link to /etc/localtime then resolves).
    ...native('go-files', '/src/files', /^debian 12\.\d+, localtime \d+ bytes$/m),
    check: (fixed, original) => {
      const cmd = 'CMD ["/src/files"]';
      const runtime = ['FROM scratch', 'COPY --from=build /src/files /src/files', 'COPY --from=build /etc/debian_version /etc/debian_version', 'COPY --from=build /usr/share/zoneinfo/Etc/UTC /etc/localtime', 'COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo', cmd];
      assert.ok(fixed.endsWith(`${cmd}\n\n${runtime.join('\n')}\n`), fixed);
      assert.equal(fixed.slice(0, original.length + ' AS build'.length), original.replace(/^(FROM .*)$/m, '$1 AS build'));
    },
  },
  {
    // go-files' program built FROM a Go image: FROM scratch all the same, the image's ENV repeated.
    ...native('go-on-golang', '/src/files', /^debian 12\.\d+, localtime \d+ bytes$/m),
    context: (ctx) => {
      cpSync(path.join(DIR, 'ctx'), ctx, { recursive: true });
      bh.build(path.join(DIR, 'golang-base.Dockerfile'), 'docker.io/library/golang:1.19-bookworm', ctx);
    },
    check: (fixed, original) => {
      const cmd = 'CMD ["/src/files"]';
      const runtime = [
        'FROM scratch',
        'COPY --from=build /src/files /src/files',
        'COPY --from=build /etc/debian_version /etc/debian_version',
        'COPY --from=build /usr/share/zoneinfo/Etc/UTC /etc/localtime',
        'COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo',
        'ENV GOLANG_VERSION="1.19"',
        'ENV GOPATH="/go"',
        'WORKDIR /src',
        cmd,
      ];
      assert.ok(fixed.endsWith(`${cmd}\n\n${runtime.join('\n')}\n`), fixed);
      assert.equal(fixed.slice(0, original.length + ' AS build'.length), original.replace(/^(FROM .*)$/m, '$1 AS build'));
    },
  },
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

test("go-on-golang: the program names the Go toolchain's root (its GOROOT), which is not copied, and says so", async () => {
  const plan: Plan = await msbJson(['fix', fixture.image('go-on-golang.tar'), '--dockerfile', path.join(DIR, 'go-on-golang.Dockerfile'), '--format', 'json']);
  const split = plan.hunks.flatMap((h) => h.rewrites).find((r) => r.rules.includes('split-stages'));
  assert.ok(split, JSON.stringify(plan));
  assert.ok(split.evidence?.some((e) => /^it names \/usr\/lib\/go-1\.19, the Go toolchain it was built with \(its GOROOT\): not copied/.test(e)), JSON.stringify(split.evidence));
  assert.ok(split.evidence?.some((e) => /^FROM scratch: the runtime stage ships none of the FROM image's .* its environment is repeated \(GOLANG_VERSION, GOPATH\)$/.test(e)), JSON.stringify(split.evidence));
});

test('go-files from a gzip OCI archive: the program is read whole as its layer streams, and again from the layer cache, for the same FROM scratch plan', { timeout: 600_000 }, async () => {
  const tar = fixture.image('go-files.tar');
  const oci = path.join(bh.dir, 'go-files.oci.tar');
  execFileSync('skopeo', ['copy', '-q', '--dest-compress', '--dest-compress-format', 'gzip', `docker-archive:${tar}`, `oci-archive:${oci}`]);
  const args = ['--dockerfile', path.join(DIR, 'go-files.Dockerfile'), '--format', 'json'];
  const seek: Plan = await msbJson(['fix', tar, ...args, '--no-cache']);
  const env = { XDG_CACHE_HOME: path.join(bh.dir, 'cache') };
  const plans: Plan[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await runMsb(['fix', oci, ...args], { env });
    assert.equal(r.code, 0, r.stderr);
    plans.push(JSON.parse(r.stdout));
    if (i === 0) assert.ok(readdirSync(env.XDG_CACHE_HOME, { recursive: true }).some((f) => /v2\/[0-9a-f]{64}\.bin\.gz$/.test(String(f))), 'the layers are cached');
  }
  assert.ok(seek.hunks.some((h) => h.text.includes('FROM scratch\nCOPY --from=build /src/files /src/files\nCOPY --from=build /etc/debian_version /etc/debian_version')), JSON.stringify(seek.hunks));
  for (const p of plans) assert.deepEqual(p.hunks, seek.hunks);
});

test("a layer cached for an image that runs something else is walked again for this one's program", { timeout: 600_000 }, async () => {
  // A: go-files' layers run as /bin/true (a real commit: buildah config over the image); B: go-files.
  const tar = fixture.image('go-files.tar');
  const b = (...a: string[]) => execFileSync('buildah', [...bh.args, ...a], { encoding: 'utf8' }).trim();
  const c = b('from', '-q', `docker-archive:${tar}`);
  b('config', '--cmd', '["/bin/true"]', c);
  b('commit', '-q', c, 'localhost/go-files-true:latest');
  b('rm', c);
  const oci = (from: string, name: string) => {
    const out = path.join(bh.dir, `${name}.oci.tar`);
    execFileSync('skopeo', ['copy', '-q', '--dest-compress', '--dest-compress-format', 'gzip', `docker-archive:${from}`, `oci-archive:${out}`]);
    return out;
  };
  const a = oci(bh.save('localhost/go-files-true:latest', path.join(bh.dir, 'go-files-true.tar')), 'a');
  const bOci = oci(tar, 'b');
  const env = { XDG_CACHE_HOME: path.join(bh.dir, 'cache-two-images') };
  const args = ['--dockerfile', path.join(DIR, 'go-files.Dockerfile'), '--format', 'json'];
  const first = await runMsb(['inspect', a, '--json'], { env });
  assert.equal(first.code, 0, first.stderr);
  const entries = readdirSync(env.XDG_CACHE_HOME, { recursive: true }).filter((f) => /\.bin\.gz$/.test(String(f))).length;
  const cached = await runMsb(['fix', bOci, ...args], { env });
  assert.equal(cached.code, 0, cached.stderr);
  // B's layers are A's (one entry each, none added): the program's layer came from the cache, walked for A.
  assert.equal(readdirSync(env.XDG_CACHE_HOME, { recursive: true }).filter((f) => /\.bin\.gz$/.test(String(f))).length, entries);
  const fresh: Plan = await msbJson(['fix', bOci, ...args, '--no-cache']);
  assert.ok(fresh.hunks.some((h) => h.text.includes('\nFROM scratch\n')), JSON.stringify(fresh.hunks));
  assert.deepEqual(JSON.parse(cached.stdout).hunks, fresh.hunks);
  // The walk for B was stored back with both images' captures: alternating A, B, A, B (each a new
  // run, as separate processes would be) walks B's program layer once, then neither image again.
  const dir = path.join(bh.dir, 'cache-alternating');
  const opens: number[] = [];
  for (const ref of [a, bOci, a, bOci, a]) {
    const { image, opens: n } = await counted(ref);
    try {
      await inspect(image, { layerCache: new LayerCache(dir) });
      opens.push(n());
    } finally {
      await image.close();
    }
  }
  assert.ok(opens[0] > 1, String(opens));
  assert.deepEqual(opens.slice(1), [1, 0, 0, 0]);
});
