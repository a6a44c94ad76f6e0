import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FindingsCapture } from '../../src/analysis/findings/capture.js';
import { findFindings } from '../../src/analysis/findings/find.js';
import { parseApkInstalled, parseDpkgStatus, readPackageDb, toolchainClosure } from '../../src/analysis/findings/packages.js';
import { PathGroup } from '../../src/analysis/findings/paths.js';
import { firstRule, RULES, ruleMatches, SECRET_RULES } from '../../src/analysis/findings/rules.js';
import { analyze } from '../../src/analysis/merge.js';
import type { LayerOrigin } from '../../src/analysis/origin.js';
import type { FileEntry, LayerContents } from '../../src/walk/types.js';

/**
 * Rule precision on synthetic path lists and hand-built layers (named as such): runtime files that
 * merely look technical must match nothing; each rule must match what it claims.
 */

function ruleFor(path: string): string | undefined {
  const id = RULES.find((r) => ruleMatches(r, path))?.id;
  // The combined quick pre-check must never hide a match.
  assert.equal(firstRule(path)?.id, id, `firstRule(${path})`);
  return id;
}

/** A synthetic layer: [path, size, content?] files, plus dirs/symlinks by kind. */
function layer(index: number, files: Array<[string, number, string?]>, extra: Partial<LayerContents> = {}): LayerContents {
  const entries: FileEntry[] = files.map(([path, size, content]) => {
    const e: FileEntry = { path, kind: 'file', size, mode: 0o644, uid: 0, gid: 0, mtime: 0 };
    if (content !== undefined) e.content = Buffer.from(content);
    return e;
  });
  return { index, entries, whiteouts: [], opaqueDirs: [], compression: 'none', verified: false, ...extra };
}

const origins = (...instr: string[]): LayerOrigin[] => instr.map((instruction, index) => ({ index, instruction }));

