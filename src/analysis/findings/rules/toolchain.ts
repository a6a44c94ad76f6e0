import type { Rule } from './rule.js';
import { any, HOME, re } from './patterns.js';

/** Compilers, build systems and language toolchains: only needed to build. */

const TRIPLET = String.raw`(?:x86_64|aarch64|arm|armv\w+|i[3-6]86|powerpc64le|s390x|riscv64|mips\w*)(?:-\w+)?-linux-(?:gnu|musl)\w*-`;
const C_TOOLS = String.raw`(?:gcc|g\+\+|c\+\+|cc|cpp|gfortran|clang(?:\+\+)?|gcc-ar|gcc-nm|gcc-ranlib|gcov(?:-dump|-tool)?|lto-dump)`;
const BINUTILS = String.raw`(?:as|ld|ld\.bfd|ld\.gold|ar|ranlib|objdump|objcopy|strip|nm|readelf|size|strings|addr2line|c\+\+filt|elfedit|gprof|gprofng|dwp)`;

export const TOOLCHAIN_RULES: Rule[] = [
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
];
