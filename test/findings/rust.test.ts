import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Finding } from '../../src/analysis/findings/types.js';
import type { InspectOptions, InspectResult } from '../../src/pipeline/types.js';
import { rustFixtures, type RustTruth } from './fixtures.js';
import { inspectArchive, BUILD, sum, pct, unpack, removePackages } from './image-files.js';

/**
 * Findings on real Rust images (test/fixtures/findings-rust): a debootstrap'ed Debian with Debian's
 * cargo and rustc installed by apt-get in a RUN, a small app (one crate from Debian's
 * /usr/share/cargo/registry, one git dependency) built by `cargo build --release` and run from
 * target/release; once in a single stage, once the recommended way (the binary alone on the base).
 * The truth comes from apt itself inside the single-stage image (truth.json): the packages
 * `apt-get purge --autoremove` of cargo, rustc and the crate package would remove, target/ without
 * the binary, cargo's home, apt's lists, the source.
 */

let fx: Awaited<ReturnType<typeof rustFixtures>>;
let truth: RustTruth;
const SRC = new URL('../fixtures/findings-rust/', import.meta.url).pathname;
const BIN = 'src/target/release/app';
const OUTPUT = 'rust fixture ok 42\n';

const inspect = (name: string, opts: InspectOptions = {}) => inspectArchive(fx.image(name), opts);


before(async () => {
  fx = await rustFixtures();
  truth = fx.truth;
});

