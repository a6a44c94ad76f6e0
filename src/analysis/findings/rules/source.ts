import type { Rule } from './rule.js';
import { SYSTEM } from './patterns.js';

/** Sources and intermediates: what a compiled program does not read at run time. */

/** A cargo target dir's build tree; the binaries beside it (target/release/app) are not in it. */
const CARGO_TARGET = [
  /(?:^|\/)target\/(?:[\w.-]+\/)?(?:debug|release)\/(?:deps|build|incremental|\.fingerprint|examples)\//,
  /(?:^|\/)target\/(?:[\w.-]+\/)?(?:debug|release)\/(?:[^/]+\.(?:d|rlib|rmeta)|\.cargo-lock)$/,
  /(?:^|\/)target\/(?:CACHEDIR\.TAG|\.rustc_info\.json)$/,
];

/** An installed gem's ext/ build tree, and the logs RubyGems keeps beside the built extension. */
const GEM_EXT = [/(?:^|\/)gems\/[^/]+\/ext\//, /(?:^|\/)extensions\/[^/]+\/[^/]+\/[^/]+\/(?:gem_make\.out|mkmf\.log)$/];

export const SOURCE_RULES: Rule[] = [
  {
    // Before source-objects, source-code and leftover-logs: the whole ext/ tree is one build leftover.
    id: 'source-gem-ext',
    category: 'source',
    severity: 'medium',
    matches: "a native gem's build tree: gems/*/ext/ (objects, Makefile, mkmf.log, the C sources, extconf.rb; not other .rb files, which some gems require from ext/), extensions/*/*/*/{gem_make.out,mkmf.log} (not gem.build_complete: without it RubyGems skips the gem, nor the .so)",
    why: 'ruby loads the extension from the extensions/ dir (or lib/); the objects, Makefile and logs made it',
    fix: 'build-output',
    hint: GEM_EXT,
    // Some gems put ruby files they require in ext/; extconf.rb is never required.
    test: (p) => GEM_EXT.some((r) => r.test(p)) && (!/\.rb$/.test(p) || /(?:^|\/)extconf\.rb$/.test(p)),
  },
  {
    // First of the source rules: target/ holds .o and generated .rs files that belong to it.
    id: 'source-cargo-target',
    category: 'source',
    severity: 'medium',
    matches: "cargo's build tree: target/{debug,release}/{deps,build,incremental,.fingerprint,examples}, *.d, *.rlib, *.rmeta, .cargo-lock, target/CACHEDIR.TAG, target/.rustc_info.json (not the binaries beside them)",
    why: "dependency rlibs, build-script output and fingerprints are only needed to rebuild; the program is the one binary",
    fix: 'build-output',
    hint: CARGO_TARGET,
    test: (p) => !SYSTEM.test(p) && !/(?:^|\/)node_modules\//.test(p) && CARGO_TARGET.some((r) => r.test(p)),
  },
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
    matches: 'build trees and build scripts: CMakeFiles/, Maven target/classes, Maven\'s ~/.m2/settings.xml, Cargo.toml, .cargo/config.toml, Gradle build/classes, Makefile, CMakeLists.txt, configure, config.log, *.ninja, ...',
    why: 'build scripts and build trees are only needed to build',
    fix: 'build-output',
    hint: [/(?:CMakeFiles|cmake-build-|autom4te\.cache|\.deps|_build|target)\//, /(?:akefile|\.am|\.in|\.txt|\.cmake|configure|\.ac|\.log|\.status|\.build|\.ninja|_log|_deps|\.json|\.lock|\.toml|go\.sum|go\.mod|\.xml|\.gradle|\.kts|\.cargo\/config)$/],
    test: (p) =>
      !SYSTEM.test(p) &&
      !/(?:^|\/)node_modules\//.test(p) &&
      (/(?:^|\/)(?:CMakeFiles|cmake-build-[^/]+|autom4te\.cache|\.deps|_build)\//.test(p) ||
        // Maven's and Gradle's build trees (the jar they produce is not in them)
        /(?:^|\/)target\/(?:classes|test-classes|maven-status|maven-archiver|generated-sources|generated-test-sources|surefire-reports)\//.test(p) ||
        /(?:^|\/)build\/(?:classes|tmp|kotlin|generated)\/(?:java|kotlin|main|test|compileJava|jar)\//.test(p) ||
        // a project's cargo config (~/.cargo/config.toml is toolchain-rust's, matched earlier)
        /(?:^|\/)\.cargo\/config(?:\.toml)?$/.test(p) ||
        // Maven's user settings (mirrors, credentials): read by mvn only
        /(?:^|\/)\.m2\/settings(?:-security)?\.xml$/.test(p) ||
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
];