describe('path rules', () => {
  it('match nothing on a Debian-like runtime and a busybox image (synthetic path list)', () => {
    const clean = [
      'bin/busybox',
      'usr/lib/x86_64-linux-gnu/libgcc_s.so.1',
      'usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30',
      'usr/lib/x86_64-linux-gnu/libc.so.6',
      'lib64/ld-linux-x86-64.so.2',
      'usr/lib/python3.11/json/__init__.py',
      'usr/lib/python3.11/email/mime/text.py',
      'usr/local/lib/python3.12/site-packages/requests/api.py',
      'usr/lib/python3/dist-packages/yaml/_yaml.cpython-311-x86_64-linux-gnu.so',
      'etc/ssl/certs/ca-certificates.crt',
      'usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt',
      'var/lib/dpkg/status',
      'var/lib/dpkg/info/libc6:amd64.list',
      'var/lib/apt/extended_states',
      'var/cache/debconf/templates.dat',
      'etc/passwd',
      'usr/bin/perl',
      'usr/bin/python3.11',
      'usr/local/bin/node',
      'app/node_modules/express/lib/router/index.js',
      'app/node_modules/express/package.json',
      'app/server.js',
      'app/index.py',
      'usr/local/bin/hello',
      'src/target/release/app',
      'app/target/app.jar',
      'usr/lib/jvm/java-17-openjdk-amd64/bin/java',
      'usr/lib/jvm/java-17-openjdk-amd64/lib/modules',
      'usr/lib/x86_64-linux-gnu/gconv/UTF-16.so',
      'usr/share/zoneinfo/UTC',
      'usr/lib/locale/C.utf8/LC_CTYPE',
      'etc/ld.so.cache',
      'usr/lib/go-task/README',
      'usr/share/python-wheels/pip-23.0.1-py3-none-any.whl',
      'usr/local/lib/python3.12/ensurepip/_bundled/pip-24.0-py3-none-any.whl',
      'srv/game/assets/ship.obj',
      'app/shaders/light.fs',
      'opt/octave/script.m',
      'usr/lib/modules/6.1.0/kernel/fs/ext4.ko',
      // Ruby: an installed gem, its loaded extension, the marker RubyGems needs to load it, a --user-install gem
      'var/lib/gems/3.1.0/gems/greeter-0.1.0/lib/greeter.rb',
      'var/lib/gems/3.1.0/gems/greeter-0.1.0/lib/greeter_ext.so',
      'var/lib/gems/3.1.0/extensions/x86_64-linux/3.1.0/greeter-0.1.0/greeter_ext.so',
      'var/lib/gems/3.1.0/extensions/x86_64-linux/3.1.0/greeter-0.1.0/gem.build_complete',
      'var/lib/gems/3.1.0/specifications/greeter-0.1.0.gemspec',
      'usr/local/bundle/gems/nokogiri-1.16.0/ext/nokogiri/include/nokogiri.rb',
      'root/.gem/ruby/3.1.0/gems/rack-3.0.0/lib/rack.rb',
      'usr/lib/ruby/3.1.0/json/ext/parser.so',
      'app/Gemfile.lock',
      // PHP: composer's installed packages and autoloader are the app
      'app/vendor/autoload.php',
      'app/vendor/composer/installed.json',
      'usr/bin/composer',
    ];
    for (const p of clean) assert.equal(ruleFor(p), undefined, p);
  });

  it('match the artifacts each rule claims', () => {
    const cases: Array<[string, string]> = [
      ['usr/lib/gcc/x86_64-linux-gnu/12/cc1', 'toolchain-c'],
      ['usr/libexec/gcc/x86_64-alpine-linux-musl/13/cc1', 'toolchain-c'],
      ['usr/bin/x86_64-linux-gnu-gcc-12', 'toolchain-c'],
      ['usr/bin/gcc', 'toolchain-c'],
      ['usr/bin/x86_64-linux-gnu-ld.bfd', 'toolchain-c'],
      ['usr/bin/ld', 'toolchain-c'],
      ['usr/x86_64-alpine-linux-musl/bin/as', 'toolchain-c'],
      ['usr/lib/llvm-15/bin/clang', 'toolchain-c'],
      ['usr/bin/make', 'toolchain-build-system'],
      ['usr/share/cmake-3.25/Modules/FindZLIB.cmake', 'toolchain-build-system'],
      ['usr/local/go/pkg/tool/linux_amd64/compile', 'toolchain-go'],
      ['usr/local/cargo/registry/cache/index.crates.io/serde.crate', 'cache-cargo'],
      ['usr/local/rustup/toolchains/stable/bin/rustc', 'toolchain-rust'],
      ['root/.cargo/bin/cargo', 'toolchain-rust'],
      ['usr/lib/jvm/java-17-openjdk-amd64/bin/javac', 'toolchain-jdk'],
      ['opt/java/openjdk/jmods/java.base.jmod', 'toolchain-jdk'],
      ['root/.cache/node-gyp/20.1.0/include/node/node.h', 'toolchain-node-gyp'],
      ['usr/local/include/python3.12/Python.h', 'toolchain-python-build'],
      ['usr/local/lib/python3.12/config-3.12-x86_64-linux-gnu/libpython3.12.a', 'toolchain-python-build'],
      ['var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease', 'cache-apt-lists'],
      ['var/cache/apt/pkgcache.bin', 'cache-apt'],
      ['tmp2/foo_1.0_amd64.deb', 'cache-apt'],
      ['var/cache/apk/APKINDEX.abc.tar.gz', 'cache-apk'],
      ['root/.cache/pip/http-v2/a/b/c', 'cache-pip'],
      ['wheels/numpy-1.26-cp311.whl', 'cache-pip'],
      ['root/.npm/_cacache/content-v2/sha512/ab/cd', 'cache-npm'],
      ['usr/local/share/.cache/yarn/v6/npm-lodash/index.js', 'cache-yarn'],
      ['root/.local/share/pnpm/store/v3/files/00/abc', 'cache-pnpm'],
      ['root/.cache/go-build/00/abc-d', 'cache-go'],
      ['go/pkg/mod/github.com/x/y@v1/y.go', 'cache-go'],
      ['root/.m2/repository/org/x/x.jar', 'cache-maven'],
      ['home/gradle/.gradle/caches/modules-2/x.jar', 'cache-gradle'],
      ['src/.ccache/a/b', 'cache-ccache'],
      ['home/app/.cache/huggingface/x', 'cache-other'],
      ['app/.git/objects/pack/pack-1.pack', 'source-vcs'],
      ['build/hello.o', 'source-objects'],
      ['usr/lib/x86_64-linux-gnu/libssl.a', 'source-objects'],
      ['usr/src/app/Makefile', 'source-build-files'],
      ['build/CMakeFiles/hello.dir/flags.make', 'source-build-files'],
      ['app/target/release/deps/libserde-1.rlib', 'source-cargo-target'],
      ['app/target/release/build/ring-1/out/x.o', 'source-cargo-target'],
      ['app/target/x86_64-unknown-linux-musl/release/app.d', 'source-cargo-target'],
      ['app/target/CACHEDIR.TAG', 'source-cargo-target'],
      ['build/CMakeCache.txt', 'source-build-files'],
      ['src/app/go.mod', 'source-build-files'],
      ['proj/configure', 'source-build-files'],
      ['app/Cargo.toml', 'source-build-files'],
      ['src/.cargo/config.toml', 'source-build-files'],
      ['root/.cargo/config.toml', 'toolchain-rust'],
      ['root/.m2/settings.xml', 'source-build-files'],
      ['root/.m2/repository/org/x/1/x-1.pom', 'cache-maven'],
      ['app/build.gradle.kts', 'source-build-files'],
      ['app/src/Main.java', 'source-code'],
      ['app/core', 'leftover-core'],
      ['usr/src/app/main.go', 'source-code'],
      ['build/src/hello.c', 'source-code'],
      ['usr/include/stdio.h', 'source-headers'],
      ['app/node_modules/lodash/test/test.js', 'source-tests'],
      ['usr/share/doc/libc6/copyright', 'leftover-docs'],
      ['usr/share/man/man1/ls.1.gz', 'leftover-docs'],
      ['var/log/dpkg.log', 'leftover-logs'],
      ['app/npm-debug.log', 'leftover-logs'],
      ['tmp/build-1234/x', 'leftover-tmp'],
      ['app/core.4711', 'leftover-core'],
      ['var/lib/gems/3.1.0/cache/greeter-0.1.0.gem', 'cache-gem'],
      ['usr/local/bundle/cache/rack-3.0.0.gem', 'cache-gem'],
      ['app/vendor/cache/rack-3.0.0.gem', 'cache-gem'],
      ['root/.gem/specs/rubygems.org%443/specs.4.8', 'cache-gem'],
      ['root/.bundle/cache/compact_index/rubygems.org.443.abc/versions', 'cache-gem'],
      ['var/lib/gems/3.1.0/gems/greeter-0.1.0/ext/greeter/greeter.o', 'source-gem-ext'],
      ['var/lib/gems/3.1.0/gems/greeter-0.1.0/ext/greeter/mkmf.log', 'source-gem-ext'],
      ['var/lib/gems/3.1.0/gems/greeter-0.1.0/ext/greeter/Makefile', 'source-gem-ext'],
      ['var/lib/gems/3.1.0/gems/greeter-0.1.0/ext/greeter/greeter.c', 'source-gem-ext'],
      ['var/lib/gems/3.1.0/gems/greeter-0.1.0/ext/greeter/extconf.rb', 'source-gem-ext'],
      ['usr/local/lib/ruby/gems/3.3.0/gems/json-2.7.1/ext/json/ext/parser/parser.o', 'source-gem-ext'],
      ['var/lib/gems/3.1.0/extensions/x86_64-linux/3.1.0/greeter-0.1.0/gem_make.out', 'source-gem-ext'],
      ['usr/local/bundle/extensions/x86_64-linux/3.3.0/pg-1.5.4/mkmf.log', 'source-gem-ext'],
      ['root/.composer/cache/files/monolog/monolog/abc.zip', 'cache-composer'],
      ['home/app/.cache/composer/repo/https---repo.packagist.org/packages.json', 'cache-composer'],
      ['tmp/cache/files/psr/log/abc.zip', 'cache-composer'],
    ];
    for (const [p, id] of cases) assert.equal(ruleFor(p), id, p);
  });

  it('confirm secrets from content and never flag certificates or token-less configs', () => {
    const secret = (path: string, content: string) =>
      SECRET_RULES.find((r) => r.name.test(path) && (!r.confirm || r.confirm(content)))?.id;
    assert.equal(secret('root/.ssh/id_rsa', '-----BEGIN OPENSSH PRIVATE KEY-----\nx'), 'secret-private-key');
    assert.equal(secret('etc/app/tls.key', '-----BEGIN EC PRIVATE KEY-----\nx'), 'secret-private-key');
    assert.equal(secret('etc/app/tls.pem', '-----BEGIN CERTIFICATE-----\nx'), undefined);
    assert.equal(secret('app/.npmrc', 'registry=https://registry.npmjs.org/\n'), undefined);
    assert.equal(secret('app/.npmrc', '//r.example/:_authToken=abc\n'), 'secret-npm-token');
    assert.equal(secret('root/.docker/config.json', '{"auths":{"r":{"auth":"dXNlcjpwYXNz"}}}'), 'secret-docker-config');
    assert.equal(secret('root/.docker/config.json', '{"credsStore":"pass"}'), undefined);
    assert.equal(secret('app/.env', 'API_KEY=abc123\n'), 'secret-dotenv');
    assert.equal(secret('app/.env', 'PORT=8080\nAPI_KEY=\n'), undefined);
    assert.equal(secret('app/.env.example', 'API_KEY=changeme\n'), undefined);
    assert.equal(secret('root/.git-credentials', 'https://me:ghp_abc@github.com\n'), 'secret-git-credentials');
  });
});

