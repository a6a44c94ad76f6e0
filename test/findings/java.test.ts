import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import type { Finding } from '../../src/analysis/findings/types.js';
import type { InspectOptions, InspectResult } from '../../src/pipeline/types.js';
import { javaFixtures, type JavaTruth } from './fixtures.js';
import { inspectArchive, BUILD, sum } from './image-files.js';

/**
 * Findings on real Java images (test/fixtures/findings-java): a debootstrap'ed Debian with
 * openjdk-17-jdk-headless and Maven installed by apt-get in a RUN, the app built by `mvn package`
 * and run by `java -jar`; once in a single stage, once the recommended way (JRE-only final stage).
 * The truth comes from apt itself inside the single-stage image (truth.json): the packages
 * `apt-get purge --autoremove` of the JDK and Maven would remove, apt's lists, ~/.m2, the build tree.
 */

let fx: Awaited<ReturnType<typeof javaFixtures>>;
let truth: JavaTruth;
const SRC = new URL('../fixtures/findings-java/', import.meta.url).pathname;

const inspect = (name: string, opts: InspectOptions = {}) => inspectArchive(fx.image(name), opts);

const JVM = /^\/usr\/lib\/jvm\/java-17-openjdk-amd64\//;

before(async () => {
  fx = await javaFixtures();
  truth = fx.truth;
});

describe('single-stage Java image (JDK + Maven, java -jar)', () => {
  let ins: InspectResult;
  before(async () => {
    ins = await inspect('java-single.tar');
  });

  it('resolves the entrypoint to the JRE and keeps it, its libraries and the jar', () => {
    const rt = ins.findings.runtime;
    assert.equal(rt.resolved, true, rt.note);
    assert.ok(rt.packages.includes('openjdk-17-jre-headless'), rt.packages.join(' '));
    assert.ok(rt.files.includes('src/target/app.jar'));
    assert.ok(rt.files.some((f) => /bin\/java$/.test(f)));
    for (const p of ['openjdk-17-jre-headless', 'libnss3', 'libssl3', 'zlib1g']) {
      assert.ok(!ins.findings.toolchainPackages.some((t) => t.name === p), `${p} is runtime`);
    }
  });

  it("calls build-only exactly the packages apt's autoremove would remove: what apt keeps, msb keeps", () => {
    // truth.buildPackages is `apt-get -s purge --autoremove` of the JDK and Maven inside this image;
    // it includes libguava-java ↔ liberror-prone-java, a Depends cycle only Maven reaches.
    const msb = ins.findings.toolchainPackages.map((p) => p.name).sort();
    const apt = [...truth.buildPackages].sort();
    assert.deepEqual(msb.filter((p) => !apt.includes(p)), [], 'msb removes a package apt keeps');
    assert.deepEqual(apt.filter((p) => !msb.includes(p)), [], 'apt removes a package msb keeps');
    for (const p of ins.findings.runtime.packages) assert.ok(!apt.includes(p), `${p} is in the runtime set`);
  });

  it('finds at least 90% of the truly build-only bytes, on the right lines, and never more than 5% above', () => {
    const build = ins.findings.findings.filter((f) => BUILD.has(f.category));
    const found = sum(build);
    const truly = truth.buildPackageBytes + truth.aptListsBytes + truth.m2Bytes + truth.buildTreeBytes;
    assert.ok(found >= 0.9 * truly, `found ${found} of ${truly} (${((100 * found) / truly).toFixed(1)}%)`);
    assert.ok(found <= 1.05 * truly, `found ${found} > 105% of ${truly}`);
    // nothing the runtime needs
    const paths = build.flatMap((f) => f.paths.map((p) => p.path));
    for (const p of paths) {
      assert.doesNotMatch(p, /\/bin\/java$|\/lib\/server\/|\/lib\/modules$|libnss3|libssl|app\.jar$/, p);
    }
    // the toolchain is dated to the apt-get RUN, the caches and build tree to theirs
    const tc = build.find((f) => f.rule === 'toolchain-packages')!;
    assert.match(tc.instruction, /apt-get install -y --no-install-recommends openjdk-17-jdk-headless maven/);
    assert.match(tc.fix, /build in a separate stage/);
    const m2 = build.find((f) => f.rule === 'cache-maven')!;
    assert.match(m2.instruction, /mvn -B -q -s settings\.xml package/);
    // JDK-only parts are what goes of the JDK; the JRE stays
    assert.ok(paths.some((p) => JVM.test(p) && /jmods|bin\/javac|include/.test(p)) || tc.packages?.includes('openjdk-17-jdk-headless'));
  });

  it('finds the key planted under an ordinary name; the key a package ships is information only', () => {
    const secrets = ins.findings.findings.filter((f) => f.category === 'secret');
    const planted = secrets.find((f) => f.paths[0].path === '/etc/app/deploy-settings');
    assert.ok(planted, JSON.stringify(secrets.map((f) => [f.rule, f.paths[0].path])));
    assert.equal(planted!.severity, 'high');
    assert.equal(planted!.bytes, truth.plantedKeyBytes);
    const pkg = secrets.find((f) => f.paths[0].path === '/usr/share/fixture-testdata/certs/server.key')!;
    assert.equal(pkg.rule, 'secret-packaged');
    assert.equal(pkg.severity, 'low');
    assert.equal(pkg.bytes, 0);
    assert.ok(secrets.filter((f) => f.severity === 'high').every((f) => f === planted), 'no other high secret');
  });
});

describe('multi-stage Java image built the recommended way (JRE-only final stage)', () => {
  let ins: InspectResult;
  before(async () => {
    ins = await inspect('java-multi.tar', { dockerfile: `${SRC}java-multi.Dockerfile` });
  });

  it('has no toolchain, cache or source finding and keeps the JRE', () => {
    const build = ins.findings.findings.filter((f) => BUILD.has(f.category));
    assert.deepEqual(build.map((f) => [f.rule, f.paths[0]?.path]), []);
    assert.deepEqual(ins.findings.toolchainPackages, []);
    assert.equal(ins.findings.runtime.resolved, true, ins.findings.runtime.note);
    assert.ok(ins.findings.runtime.packages.includes('openjdk-17-jre-headless'));
  });

  it('never advises a separate stage', () => {
    for (const f of ins.findings.findings) assert.doesNotMatch(f.fix, /separate stage|multi-stage/, f.fix);
  });
});

describe('java fixture Dockerfiles', () => {
  it('pin plugin versions Debian ships', () => {
    const pom = readFileSync(`${SRC}ctx/pom.xml`, 'utf8');
    assert.match(pom, /maven-compiler-plugin<\/artifactId><version>3\.10\.1/);
  });
});
