import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Finding } from '../../src/analysis/findings/types.js';
import type { InspectOptions, InspectResult } from '../../src/pipeline/types.js';
import { rubyFixtures, type RubyTruth } from './fixtures.js';
import { inspectArchive, BUILD, sum, pct, unpack, removePackages } from './image-files.js';

/**
 * Findings on a real Ruby image (test/fixtures/findings-ruby): a debootstrap'ed Debian with Debian's
 * ruby, ruby-dev and a C toolchain installed by apt-get in a RUN, a gem with a C extension built and
 * installed offline (`gem build`, `gem install --local`), its .gem also kept in a bundler-style
 * /app/vendor/cache, `CMD ruby /app/app.rb`. The truth comes from apt and RubyGems inside the image
 * (truth.json): the packages `apt-get purge --autoremove` of ruby-dev gcc make libc6-dev would
 * remove, the gem caches, the extension's build tree and logs, apt's lists, the sources.
 */

let fx: Awaited<ReturnType<typeof rubyFixtures>>;
let truth: RubyTruth;
const OUTPUT = 'ruby fixture ok 42\n';

const inspect = (name: string, opts: InspectOptions = {}) => inspectArchive(fx.image(name), opts);


before(async () => {
  fx = await rubyFixtures();
  truth = fx.truth;
});