describe('package databases', () => {
  it('parse dpkg status, skipping removed packages', () => {
    const st = [
      'Package: gcc-12\nStatus: install ok installed\nVersion: 12.2\nDepends: cpp-12 (= 12.2), libisl23 (>= 0.15), libc6 | libc6.1\nDescription: x\n more',
      'Package: old\nStatus: deinstall ok config-files\nVersion: 1',
    ].join('\n\n');
    assert.deepEqual(parseDpkgStatus(st), [{ name: 'gcc-12', version: '12.2', depends: [['cpp-12'], ['libisl23'], ['libc6', 'libc6.1']] }]);
  });

  it('parse the apk database with file lists', () => {
    const db = 'P:gcc\nV:13.2.1\nD:binutils so:libc.musl-x86_64.so.1 !foo\nF:usr/bin\nR:gcc\nR:cc\nF:usr/libexec/gcc\nR:cc1\n\nP:musl\nV:1.2\np:so:libc.musl-x86_64.so.1=1\n';
    const [gcc, musl] = parseApkInstalled(db);
    assert.deepEqual(gcc, { name: 'gcc', version: '13.2.1', depends: [['binutils'], ['so:libc.musl-x86_64.so.1']], files: ['usr/bin/gcc', 'usr/bin/cc', 'usr/libexec/gcc/cc1'] });
    assert.equal(musl.name, 'musl');
    assert.deepEqual(musl.provides, ['so:libc.musl-x86_64.so.1']);
  });

  it('on Alpine (apk, synthetic layers): says which layer added build-base and keeps explicit packages', () => {
    const installed0 = 'P:musl\nV:1\nF:lib\nR:ld-musl-x86_64.so.1\n\nP:zlib\nV:1\nD:musl\nF:lib\nR:libz.so.1\n';
    const installed1 = `${installed0}\nP:build-base\nV:1\nD:gcc make\n\nP:gcc\nV:13\nD:libgmp zlib\nF:usr/bin\nR:gcc\n\nP:make\nV:4\nF:usr/bin\nR:make\n\nP:libgmp\nV:6\nF:usr/lib\nR:libgmp.so.10\n\nP:curl\nV:8\nD:zlib\nF:usr/bin\nR:curl\n`;
    const layers = [
      layer(0, [['lib/ld-musl-x86_64.so.1', 600_000], ['lib/libz.so.1', 100_000], ['lib/apk/db/installed', installed0.length, installed0], ['etc/apk/world', 5, 'zlib\n']]),
      layer(1, [
        ['usr/bin/gcc', 1_000_000],
        ['usr/bin/make', 200_000],
        ['usr/lib/libgmp.so.10', 500_000],
        ['usr/bin/curl', 250_000],
        ['lib/apk/db/installed', installed1.length, installed1],
        ['etc/apk/world', 21, 'zlib\nbuild-base\ncurl\n'],
      ]),
    ];
    const r = findFindings({ analysis: analyze(layers), contents: layers, origins: origins('ADD rootfs.tar /', 'RUN apk add build-base curl') });
    assert.equal(r.packageManager, 'apk');
    assert.deepEqual(r.toolchainPackages.map((p) => [p.name, p.layer, p.bytes]), [
      ['gcc', 1, 1_000_000],
      ['libgmp', 1, 500_000],
      ['make', 1, 200_000],
      ['build-base', 1, 0],
    ]);
    const tc = r.findings.filter((f) => f.category === 'toolchain');
    assert.equal(tc.length, 1);
    assert.equal(tc[0].bytes, 1_700_000);
    assert.match(tc[0].fix, /`apk add --virtual \.build-deps …`/);
  });
});

