import type { FindingCategory, Severity } from './types.js';

/**
 * The rule catalog: what msb calls a stray build artifact. Path rules run in this order over every
 * file visible in the final image and the first match claims the file, so no byte is counted twice.
 * Files owned by a toolchain package (package database) are claimed before any path rule.
 * Rules are deliberately narrow: runtime files that merely look technical (libgcc_s, Python's own
 * .py files, CA certificates, shared libraries) match nothing.
 */

/** How a fix is phrased; see fix.ts. */
export type FixKind =
  | 'toolchain'
  | 'apt-lists'
  | 'apt-cache'
  | 'apk-cache'
  | 'pip-cache'
  | 'npm-cache'
  | 'yarn-cache'
  | 'pnpm-store'
  | 'go-cache'
  | 'cargo-cache'
  | 'maven-cache'
  | 'gradle-cache'
  | 'cache'
  | 'build-output'
  | 'dev-deps'
  | 'docs'
  | 'leftover'
  | 'secret';

export interface Rule {
  id: string;
  category: FindingCategory;
  severity: Severity;
  /** What it matches, in words (for docs and --explain). */
  matches: string;
  /** One line: why it matters. */
  why: string;
  fix: FixKind;
  /** Patterns (any may match), or a function for rules with exclusions. */
  test: RegExp | RegExp[] | ((path: string) => boolean);
  /** For function rules: patterns every match also matches (feeds the quick pre-check). */
  hint?: RegExp[];
}

export function ruleMatches(r: Rule, path: string): boolean {
  if (typeof r.test === 'function') return r.test(path);
  if (Array.isArray(r.test)) return r.test.some((x) => x.test(path));
  return r.test.test(path);
}

let anyRule: RegExp | undefined;
/**
 * The first rule matching `path`, or undefined. Most files match no rule, so one combined pattern
 * (the union of every rule's patterns and hints) answers those in a single regex pass.
 */
export function firstRule(path: string): Rule | undefined {
  anyRule ??= new RegExp(
    RULES.flatMap((r) => (typeof r.test === 'function' ? r.hint ?? [/[^]/] : Array.isArray(r.test) ? r.test : [r.test]))
      .map((x) => `(?:${x.source})`)
      .join('|'),
  );
  if (!anyRule.test(path)) return undefined;
  return RULES.find((r) => ruleMatches(r, path));
}

const HOME = String.raw`(?:root|home/[^/]+)`;
/** System locations where packages (not the build) put files: never "stray sources". */
const SYSTEM = /^(?:usr\/(?:share|lib\d*|libexec|include|local\/(?:lib\d*|include|share|go))\/|usr\/src\/(?:linux|kernel)|(?:lib\d*|etc|opt\/java)\/)/;
const re = (s: string) => new RegExp(s);
const any = (...res: RegExp[]): RegExp[] => res;

const TRIPLET = String.raw`(?:x86_64|aarch64|arm|armv\w+|i[3-6]86|powerpc64le|s390x|riscv64|mips\w*)(?:-\w+)?-linux-(?:gnu|musl)\w*-`;
const C_TOOLS = String.raw`(?:gcc|g\+\+|c\+\+|cc|cpp|gfortran|clang(?:\+\+)?|gcc-ar|gcc-nm|gcc-ranlib|gcov(?:-dump|-tool)?|lto-dump)`;
const BINUTILS = String.raw`(?:as|ld|ld\.bfd|ld\.gold|ar|ranlib|objdump|objcopy|strip|nm|readelf|size|strings|addr2line|c\+\+filt|elfedit|gprof|gprofng|dwp)`;