describe('single-stage Ruby image (ruby + ruby-dev + gcc from Debian, a native gem built in place)', () => {
  let ins: InspectResult;
  let paths: string[];
  before(async () => {
    ins = await inspect('ruby-single.tar');
    paths = ins.findings.findings.filter((f) => BUILD.has(f.category)).flatMap((f) => f.paths.map((p) => p.path));
  });

  it('resolves the entrypoint to the ruby interpreter and the script, and keeps ruby and its libraries', () => {
    const rt = ins.findings.runtime;
    assert.equal(rt.resolved, true, rt.note);
    assert.ok(rt.files.includes('usr/bin/ruby3.1'), rt.files.join(' '));
    assert.ok(rt.files.includes('app/app.rb'), rt.files.join(' '));
    assert.ok(rt.files.some((f) => /libruby-3\.1\.so/.test(f)), rt.files.join(' '));
    for (const p of ['ruby', 'ruby3.1', 'libruby', 'libruby3.1', ...truth.runtimePackages]) {
      assert.ok(rt.packages.includes(p), `${p} is runtime`);
      assert.ok(!ins.findings.toolchainPackages.some((t) => t.name === p), `${p} is not build-only`);
    }
  });

  it("calls build-only only packages apt's autoremove removes, all of its compilers and -dev packages", () => {
    const msb = ins.findings.toolchainPackages.map((p) => p.name).sort();
    const apt = [...truth.buildPackages].sort();
    for (const p of ['gcc-12', 'make', 'ruby-dev', 'ruby3.1-dev', 'libc6-dev', 'libgmp-dev', 'binutils']) assert.ok(apt.includes(p) && msb.includes(p), p);
    assert.deepEqual(msb.filter((p) => !apt.includes(p)), [], 'msb removes a package apt keeps');
    // What apt removes and msb keeps: runtime libraries reached only through -dev packages (gcc's
    // libgomp1/libasan8…, libtirpc3 and krb5 behind libc6-dev). An interpreter may load any of them
    // (a gem built against a -dev package, FFI), so msb keeps them unless one native program runs.
    const kept = apt.filter((p) => !msb.includes(p));
    for (const p of kept) assert.match(p, /^lib(?!.*-dev$)/, `${p} apt removes is a library`);
  });

  it("counts the toolchain packages' bytes on the apt-get line, within apt's", () => {
    const tc = ins.findings.findings.filter((f) => f.rule === 'toolchain-packages');
    const found = sum(tc);
    assert.equal(tc.length, 1);
    assert.match(tc[0].instruction, /apt-get install -y --no-install-recommends ruby ruby-dev gcc make libc6-dev/);
    assert.match(tc[0].fix, /separate stage/);
    // measured 183,544,946 of 208,692,473 (88.0%): the libraries above are the rest
    assert.ok(found >= 0.85 * truth.buildPackageBytes, `found ${found} of ${truth.buildPackageBytes} (${pct(found, truth.buildPackageBytes)})`);
    assert.ok(found <= truth.buildPackageBytes, `found ${found} > ${truth.buildPackageBytes}`);
  });

  it('finds both gem caches exactly, on the gem install line, and never a gem the app loads', () => {
    assert.ok(truth.gemCacheBytes > 0 && truth.vendorCacheBytes > 0);
    const gem = ins.findings.findings.filter((f) => f.rule === 'cache-gem');
    assert.equal(sum(gem), truth.gemCacheBytes + truth.vendorCacheBytes);
    assert.match(gem[0].instruction, /gem install --local/);
    assert.match(gem[0].fix, /gem env gemdir/);
    for (const p of paths) assert.doesNotMatch(p, /\/gems\/greeter-0\.1\.0\/lib\/|\/specifications\//, p);
  });

  it("claims the extension's build tree and logs exactly, never the .so it loads nor gem.build_complete", () => {
    const ext = ins.findings.findings.filter((f) => f.rule === 'source-gem-ext');
    assert.equal(sum(ext), truth.extTreeBytes + truth.extLogBytes);
    assert.ok(truth.extTreeFiles.some((f) => f.endsWith('.o')) && truth.extTreeFiles.some((f) => f.endsWith('/Makefile')));
    assert.ok(truth.extLogBytes > 0, 'gem_make.out and mkmf.log');
    assert.ok(!paths.includes(`/${truth.loadedSo}`), 'the loaded .so is kept');
    const kept = truth.extensionDirFiles.filter((f) => !/\/(?:gem_make\.out|mkmf\.log)$/.test(f));
    assert.ok(kept.some((f) => f.endsWith('/gem.build_complete')) && kept.some((f) => f.endsWith('.so')), kept.join(' '));
    for (const k of kept) assert.ok(!paths.includes(`/${k}`), `${k} is kept`);
    for (const p of paths) for (const k of [truth.loadedSo, ...kept]) assert.ok(!`/${k}`.startsWith(`${p}/`), `${p} holds ${k}`);
  });

  it('finds at least 90% of the truly build-only bytes and never more than 5% above', () => {
    const build = ins.findings.findings.filter((f) => BUILD.has(f.category));
    const found = sum(build);
    const truly = truth.buildPackageBytes + truth.aptListsBytes + truth.gemCacheBytes + truth.vendorCacheBytes + truth.extTreeBytes + truth.extLogBytes + truth.srcBytes;
    assert.ok(found >= 0.9 * truly, `found ${found} of ${truly} (${pct(found, truly)})`);
    assert.ok(found <= 1.05 * truly, `found ${found} > 105% of ${truly}`);
    assert.equal(sum(ins.findings.findings.filter((f) => f.rule === 'cache-apt-lists')), truth.aptListsBytes);
    for (const p of paths) assert.doesNotMatch(p, /libruby|libc\.so|ld-linux|\/usr\/bin\/ruby|\/app\/app\.rb$/, p);
  });

  it('the app still runs with every package msb calls build-only, the gem caches and the ext build tree removed', { skip: process.getuid?.() !== 0 && 'needs root (chroot)' }, () => {
    const dir = unpack(fx.image('ruby-single.tar'), 'msb-ruby-rootfs-');
    try {
      const root = join(dir, 'root');
      removePackages(root, ins.findings.toolchainPackages);
      // every non-package path msb names (each a file or a directory of matched files only)
      for (const f of ins.findings.findings.filter((x) => BUILD.has(x.category) && x.rule !== 'toolchain-packages')) {
        for (const p of f.paths) if (p.count === 1 || /\/(?:ext|cache|lists)$/.test(p.path)) rmSync(join(root, p.path), { recursive: true, force: true });
      }
      for (const g of ['usr/bin/gcc-12', 'usr/bin/make', 'usr/include/ruby-3.1.0/ruby.h', `${truth.gemDir}/cache/greeter-0.1.0.gem`, 'app/vendor/cache/greeter-0.1.0.gem', `${truth.gemDir}/gems/greeter-0.1.0/ext/greeter/greeter.o`]) {
        assert.ok(!existsSync(join(root, g)), `${g} is gone`);
      }
      assert.equal(execFileSync('chroot', [root, 'ruby', '/app/app.rb'], { encoding: 'utf8', env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' } }), OUTPUT);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