describe('toolchain closure', () => {
  it("takes the compilers' own libraries, not a -dev package's runtime library (synthetic db)", () => {
    const pkg = (name: string, depends: string[], layer = 1, auto = true) => [name, { name, version: '1', depends, layer, auto }] as const;
    const db = {
      manager: 'dpkg' as const,
      packages: new Map([
        pkg('libc6', [], 0, false),
        pkg('gcc-12', ['libisl23', 'libc6'], 1, false),
        pkg('libisl23', ['libgmp10']),
        pkg('libgmp10', []),
        pkg('libssl-dev', ['libssl3'], 1, false),
        pkg('libssl3', []),
        pkg('curl', ['libssl3'], 1, false),
        pkg('libfoo-dev', ['libfoo1'], 1, false),
        pkg('libfoo1', []),
      ]),
    };
    assert.deepEqual([...toolchainClosure(db)].sort(), ['gcc-12', 'libfoo-dev', 'libgmp10', 'libisl23', 'libssl-dev']);
  });

  it('enters dependency cycles, resolves alternatives, Provides, Pre-Depends and arch qualifiers (synthetic dpkg)', () => {
    // maven → guava ↔ error-prone (a Depends cycle only maven reaches); `java-runtime-headless` is
    // virtual; `a | b` is satisfied by the installed alternative; `libc6:amd64` is libc6.
    const stanza = (name: string, extra = '') => `Package: ${name}\nStatus: install ok installed\nVersion: 1\n${extra}`;
    const status = [
      stanza('libc6'),
      stanza('dpkg', 'Pre-Depends: libzstd1 (>= 1.4)\n'),
      stanza('libzstd1'),
      stanza('maven', 'Depends: libguava-java, java-runtime-headless, libmissing-java | libjansi-java\n'),
      stanza('libguava-java', 'Depends: liberror-prone-java, libc6:amd64\n'),
      stanza('liberror-prone-java', 'Depends: libguava-java (>= 31), libjsr305-java\n'),
      stanza('libjsr305-java'),
      stanza('libjansi-java'),
      stanza('openjdk-17-jre-headless', 'Provides: java-runtime-headless, java17-runtime-headless\nDepends: libc6:any\n'),
      stanza('tool', 'Depends: libguava-java\n'),
    ].join('\n');
    const parsed = parseDpkgStatus(status);
    assert.deepEqual(parsed.find((p) => p.name === 'dpkg')!.depends, [['libzstd1']]);
    const auto = ['libzstd1', 'libguava-java', 'liberror-prone-java', 'libjsr305-java', 'libjansi-java', 'openjdk-17-jre-headless'];
    const build = (withTool: boolean) => {
      const text = withTool ? status : status.replace(/\n\nPackage: tool[^]*$/, '\n');
      const files: Array<[string, number, string]> = [
        ['var/lib/dpkg/status', text.length, text],
        ['var/lib/apt/extended_states', 0, auto.map((n) => `Package: ${n}\nAuto-Installed: 1\n`).join('\n')],
      ];
      const layers = [layer(1, files)];
      const db = readPackageDb(analyze(layers).root, layers)!;
      return db;
    };
    const db = build(false);
    assert.deepEqual(db.packages.get('maven')!.depends.sort(), ['libguava-java', 'libjansi-java', 'openjdk-17-jre-headless']);
    assert.deepEqual(db.packages.get('libguava-java')!.depends.sort(), ['libc6', 'liberror-prone-java']);
    assert.deepEqual(db.packages.get('dpkg')!.depends, ['libzstd1']);
    // the runtime set keeps the JRE maven depends on through the virtual package
    assert.deepEqual([...toolchainClosure(db, new Set(['openjdk-17-jre-headless']))].sort(), ['liberror-prone-java', 'libguava-java', 'libjansi-java', 'libjsr305-java', 'maven']);
    // a manually installed package that needs guava keeps the whole cycle, as apt would
    assert.deepEqual([...toolchainClosure(build(true), new Set(['openjdk-17-jre-headless']))].sort(), ['libjansi-java', 'maven']);
  });
});