export const RULES: Rule[] = [
  // --- toolchains
  {
    id: 'toolchain-c',
    category: 'toolchain',
    severity: 'high',
    matches: 'C/C++ compilers and their internals: gcc, g++, cc1, collect2, as, ld, clang, /usr/lib/gcc, /usr/libexec/gcc, LLVM',
    why: 'a compiler is only needed to build; in the final image it is dead weight and attack surface',
    fix: 'toolchain',
    test: any(
      /^usr\/(?:local\/)?(?:lib|libexec|lib64)\/gcc(?:-cross)?\//,
      re(String.raw`^usr\/(?:local\/)?bin\/(?:${TRIPLET})?${C_TOOLS}(?:-\d+(?:\.\d+)*)?$`),
      re(String.raw`^usr\/(?:local\/)?bin\/(?:${TRIPLET})?${BINUTILS}$`),
      re(String.raw`^usr\/\w+-\w+-linux-\w+\/bin\/${BINUTILS}$`),
      /^usr\/lib\/llvm-\d+\//,
      /^usr\/lib\/clang\//,
    ),
  },
  {
    id: 'toolchain-build-system',
    category: 'toolchain',
    severity: 'medium',
    matches: 'make, cmake, ninja, meson, autotools, libtool, m4, bison, flex, pkg-config and their data',
    why: 'build systems are only needed to build',
    fix: 'toolchain',
    test: any(
      /^usr\/(?:local\/)?bin\/(?:make|gmake|cmake|ctest|cpack|ccmake|ninja|meson|autoconf|autoheader|autom4te|autoreconf|autoscan|autoupdate|ifnames|automake(?:-[\d.]+)?|aclocal(?:-[\d.]+)?|libtool|libtoolize|m4|bison|yacc|flex|flex\+\+|pkg-config|pkgconf|[\w-]+-pkg-config)$/,
      /^usr\/(?:local\/)?share\/(?:cmake(?:-[\d.]+)?|autoconf|automake(?:-[\d.]+)?|aclocal(?:-[\d.]+)?|libtool|bison|pkgconfig)\//,
    ),
  },
  {
    id: 'toolchain-go',
    category: 'toolchain',
    severity: 'high',
    matches: 'the Go toolchain: /usr/local/go, /usr/lib/go-*',
    why: 'a Go binary needs no Go toolchain to run (hundreds of MB)',
    fix: 'toolchain',
    test: any(/^usr\/local\/go\//, /^usr\/lib\/go(?:-[\d.]+)?\//, /^usr\/share\/go(?:-[\d.]+)?\//),
  },
  {
    id: 'cache-cargo',
    category: 'cache',
    severity: 'high',
    matches: 'cargo registry and git checkouts: ~/.cargo/registry, ~/.cargo/git, $CARGO_HOME/registry',
    why: 'downloaded crate sources are only needed to build',
    fix: 'cargo-cache',
    test: re(String.raw`^(?:${HOME}\/\.cargo|usr\/local\/cargo)\/(?:registry|git)\/`),
  },
  {
    id: 'toolchain-rust',
    category: 'toolchain',
    severity: 'high',
    matches: 'rustc/cargo: ~/.cargo, ~/.rustup, /usr/local/cargo, /usr/local/rustup, rustlib',
    why: 'a Rust binary needs no Rust toolchain to run',
    fix: 'toolchain',
    test: any(
      re(String.raw`^(?:${HOME}\/\.(?:cargo|rustup)|usr\/local\/(?:cargo|rustup))\/`),
      /^usr\/(?:local\/)?bin\/(?:rustc|cargo|rustdoc|rust-gdb|rust-lldb)$/,
      /^usr\/(?:local\/)?lib\/rustlib\//,
    ),
  },
  {
    id: 'toolchain-jdk',
    category: 'toolchain',
    severity: 'medium',
    matches: 'JDK-only parts (javac and tools, jmods, include, src.zip, ct.sym) where a JRE would do',
    why: 'running Java needs a JRE; javac, jmods and the JDK sources are for building',
    fix: 'toolchain',
    test: re(
      String.raw`^(?:usr\/lib\/jvm|opt\/java|usr\/local\/openjdk[^/]*|opt\/[^/]*jdk[^/]*)(?:\/[^/]+)*?\/(?:jmods\/|include\/|lib\/src\.zip$|lib\/ct\.sym$|bin\/(?:javac|javadoc|javap|jdeps|jlink|jmod|jdeprscan|jshell|jhsdb|jimage|jpackage|jarsigner|serialver|rmic|jar)$)`,
    ),
  },
  {
    id: 'toolchain-node-gyp',
    category: 'toolchain',
    severity: 'medium',
    matches: 'node-gyp and the Node.js headers it downloads (~/.cache/node-gyp, /usr/include/node)',
    why: 'native addons are compiled at install time; the compiler kit is not needed to run them',
    fix: 'toolchain',
    test: any(
      /(?:^|\/)node_modules\/(?:npm\/node_modules\/)?node-gyp\//,
      re(String.raw`^${HOME}\/\.(?:cache\/)?node-gyp\/`),
      /^usr\/(?:local\/)?include\/node\//,
    ),
  },
  {
    id: 'toolchain-python-build',
    category: 'toolchain',
    severity: 'medium',
    matches: "Python's C headers and static library (include/python3.x, lib/python3.x/config-*)",
    why: 'headers and libpython.a are only needed to compile extensions',
    fix: 'toolchain',
    test: any(/^usr\/(?:local\/)?include\/python[\d.]+\w?\//, /^usr\/(?:local\/)?lib\/python[\d.]+\/config-[^/]+\//),
  },
  // --- package-manager caches
  {
    id: 'cache-apt-lists',
    category: 'cache',
    severity: 'medium',
    matches: '/var/lib/apt/lists/*',
    why: "apt's package index is only needed to install; it is re-downloaded by apt-get update",
    fix: 'apt-lists',
    test: /^var\/lib\/apt\/lists\//,
  },
  {
    id: 'cache-apt',
    category: 'cache',
    severity: 'medium',
    matches: '/var/cache/apt (downloaded .debs, pkgcache.bin) and stray *.deb files',
    why: 'downloaded packages are already installed; the archives are copies',
    fix: 'apt-cache',
    test: any(/^var\/cache\/apt\//, /\.deb$/),
  },
  {
    id: 'cache-apk',
    category: 'cache',
    severity: 'medium',
    matches: '/var/cache/apk, /etc/apk/cache',
    why: 'downloaded apk packages are already installed',
    fix: 'apk-cache',
    test: any(/^var\/cache\/apk\//, /^etc\/apk\/cache\//),
  },
  {
    id: 'cache-pip',
    category: 'cache',
    severity: 'medium',
    matches: '~/.cache/pip and stray *.whl files',
    why: "pip's HTTP and wheel cache is only used by the next pip install",
    fix: 'pip-cache',
    // Not the wheels Python itself ships for venv/ensurepip (/usr/share/python-wheels, ensurepip/_bundled).
    hint: [/\.cache\/pip\//, /\.whl$/],
    test: (p) => /(?:^|\/)\.cache\/pip\//.test(p) || (/\.whl$/.test(p) && !SYSTEM.test(p) && !/\/ensurepip\/_bundled\//.test(p)),
  },
  {
    id: 'cache-npm',
    category: 'cache',
    severity: 'medium',
    matches: '~/.npm (_cacache, _logs)',
    why: "npm's download cache is only used by the next npm install",
    fix: 'npm-cache',
    test: re(String.raw`^${HOME}\/\.npm\/`),
  },
  {
    id: 'cache-yarn',
    category: 'cache',
    severity: 'medium',
    matches: 'yarn caches: ~/.cache/yarn, /usr/local/share/.cache/yarn, ~/.yarn/berry/cache',
    why: "yarn's package cache is only used by the next install",
    fix: 'yarn-cache',
    test: any(/(?:^|\/)\.cache\/yarn\//, re(String.raw`^${HOME}\/\.yarn\/(?:berry\/)?cache\/`)),
  },
  {
    id: 'cache-pnpm',
    category: 'cache',
    severity: 'medium',
    matches: 'the pnpm store: ~/.local/share/pnpm/store, .pnpm-store',
    why: "pnpm's content-addressed store is only used to install",
    fix: 'pnpm-store',
    test: any(/(?:^|\/)\.local\/share\/pnpm\/store\//, /(?:^|\/)\.pnpm-store\//, /^pnpm\/store\//),
  },
  {
    id: 'cache-go',
    category: 'cache',
    severity: 'high',
    matches: 'Go build and module caches: ~/.cache/go-build, $GOPATH/pkg/mod',
    why: 'compiled packages and downloaded modules are only needed to build',
    fix: 'go-cache',
    test: any(/(?:^|\/)\.cache\/go-build\//, re(String.raw`^(?:go|${HOME}\/go|usr\/local\/go-path)\/pkg\/mod\/`)),
  },
  {
    id: 'cache-maven',
    category: 'cache',
    severity: 'medium',
    matches: '~/.m2/repository',
    why: 'the local Maven repository holds build-time dependencies',
    fix: 'maven-cache',
    test: /(?:^|\/)\.m2\/repository\//,
  },
  {
    id: 'cache-gradle',
    category: 'cache',
    severity: 'medium',
    matches: '~/.gradle (caches, wrapper distributions, daemon)',
    why: "Gradle's caches and wrapper distributions are only needed to build",
    fix: 'gradle-cache',
    test: /(?:^|\/)\.gradle\/(?:caches|wrapper|daemon|native)\//,
  },
  {
    id: 'cache-ccache',
    category: 'cache',
    severity: 'medium',
    matches: 'compiler caches: .ccache, .cache/ccache, sccache',
    why: 'compiler caches speed up the next build and nothing else',
    fix: 'cache',
    test: /(?:^|\/)(?:\.ccache|\.cache\/(?:ccache|sccache))\//,
  },
  {
    id: 'cache-other',
    category: 'cache',
    severity: 'low',
    matches: 'anything else under a .cache directory',
    why: 'per-user caches are rebuilt on demand',
    fix: 'cache',
    test: /(?:^|\/)\.cache\//,
  },
  // --- sources and intermediates
  {
    id: 'source-vcs',
    category: 'source',
    severity: 'medium',
    matches: '.git, .svn, .hg directories',
    why: 'version-control history is never needed at run time and may leak code',
    fix: 'build-output',
    test: /(?:^|\/)\.(?:git|svn|hg)\//,
  },
  {
    id: 'source-objects',
    category: 'source',
    severity: 'medium',
    matches: 'object files and static archives: *.o, *.lo, *.a, *.la',
    why: 'objects and static libraries are linker input; the linked program does not read them',
    fix: 'build-output',
    test: /\.(?:o|lo|a|la)$/,
  },
  {
    id: 'source-build-files',
    category: 'source',
    severity: 'low',
    matches: 'build trees and build scripts: CMakeFiles/, target/{debug,release}, Makefile, CMakeLists.txt, configure, config.log, *.ninja, ...',
    why: 'build scripts and build trees are only needed to build',
    fix: 'build-output',
    hint: [/(?:CMakeFiles|cmake-build-|autom4te\.cache|\.deps|_build|target)\//, /(?:akefile|\.am|\.in|\.txt|\.cmake|configure|\.ac|\.log|\.status|\.build|\.ninja|_log|_deps|\.json|\.lock|\.toml|go\.sum|go\.mod|\.xml|\.gradle|\.kts)$/],
    test: (p) =>
      !SYSTEM.test(p) &&
      !/(?:^|\/)node_modules\//.test(p) &&
      (/(?:^|\/)(?:CMakeFiles|cmake-build-[^/]+|autom4te\.cache|\.deps|_build)\//.test(p) ||
        /(?:^|\/)target\/(?:debug|release)\/(?:deps|build|incremental|\.fingerprint)\//.test(p) ||
        /(?:^|\/)(?:Makefile|makefile|GNUmakefile|Makefile\.(?:am|in)|CMakeLists\.txt|CMakeCache\.txt|cmake_install\.cmake|configure|configure\.ac|config\.log|config\.status|meson\.build|build\.ninja|\.ninja_log|\.ninja_deps|compile_commands\.json|Cargo\.lock|Cargo\.toml|go\.sum|go\.mod|pom\.xml|build\.gradle(?:\.kts)?|settings\.gradle(?:\.kts)?)$/.test(p)),
  },
  {
    id: 'source-code',
    category: 'source',
    severity: 'medium',
    matches: 'sources of compiled languages (C, C++, Objective-C++, Go, Rust, Java, Kotlin, Scala, Swift, C#, Zig, Fortran 90) outside installed packages',
    why: 'a compiled program does not read its sources; they cost bytes and disclose code',
    fix: 'build-output',
    hint: [/\.(?:c|cc|cpp|cxx|c\+\+|h|hh|hpp|hxx|go|rs|java|kt|scala|swift|cs|zig|f90|f95|mm)$/],
    test: (p) =>
      /\.(?:c|cc|cpp|cxx|c\+\+|h|hh|hpp|hxx|go|rs|java|kt|scala|swift|cs|zig|f90|f95|mm)$/.test(p) &&
      !SYSTEM.test(p) &&
      !/(?:^|\/)node_modules\//.test(p),
  },
  {
    id: 'source-headers',
    category: 'source',
    severity: 'medium',
    matches: 'C headers in /usr/include and /usr/local/include',
    why: 'headers are only read by a compiler',
    fix: 'toolchain',
    test: /^usr\/(?:local\/)?include\//,
  },
  {
    id: 'source-tests',
    category: 'source',
    severity: 'low',
    matches: 'test folders inside node_modules packages (test/, tests/, __tests__/)',
    why: "packages' own tests are never run in the image",
    fix: 'dev-deps',
    test: /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/]+\/(?:test|tests|__tests__)\//,
  },
  // --- leftovers
  {
    id: 'leftover-docs',
    category: 'leftover',
    severity: 'low',
    matches: 'documentation: /usr/share/doc, /usr/share/man, /usr/share/info',
    why: 'nobody reads man pages inside a container',
    fix: 'docs',
    test: /^usr\/(?:local\/)?share\/(?:doc|man|info|gtk-doc|doc-base)\//,
  },
  {
    id: 'leftover-logs',
    category: 'leftover',
    severity: 'low',
    matches: 'log files: /var/log/*, *.log',
    why: 'build-time logs (apt, dpkg, installers) are of no use at run time',
    fix: 'leftover',
    test: any(/^var\/log\/./, /\.log$/),
  },
  {
    id: 'leftover-tmp',
    category: 'leftover',
    severity: 'medium',
    matches: 'files left in /tmp and /var/tmp',
    why: 'temporary files from the build are never cleaned up once they are in a layer',
    fix: 'leftover',
    test: /^(?:var\/)?tmp\/./,
  },
  {
    id: 'leftover-core',
    category: 'leftover',
    severity: 'medium',
    matches: 'core dumps: core, core.<pid>',
    why: 'a crashed build step left its memory image behind',
    fix: 'leftover',
    hint: [/(?:^|\/)core(?:\.\d+)?$/],
    test: (p) => /(?:^|\/)core\.\d+$/.test(p) || (/(?:^|\/)core$/.test(p) && !/^(?:usr|lib|lib64|etc|opt)\//.test(p)),
  },
];

/** Toolchain files identified through the package database rather than by path. */
export const PACKAGE_RULE: Rule = {
  id: 'toolchain-packages',
  category: 'toolchain',
  severity: 'high',
  matches: 'files owned by compiler/build packages (build-essential, gcc, binutils, make, *-dev, ...) and the libraries only they need, per dpkg/apk database',
  why: 'the build toolchain is only needed to build; the final image needs only the program and its runtime libraries',
  fix: 'toolchain',
  test: () => false,
};

export const DEV_DEPS_RULE: Rule = {
  id: 'node-dev-dependencies',
  category: 'source',
  severity: 'medium',
  matches: "node_modules packages that package.json / node_modules/.package-lock.json mark as devDependencies",
  why: 'devDependencies (test runners, bundlers, type definitions) are not needed to run',
  fix: 'dev-deps',
  test: () => false,
};

/** Secret rules: matched on every file of every layer, deleted or not (a deleted file still ships). */
export interface SecretRule {
  id: string;
  severity: Severity;
  matches: string;
  why: string;
  /** A path that may hold this kind of secret. */
  name: RegExp;
  /** Confirms from content; when absent the name alone is evidence. Never returns content. */
  confirm?: (content: string) => boolean;
}

const KEY_BEGIN = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----|PuTTY-User-Key-File-\d/;

export const SECRET_RULES: SecretRule[] = [
  {
    id: 'secret-private-key',
    severity: 'high',
    matches: 'private keys: id_rsa/id_ed25519/..., *.pem, *.key, *.ppk holding a PRIVATE KEY block',
    why: 'anyone who can pull the image has the key',
    name: /(?:^|\/)(?:id_(?:rsa|dsa|ecdsa|ed25519)|[^/]+\.(?:pem|key|ppk))$/,
    confirm: (c) => KEY_BEGIN.test(c),
  },
  {
    id: 'secret-keystore',
    severity: 'medium',
    matches: 'PKCS#12 keystores: *.p12, *.pfx',
    why: 'keystores usually hold a private key',
    name: /\.(?:p12|pfx)$/,
  },
  {
    id: 'secret-npm-token',
    severity: 'high',
    matches: '.npmrc with _authToken, _auth or _password',
    why: 'an npm token in the image lets anyone publish or read private packages as you',
    name: /(?:^|\/)\.npmrc$/,
    confirm: (c) => /(?:_authToken|_auth|_password)\s*=\s*\S/.test(c),
  },
  {
    id: 'secret-pypirc',
    severity: 'high',
    matches: '.pypirc with a password',
    why: 'a PyPI token in the image lets anyone upload as you',
    name: /(?:^|\/)\.pypirc$/,
    confirm: (c) => /^\s*password\s*[=:]\s*\S/m.test(c),
  },
  {
    id: 'secret-git-credentials',
    severity: 'high',
    matches: '.git-credentials with a user:password@ URL',
    why: 'git credentials grant access to your repositories',
    name: /(?:^|\/)\.git-credentials$/,
    confirm: (c) => /:\/\/[^\s:/@]+:[^\s@]+@/.test(c),
  },
  {
    id: 'secret-netrc',
    severity: 'high',
    matches: '.netrc with a password',
    why: '.netrc passwords are sent to the servers it names',
    name: /(?:^|\/)\.netrc$/,
    confirm: (c) => /\bpassword\s+\S/.test(c),
  },
  {
    id: 'secret-docker-config',
    severity: 'high',
    matches: '.docker/config.json with registry auth',
    why: 'registry credentials let anyone push or pull as you',
    name: /(?:^|\/)\.docker\/config\.json$/,
    confirm: (c) => /"(?:auth|identitytoken|registrytoken)"\s*:\s*"[^"]+"/.test(c),
  },
  {
    id: 'secret-aws-credentials',
    severity: 'high',
    matches: '.aws/credentials with a secret access key',
    why: 'cloud credentials in an image are a breach waiting to happen',
    name: /(?:^|\/)\.aws\/credentials$/,
    confirm: (c) => /aws_secret_access_key\s*=\s*\S/.test(c),
  },
  {
    id: 'secret-dotenv',
    severity: 'high',
    matches: '.env files with a non-empty *SECRET*/*TOKEN*/*PASSWORD*/*KEY* variable',
    why: '.env files are meant to stay out of images; these values ship to everyone',
    name: /(?:^|\/)\.env(?:\.(?!example$|sample$|template$|dist$)[\w-]+)?$/,
    confirm: (c) => /^\s*(?:export\s+)?[\w.]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE|CREDENTIAL|ACCESS_KEY)[\w.]*\s*=\s*['"]?[^\s'"#]/im.test(c),
  },
];