describe('single-stage Rust image (cargo + rustc from Debian, binary run from target/release)', () => {
  let ins: InspectResult;
  before(async () => {
    ins = await inspect('rust-single.tar');
  });

  it('resolves the entrypoint to the native binary and keeps it and the libraries it loads', () => {
    const rt = ins.findings.runtime;
    assert.equal(rt.resolved, true, rt.note);
    assert.ok(rt.files.includes(BIN), rt.files.join(' '));
    assert.ok(rt.files.some((f) => /libc\.so\.6$/.test(f)), rt.files.join(' '));
    assert.ok(rt.files.some((f) => /libgcc_s\.so\.1$/.test(f)), rt.files.join(' '));
    // what ldd says the binary loads, as packages, is all in the runtime set and none is build-only
    assert.ok(truth.runtimePackages.includes('libc6') && truth.runtimePackages.includes('libgcc-s1'), truth.runtimePackages.join(' '));
    for (const p of truth.runtimePackages) {
      assert.ok(rt.packages.includes(p), `${p} is runtime`);
      assert.ok(!ins.findings.toolchainPackages.some((t) => t.name === p), `${p} is not build-only`);
    }
  });

  it("calls build-only exactly the packages apt's autoremove would remove", () => {
    const msb = ins.findings.toolchainPackages.map((p) => p.name).sort();
    const apt = [...truth.buildPackages].sort();
    assert.ok(apt.includes('cargo') && apt.includes('rustc') && apt.includes('libstd-rust-dev'), apt.join(' '));
    assert.deepEqual(msb.filter((p) => !apt.includes(p)), [], 'msb removes a package apt keeps');
    assert.deepEqual(apt.filter((p) => !msb.includes(p)), [], 'apt removes a package msb keeps');
  });

  it("counts the toolchain packages' bytes as apt's set has them, on the apt-get line", () => {
    const tc = ins.findings.findings.filter((f) => f.rule === 'toolchain-packages');
    const found = sum(tc);
    assert.ok(found >= 0.9 * truth.buildPackageBytes, `found ${found} of ${truth.buildPackageBytes} (${pct(found, truth.buildPackageBytes)})`);
    assert.ok(found <= 1.05 * truth.buildPackageBytes, `found ${found} > 105% of ${truth.buildPackageBytes}`);
    assert.equal(tc.length, 1);
    assert.match(tc[0].instruction, /apt-get install -y --no-install-recommends cargo rustc librust-libc-dev/);
    assert.match(tc[0].fix, /separate stage/);
    assert.equal(tc[0].evidence?.confidence, 'high');
  });

  it("claims target/ except the binary the CMD runs, its hardlinked twin counted once", () => {
    assert.ok(truth.binaryLinks >= 2, 'cargo hardlinks target/release/app and deps/app-HASH');
    const tgt = ins.findings.findings.filter((f) => f.rule === 'source-cargo-target');
    assert.equal(sum(tgt), truth.targetBytes);
    assert.match(tgt[0].instruction, /cargo build --release/);
    const paths = ins.findings.findings.flatMap((f) => f.paths.map((p) => p.path));
    assert.ok(!paths.includes(`/${BIN}`), 'the binary is kept');
    assert.ok(ins.findings.runtime.files.includes(BIN));
  });

  it("finds cargo's git cache and home, apt's lists and the sources, exactly", () => {
    assert.ok(truth.cargoGitBytes > 0, 'the git dependency was cloned into $CARGO_HOME/git');
    const cargo = ins.findings.findings.filter((f) => f.rule === 'cache-cargo');
    assert.equal(sum(cargo), truth.cargoGitBytes);
    assert.match(cargo[0].instruction, /cargo build --release/);
    assert.match(cargo[0].fix, /--mount=type=cache/);
    const home = ins.findings.findings.filter((f) => /^cache-cargo$|^toolchain-rust$/.test(f.rule) && f.paths.every((p) => p.path.startsWith('/root/.cargo')));
    assert.equal(sum(home), truth.cargoHomeBytes);
    assert.equal(sum(ins.findings.findings.filter((f) => f.rule === 'cache-apt-lists')), truth.aptListsBytes);
    // Cargo.toml, Cargo.lock, .cargo/config.toml, src/, the git dependency's repository: all of /src but target/
    const src = ins.findings.findings.filter((f) => f.category === 'source' && f.rule !== 'source-cargo-target');
    assert.ok(src.every((f) => f.paths.every((p) => p.path.startsWith('/src/'))), JSON.stringify(src.map((f) => f.paths)));
    assert.equal(sum(src), truth.srcBytes);
  });

  it('finds at least 90% of the truly build-only bytes and never more than 5% above', () => {
    const build = ins.findings.findings.filter((f) => BUILD.has(f.category));
    const found = sum(build);
    const truly = truth.buildPackageBytes + truth.targetBytes + truth.cargoHomeBytes + truth.aptListsBytes + truth.srcBytes;
    assert.ok(found >= 0.9 * truly, `found ${found} of ${truly} (${pct(found, truly)})`);
    assert.ok(found <= 1.05 * truly, `found ${found} > 105% of ${truly}`);
    const paths = build.flatMap((f) => f.paths.map((p) => p.path));
    for (const p of paths) assert.doesNotMatch(p, /libc\.so|libgcc_s|ld-linux|\/src\/target\/release\/app$/, p);
  });

  it('the app still runs with every package msb calls build-only, target/ and cargo home removed', { skip: process.getuid?.() !== 0 && 'needs root (chroot)' }, () => {
    const dir = unpack(fx.image('rust-single.tar'), 'msb-rust-rootfs-');
    try {
      const root = join(dir, 'root');
      removePackages(root, ins.findings.toolchainPackages);
      execFileSync('bash', ['-c', `cd "$1" && mv ${BIN} app.bin && rm -rf src/target root/.cargo var/lib/apt/lists/* && mkdir -p src/target/release && mv app.bin ${BIN}`, 'rm', root]);
      for (const gone of ['usr/bin/rustc', 'usr/bin/cargo', 'usr/bin/x86_64-linux-gnu-gcc-12', 'usr/lib/x86_64-linux-gnu/libstd-rust-1.63.so']) {
        assert.ok(!existsSync(join(root, gone)), `${gone} is gone`);
      }
      assert.equal(execFileSync('chroot', [root, `/${BIN}`], { encoding: 'utf8' }), OUTPUT);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('multi-stage Rust image built the recommended way (the binary alone on the base)', () => {
  let ins: InspectResult;
  before(async () => {
    ins = await inspect('rust-multi.tar', { dockerfile: `${SRC}rust-multi.Dockerfile` });
  });

  it('has no toolchain, cache or source finding, resolves the binary and never advises a separate stage', () => {
    const build = ins.findings.findings.filter((f) => BUILD.has(f.category));
    assert.deepEqual(build.map((f) => [f.rule, f.paths[0]?.path]), []);
    assert.deepEqual(ins.findings.toolchainPackages, []);
    const rt = ins.findings.runtime;
    assert.equal(rt.resolved, true, rt.note);
    assert.ok(rt.files.includes('usr/local/bin/app'));
    for (const p of ['libc6', 'libgcc-s1']) assert.ok(rt.packages.includes(p), p);
    for (const f of ins.findings.findings) assert.doesNotMatch(f.fix, /separate stage|multi-stage/, f.fix);
  });

  it('says the same from the image alone, without its Dockerfile', async () => {
    const bare = await inspect('rust-multi.tar');
    assert.deepEqual(bare.findings.findings.filter((f) => BUILD.has(f.category)).map((f) => f.rule), []);
    for (const f of bare.findings.findings) assert.doesNotMatch(f.fix, /separate stage|multi-stage/, f.fix);
  });

  it('runs the app', { skip: process.getuid?.() !== 0 && 'needs root (chroot)' }, () => {
    const dir = unpack(fx.image('rust-multi.tar'), 'msb-rust-rootfs-');
    try {
      assert.equal(execFileSync('chroot', [join(dir, 'root'), '/usr/local/bin/app'], { encoding: 'utf8' }), OUTPUT);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