describe('findings engine (synthetic layers)', () => {
  it('counts a byte once: hardlinks, deleted files (waste only), and first-matching rule', () => {
    const l0 = layer(0, [['var/lib/apt/lists/big_Packages', 5000], ['usr/share/doc/x/copyright', 100]]);
    l0.entries.push({ path: 'usr/share/doc/x/copy2', kind: 'hardlink', size: 0, mode: 0o644, uid: 0, gid: 0, mtime: 0, linkname: 'usr/share/doc/x/copyright' });
    const l1 = layer(1, [], { whiteouts: ['var/lib/apt/lists/big_Packages'] });
    const layers = [l0, l1];
    const analysis = analyze(layers);
    const r = findFindings({ analysis, contents: layers, origins: origins('RUN apt-get update && apt-get install -y curl', 'RUN rm -rf /var/lib/apt/lists/*') });
    assert.deepEqual(r.findings.map((f) => [f.rule, f.bytes]), [
      ['waste-deleted', 5000],
      ['leftover-docs', 100],
    ]);
    assert.equal(r.potentialSavingsBytes, 5100);
    assert.match(r.findings[0].fix, /^layer 0 \(`RUN apt-get update .*`\): layer 1 \(`RUN rm -rf \/var\/lib\/apt\/lists\/\*`\) deletes 5 kB that this layer added: remove them in the same RUN/);
    assert.match(r.findings[1].fix, /dpkg\.cfg\.d\/nodoc/);
  });

  it('suggests --no-install-recommends and names base-image toolchains', () => {
    const st = 'Package: build-essential\nStatus: install ok installed\nVersion: 12.9\nDepends: gcc\n\nPackage: gcc\nStatus: install ok installed\nVersion: 12\n';
    const layers = [
      layer(0, [['var/lib/dpkg/status', st.length, st], ['var/lib/dpkg/info/gcc.list', 13, '/.\n/usr/bin/gcc'], ['usr/bin/gcc', 1000]]),
      layer(1, [['usr/bin/make', 300]]),
    ];
    const o: LayerOrigin[] = [
      { index: 0, instruction: 'ADD rootfs.tar /', base: 'gcc:12' },
      { index: 1, instruction: 'RUN apt-get install -y make', stage: 'build', line: 7 },
    ];
    const r = findFindings({ analysis: analyze(layers), contents: layers, origins: o });
    const [gcc, make] = r.findings;
    assert.equal(gcc.rule, 'toolchain-packages');
    assert.match(gcc.fix, /the base image \(gcc:12\) ships a build toolchain/);
    assert.equal(make.rule, 'toolchain-build-system');
    assert.match(make.fix, /^line 7, stage build: this RUN installs a build toolchain .*install with `--no-install-recommends`$/);
  });

  it('marks node devDependencies from package.json, leaving runtime dependencies alone', () => {
    const pj = JSON.stringify({ dependencies: { express: '4' }, devDependencies: { typescript: '5', '@types/node': '20' } });
    const layers = [
      layer(0, [
        ['app/package.json', pj.length, pj],
        ['app/node_modules/express/index.js', 1000],
        ['app/node_modules/typescript/lib/tsc.js', 9000],
        ['app/node_modules/@types/node/index.d.ts', 500],
      ]),
    ];
    const r = findFindings({ analysis: analyze(layers), contents: layers, origins: origins('RUN npm install') });
    assert.deepEqual(r.findings.map((f) => [f.rule, f.bytes]), [['node-dev-dependencies', 9500]]);
    assert.match(r.findings[0].fix, /npm ci --omit=dev/);
  });
});

describe('hardlinks', () => {
  it('busybox installed as hardlinks: its `ar` and `strings` names are not a toolchain', () => {
    const l0 = layer(0, [['bin/busybox', 1_000_000]]);
    for (const n of ['bin/ar', 'bin/strings', 'bin/sh']) {
      l0.entries.push({ path: n, kind: 'hardlink', size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0, linkname: 'bin/busybox' });
    }
    const r = findFindings({ analysis: analyze([l0]), contents: [l0], origins: origins('ADD busybox.tar /') });
    assert.deepEqual(r.findings, []);
  });

  it('a hardlinked compiler counts once, under its first name', () => {
    const l0 = layer(0, [['usr/bin/x86_64-linux-gnu-gcc-12', 900]]);
    l0.entries.push({ path: 'usr/bin/gcc-12', kind: 'hardlink', size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0, linkname: 'usr/bin/x86_64-linux-gnu-gcc-12' });
    const r = findFindings({ analysis: analyze([l0]), contents: [l0], origins: origins('RUN install-gcc') });
    assert.deepEqual(r.findings.map((f) => [f.rule, f.bytes, f.paths.length]), [['toolchain-c', 900, 1]]);
  });
});

describe('content capture and path summaries', () => {
  it('keeps only wanted files within the per-file and total budget', () => {
    const c = new FindingsCapture(1000);
    assert.equal(c.want('var/lib/dpkg/status', 600), true);
    assert.equal(c.want('usr/bin/gcc', 10), false);
    assert.equal(c.want('root/.npmrc', 500), false); // over what is left of the budget
    assert.equal(c.skipped, 1);
    assert.equal(c.want('root/.npmrc', 300), true);
    assert.equal(new FindingsCapture().want('etc/ssl/certs/ca.pem', 100), false);
  });

  it('a big .pem (a CA bundle like certifi\'s cacert.pem) is skipped without a note; a big .npmrc gets one', () => {
    // Seen on a real Debian image with python3-pip: cacert.pem is 275 kB.
    const c = new FindingsCapture();
    assert.equal(c.want('usr/lib/python3/dist-packages/pip/_vendor/certifi/cacert.pem', 275_233), false);
    assert.equal(c.want('app/certs/server.key', 3_000), true);
    assert.equal(c.skipped, 0);
    assert.equal(c.note(), undefined);
    assert.equal(c.want('root/.npmrc', 300_000), false);
    assert.equal(c.skipped, 1);
    assert.match(c.note() ?? '', /1 package-database, credential or native-extension file/);
  });

  it('reads a static entrypoint program whole for the paths it names, not a dynamic one, another file or a huge one', () => {
    // ELF64 little-endian headers: no program header (static), or one PT_INTERP naming the loader.
    const elf = (interp?: string) => {
      const b = Buffer.alloc(256);
      b.write('\x7fELF', 0, 'latin1');
      b[4] = 2;
      b[5] = 1;
      b.writeBigUInt64LE(64n, 32); // e_phoff
      b.writeUInt16LE(56, 54); // e_phentsize
      b.writeUInt16LE(interp ? 1 : 0, 56); // e_phnum
      if (interp) {
        b.writeUInt32LE(3, 64); // PT_INTERP
        b.writeBigUInt64LE(128n, 64 + 8);
        b.writeBigUInt64LE(BigInt(interp.length + 1), 64 + 32);
        b.write(interp, 128, 'latin1');
      }
      return b;
    };
    const c = new FindingsCapture(undefined, { names: ['app', 'hello'] });
    assert.equal(c.scan('src/app', elf(), 2_000_000), true);
    assert.equal(c.scan('src/app', elf('/lib64/ld-linux-x86-64.so.2'), 2_000_000), false, 'dynamic: its libraries are what the ELF headers show');
    assert.equal(c.scan('usr/bin/other', elf(), 2_000_000), false, 'not the entrypoint');
    assert.equal(c.scan('src/hello', Buffer.from('#!/bin/sh\necho hi\n'), 2_000_000), false, 'a script');
    assert.equal(c.scan('src/hello', elf(), 600 * 1024 * 1024), false, 'too big to read through');
    for (let i = 0; i < 7; i++) assert.equal(c.scan('src/hello', elf(), 1000), true);
    assert.equal(c.scan('src/hello', elf(), 1000), false, 'eight at most');
  });

  it("native extensions' headers have a budget of their own: past it they are counted, and other prefixes are still kept", () => {
    const c = new FindingsCapture();
    const ext = (i: number) => `usr/local/lib/python3.12/site-packages/pkg${i}/_m.cpython-312-x86_64-linux-gnu.so`;
    for (let i = 0; i < 512; i++) assert.equal(c.want(ext(i), 1_000_000), 16 * 1024, ext(i));
    assert.equal(c.want(ext(512), 1_000_000), false);
    assert.equal(c.skipped, 1);
    assert.match(c.note() ?? '', /the libraries extensions load may be incomplete/);
    // The bin-dir prefixes' budget is untouched.
    assert.equal(c.want('usr/bin/python3.12', 6_000_000, 0o755), 16 * 1024);
  });

  it('summarizes many files as a few directories with counts', () => {
    const g = new PathGroup();
    for (let i = 0; i < 100; i++) g.add(`usr/share/doc/pkg${i % 5}/f${i}`, 10);
    g.add('usr/share/man/man1/ls.1.gz', 7);
    const s = g.summarize(8);
    assert.deepEqual(s, [
      ...[0, 1, 2, 3, 4].map((i) => ({ path: `/usr/share/doc/pkg${i}`, bytes: 200, count: 20 })),
      { path: '/usr/share/man/man1', bytes: 7, count: 1 },
    ]);
    // With room for fewer entries it stays at the directories that hold everything.
    assert.deepEqual(g.summarize(3), [
      { path: '/usr/share/doc', bytes: 1000, count: 100 },
      { path: '/usr/share/man', bytes: 7, count: 1 },
    ]);
    assert.equal(s.reduce((a, p) => a + p.count, 0), g.count);
  });
});
