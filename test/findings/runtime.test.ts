import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readElf } from '../../src/analysis/findings/elf.js';
import { findFindings } from '../../src/analysis/findings/find.js';
import { entryHints } from '../../src/analysis/findings/runtime.js';
import { analyze } from '../../src/analysis/merge.js';
import type { LayerOrigin } from '../../src/analysis/origin.js';
import type { ImageConfig } from '../../src/source/types.js';
import type { FileEntry, LayerContents } from '../../src/walk/types.js';

/**
 * The runtime set on hand-built layers (named as such): what the entrypoint runs, the libraries its
 * ELF binaries need, the packages that own them and their dependencies are never removable.
 */

type Spec = [path: string, size: number, content?: string | Buffer, mode?: number] | [path: string, '->', target: string];

function layer(index: number, specs: Spec[]): LayerContents {
  const entries: FileEntry[] = specs.map((s) => {
    if (s[1] === '->') return { path: s[0], kind: 'symlink', size: 0, mode: 0o777, uid: 0, gid: 0, mtime: 0, linkname: s[2] };
    const [path, size, content, mode] = s;
    const e: FileEntry = { path, kind: 'file', size, mode: mode ?? 0o644, uid: 0, gid: 0, mtime: 0 };
    if (content !== undefined) e.content = typeof content === 'string' ? Buffer.from(content) : content;
    return e;
  });
  return { index, entries, whiteouts: [], opaqueDirs: [], compression: 'none', verified: false };
}

/** A minimal ELF64 little-endian file: PT_INTERP, one PT_LOAD over everything, PT_DYNAMIC. */
function elf(needed: string[], opts: { runpath?: string; interp?: string; pad?: number } = {}): Buffer {
  const interp = opts.interp ?? '/lib64/ld-linux-x86-64.so.2';
  const strs = ['', ...needed, ...(opts.runpath ? [opts.runpath] : [])];
  const strtab = Buffer.from(strs.join('\0') + '\0', 'latin1');
  const offsetOf = (s: string) => strtab.indexOf(Buffer.from(`\0${s}\0`, 'latin1')) + 1;
  const phoff = 64;
  const phnum = 3;
  const interpOff = phoff + phnum * 56;
  const strOff = interpOff + interp.length + 1;
  const dynOff = (opts.pad ?? 0) + strOff + strtab.length + 8 - ((strOff + strtab.length) % 8);
  const dyn: Array<[number, number]> = [...needed.map((n): [number, number] => [1, offsetOf(n)]), [5, strOff], ...(opts.runpath ? [[29, offsetOf(opts.runpath)] as [number, number]] : []), [0, 0]];
  const size = dynOff + dyn.length * 16;
  const b = Buffer.alloc(size);
  b.write('\x7fELF', 0, 'latin1');
  b[4] = 2;
  b[5] = 1;
  b[6] = 1;
  b.writeUInt16LE(3, 16); // ET_DYN
  b.writeBigUInt64LE(BigInt(phoff), 32);
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(phnum, 56);
  const ph = (i: number, type: number, off: number, filesz: number) => {
    const p = phoff + i * 56;
    b.writeUInt32LE(type, p);
    b.writeBigUInt64LE(BigInt(off), p + 8);
    b.writeBigUInt64LE(BigInt(off), p + 16); // vaddr = offset
    b.writeBigUInt64LE(BigInt(filesz), p + 32);
  };
  ph(0, 3, interpOff, interp.length + 1);
  ph(1, 1, 0, size);
  ph(2, 2, dynOff, dyn.length * 16);
  b.write(interp, interpOff, 'latin1');
  strtab.copy(b, strOff);
  dyn.forEach(([t, v], i) => {
    b.writeBigUInt64LE(BigInt(t), dynOff + i * 16);
    b.writeBigUInt64LE(BigInt(v), dynOff + i * 16 + 8);
  });
  return b;
}

const stanza = (name: string, depends: string[] = []) => `Package: ${name}\nStatus: install ok installed\nVersion: 1\n${depends.length ? `Depends: ${depends.join(', ')}\n` : ''}`;
const list = (name: string, files: string[]): Spec => [`var/lib/dpkg/info/${name}.list`, 0, ['/.', ...files.map((f) => `/${f}`)].join('\n')];
function withSizes(specs: Spec[]): Spec[] {
  return specs.map((s) => (s[1] !== '->' && typeof s[2] !== 'undefined' && s[1] === 0 ? [s[0], Buffer.byteLength(s[2] as string), s[2], s[3]] : s) as Spec);
}

const JVM = 'usr/lib/jvm/java-17-openjdk-amd64';
/** A single-stage Java image: JDK + Maven installed in one RUN, the app jar run by `java -jar`. */
function javaImage(cmd: string[] | undefined) {
  const status = [
    stanza('libc6'),
    stanza('libnss3', ['libc6']),
    stanza('libssl3', ['libc6']),
    stanza('zlib1g', ['libc6']),
    stanza('openjdk-17-jre-headless', ['libc6', 'libnss3', 'zlib1g']),
    stanza('openjdk-17-jdk-headless', ['openjdk-17-jre-headless', 'libc6']),
    stanza('default-jre-headless', ['openjdk-17-jre-headless']),
    stanza('maven', ['default-jre-headless']),
    stanza('gcc-12', ['libc6', 'libisl23']),
    stanza('libisl23', ['libc6']),
  ].join('\n');
  const auto = ['libnss3', 'libssl3', 'zlib1g', 'openjdk-17-jre-headless', 'openjdk-17-jdk-headless', 'default-jre-headless', 'libisl23'].map((n) => `Package: ${n}\nAuto-Installed: 1\n`).join('\n');
  const base = layer(0, withSizes([
    ['usr/lib/x86_64-linux-gnu/libc.so.6', 2000],
    ['usr/lib64/ld-linux-x86-64.so.2', 200],
    ['lib', '->', 'usr/lib'],
    ['lib64', '->', 'usr/lib64'],
    ['var/lib/dpkg/status', 0, stanza('libc6')],
    list('libc6', ['lib/x86_64-linux-gnu/libc.so.6', 'lib64/ld-linux-x86-64.so.2']),
  ]));
  const java = elf(['libjli.so', 'libz.so.1', 'libc.so.6'], { runpath: '$ORIGIN/../lib' });
  const javac = elf(['libjli.so', 'libc.so.6'], { runpath: '$ORIGIN/../lib' });
  const install = layer(1, withSizes([
    ['var/lib/dpkg/status', 0, status],
    ['var/lib/apt/extended_states', 0, auto],
    [`${JVM}/bin/java`, java.length, java, 0o755],
    [`${JVM}/lib/libjli.so`, 3000],
    [`${JVM}/lib/server/libjvm.so`, 50000],
    [`${JVM}/lib/modules`, 90000],
    [`${JVM}/bin/javac`, javac.length, javac, 0o755],
    [`${JVM}/bin/jlink`, javac.length, javac, 0o755],
    [`${JVM}/jmods/java.base.jmod`, 40000],
    [`${JVM}/include/jni.h`, 3000],
    ['usr/lib/x86_64-linux-gnu/libnss3.so', 7000],
    ['usr/lib/x86_64-linux-gnu/libssl.so.3', 6000],
    ['usr/lib/x86_64-linux-gnu/libz.so.1.2.13', 1000],
    ['usr/lib/x86_64-linux-gnu/libz.so.1', '->', 'libz.so.1.2.13'],
    ['usr/share/maven/lib/maven-core.jar', 20000],
    ['usr/bin/gcc-12', 9000],
    ['usr/lib/x86_64-linux-gnu/libisl.so.23', 4000],
    ['etc/alternatives/java', '->', `/${JVM}/bin/java`],
    ['usr/bin/java', '->', '/etc/alternatives/java'],
    list('openjdk-17-jre-headless', [`${JVM}/bin/java`, `${JVM}/lib/libjli.so`, `${JVM}/lib/server/libjvm.so`, `${JVM}/lib/modules`]),
    list('openjdk-17-jdk-headless', [`${JVM}/bin/javac`, `${JVM}/bin/jlink`, `${JVM}/jmods/java.base.jmod`, `${JVM}/include/jni.h`]),
    list('libnss3', ['usr/lib/x86_64-linux-gnu/libnss3.so']),
    list('libssl3', ['usr/lib/x86_64-linux-gnu/libssl.so.3']),
    list('zlib1g', ['lib/x86_64-linux-gnu/libz.so.1.2.13', 'lib/x86_64-linux-gnu/libz.so.1']),
    list('maven', ['usr/share/maven/lib/maven-core.jar']),
    list('gcc-12', ['usr/bin/gcc-12']),
    list('libisl23', ['usr/lib/x86_64-linux-gnu/libisl.so.23']),
  ]));
  const app = layer(2, [['app/app.jar', 5000]]);
  const layers = [base, install, app];
  const config: ImageConfig = { config: { ...(cmd ? { Cmd: cmd } : {}), WorkingDir: '/app' } };
  const origins: LayerOrigin[] = [
    { index: 0, instruction: 'ADD rootfs.tar /', base: 'debian:12' },
    { index: 1, instruction: 'RUN apt-get install -y openjdk-17-jdk-headless maven gcc-12' },
    { index: 2, instruction: 'COPY app.jar /app/app.jar' },
  ];
  return { layers, config, origins };
}

describe('runtime set (synthetic layers)', () => {
  it('keeps the JRE, its libraries and the packages they depend on; only JDK-only parts and build tools go', () => {
    const { layers, config, origins } = javaImage(['java', '-jar', 'app.jar']);
    const r = findFindings({ analysis: analyze(layers), contents: layers, origins, config });
    assert.equal(r.runtime.resolved, true, r.runtime.note);
    assert.ok(r.runtime.files.includes(`${JVM}/bin/java`));
    assert.ok(r.runtime.files.includes(`${JVM}/lib/libjli.so`), 'RUNPATH $ORIGIN/../lib');
    assert.ok(r.runtime.files.includes('usr/lib/x86_64-linux-gnu/libz.so.1.2.13'), 'DT_NEEDED through a symlink');
    assert.ok(r.runtime.files.includes('app/app.jar'), 'java -jar, relative to WorkingDir');
    for (const p of ['openjdk-17-jre-headless', 'libnss3', 'zlib1g', 'libc6']) assert.ok(r.runtime.packages.includes(p), p);
    const tc = r.toolchainPackages.map((p) => p.name).sort();
    // default-jre-headless only pulls the JRE in for Maven: a metapackage, build-only with it
    assert.deepEqual(tc, ['default-jre-headless', 'gcc-12', 'libisl23', 'maven', 'openjdk-17-jdk-headless']);
    const claimed = r.findings.flatMap((f) => f.paths.map((p) => p.path)).join('\n');
    assert.doesNotMatch(claimed, /bin\/java$|libjli|libjvm|modules|libnss3|libssl|libz|app\.jar/m);
    const pkgFinding = r.findings.find((f) => f.rule === 'toolchain-packages')!;
    assert.equal(pkgFinding.bytes, 2 * layers[1].entries.find((e) => e.path === `${JVM}/bin/javac`)!.size + 40000 + 3000 + 9000 + 4000 + 20000);
    assert.equal(pkgFinding.evidence?.confidence, 'high');
    assert.match(pkgFinding.evidence!.facts.join('\n'), /openjdk-17-jdk-headless 1: a build tool, installed in layer 1 \(dpkg database\)/);
    assert.match(pkgFinding.evidence!.facts.join('\n'), /outside the runtime set of `java -jar app\.jar`/);
  });

  it('an unresolved entrypoint falls back to the rules at low confidence, and says so', () => {
    const { layers, config, origins } = javaImage(['/opt/missing/run']);
    const r = findFindings({ analysis: analyze(layers), contents: layers, origins, config });
    assert.equal(r.runtime.resolved, false);
    assert.match(r.runtime.note!, /not in the image/);
    const f = r.findings.find((x) => x.rule === 'toolchain-packages')!;
    assert.equal(f.evidence?.confidence, 'low');
    assert.match(f.evidence!.facts.join('\n'), /runtime set is unknown/);
  });

  it('follows a script `#!` to its interpreter and `sh -c` to the programs it runs', () => {
    const { layers, origins } = javaImage(undefined);
    layers[2].entries.push({ path: 'app/start.sh', kind: 'file', size: 40, mode: 0o755, uid: 0, gid: 0, mtime: 0, content: Buffer.from('#!/usr/bin/env java\nexec java -jar x\n') });
    const cfg: ImageConfig = { config: { Entrypoint: ['/bin/sh', '-c', 'cd /app && exec ./start.sh'], WorkingDir: '/app' } };
    layers[0].entries.push({ path: 'usr/bin/sh', kind: 'file', size: 10, mode: 0o755, uid: 0, gid: 0, mtime: 0 });
    const r = findFindings({ analysis: analyze(layers), contents: layers, origins, config: cfg });
    assert.ok(r.runtime.files.includes('app/start.sh'));
    assert.ok(r.runtime.files.includes(`${JVM}/bin/java`), r.runtime.evidence.join('\n'));
    assert.ok(r.runtime.packages.includes('openjdk-17-jre-headless'));
  });

  it('entry hints name the programs and files the command mentions', () => {
    assert.deepEqual(entryHints({ config: { Entrypoint: ['/bin/sh', '-c', 'exec java -jar /app/app.jar'] } }).names.sort(), ['app.jar', 'java', 'sh']);
    const n = entryHints({ config: { Cmd: ['python3', 'app.py'] } }).names;
    assert.deepEqual(n.sort(), ['app.py', 'python3']);
  });
});

/**
 * A C/Rust-style single-stage image: a compiler whose `-dev` dependencies pull in runtime libraries
 * (libc6-dev → libtirpc-dev → libtirpc3, as in Debian), and a native program run from the build dir.
 */
const SH = elf(['libc.so.6']);
function nativeImage(cmd: string[], needed = ['libc.so.6']) {
  const status = [
    stanza('libc6'),
    stanza('gcc-12', ['libc6', 'libc6-dev']),
    stanza('libc6-dev', ['libc6', 'libtirpc-dev']),
    stanza('libtirpc-dev', ['libtirpc3']),
    stanza('libtirpc3', ['libc6']),
  ].join('\n');
  const auto = ['libc6-dev', 'libtirpc-dev', 'libtirpc3'].map((n) => `Package: ${n}\nAuto-Installed: 1\n`).join('\n');
  const base = layer(0, withSizes([
    ['usr/lib/x86_64-linux-gnu/libc.so.6', 2000],
    ['usr/lib64/ld-linux-x86-64.so.2', 200],
    ['usr/bin/sh', SH.length, SH, 0o755],
    ['bin', '->', 'usr/bin'],
    ['lib', '->', 'usr/lib'],
    ['lib64', '->', 'usr/lib64'],
    ['var/lib/dpkg/status', 0, stanza('libc6')],
    list('libc6', ['lib/x86_64-linux-gnu/libc.so.6', 'lib64/ld-linux-x86-64.so.2']),
  ]));
  const install = layer(1, withSizes([
    ['var/lib/dpkg/status', 0, status],
    ['var/lib/apt/extended_states', 0, auto],
    ['usr/bin/gcc-12', 9000],
    ['usr/include/stdio.h', 800],
    ['usr/include/tirpc/rpc.h', 700],
    ['usr/lib/x86_64-linux-gnu/libtirpc.so.3', 5000],
    list('gcc-12', ['usr/bin/gcc-12']),
    list('libc6-dev', ['usr/include/stdio.h']),
    list('libtirpc-dev', ['usr/include/tirpc/rpc.h']),
    list('libtirpc3', ['usr/lib/x86_64-linux-gnu/libtirpc.so.3']),
  ]));
  const prog = elf(needed);
  const app = layer(2, [['src/hello', prog.length, prog, 0o755]]);
  const layers = [base, install, app];
  const config: ImageConfig = { config: { Cmd: cmd, WorkingDir: '/src' } };
  const origins: LayerOrigin[] = [
    { index: 0, instruction: 'ADD rootfs.tar /', base: 'debian:12' },
    { index: 1, instruction: 'RUN apt-get install -y gcc-12' },
    { index: 2, instruction: 'RUN gcc -o hello hello.c' },
  ];
  return { layers, config, origins };
}

describe('native program entrypoint (synthetic layers)', () => {
  const tc = (cmd: string[], needed?: string[], native = true) => {
    const { layers, config, origins } = nativeImage(cmd, needed);
    const r = findFindings({ analysis: analyze(layers), contents: layers, origins, config });
    assert.equal(r.runtime.resolved, true, r.runtime.note);
    const names = r.toolchainPackages.map((p) => p.name).sort();
    const facts = r.findings.find((f) => f.rule === 'toolchain-packages')!.evidence!.facts.join('\n');
    assert.equal(/one native program/.test(facts), native, facts);
    return names;
  };

  it('a native program whose libraries all resolve loads only those: a library only -dev packages need is build-only', () => {
    // apt's autoremove of gcc-12 takes libtirpc3 too; the program does not load it
    assert.deepEqual(tc(['/src/hello']), ['gcc-12', 'libc6-dev', 'libtirpc-dev', 'libtirpc3']);
    assert.deepEqual(tc(['./hello', '--port', '80']), ['gcc-12', 'libc6-dev', 'libtirpc-dev', 'libtirpc3']);
  });

  it('keeps that library when the program needs it', () => {
    assert.deepEqual(tc(['/src/hello'], ['libtirpc.so.3', 'libc.so.6']), ['gcc-12', 'libc6-dev', 'libtirpc-dev']);
  });

  it('keeps it when what runs is not known exactly: a shell, a launcher, a missing library', () => {
    const kept = ['gcc-12', 'libc6-dev', 'libtirpc-dev'];
    assert.deepEqual(tc(['/bin/sh', '-c', '/src/hello'], undefined, false), kept);
    assert.deepEqual(tc(['/usr/bin/sh', '/src/hello'], undefined, false), kept);
    assert.deepEqual(tc(['/src/hello', '/usr/bin/sh'], undefined, false), kept, 'a program given a file of the image may run it');
    assert.deepEqual(tc(['/src/hello'], ['libc.so.6', 'libmissing.so.1'], false), kept);
  });
});

describe('ELF dynamic section', () => {
  it('reads PT_INTERP, DT_NEEDED and DT_RUNPATH', () => {
    const e = readElf(elf(['libssl.so.3', 'libc.so.6'], { runpath: '$ORIGIN/../lib:/opt/x' }))!;
    assert.equal(e.exact, true);
    assert.equal(e.interp, '/lib64/ld-linux-x86-64.so.2');
    assert.deepEqual(e.needed, ['libssl.so.3', 'libc.so.6']);
    assert.deepEqual(e.runpath, ['$ORIGIN/../lib', '/opt/x']);
  });
  it('falls back to the library names in the prefix when the dynamic section lies beyond it', () => {
    const full = elf(['libssl.so.3', 'libgcc_s.so.1'], { pad: 100_000 });
    const e = readElf(full.subarray(0, 4096))!;
    assert.equal(e.exact, false);
    assert.deepEqual(e.needed.sort(), ['libgcc_s.so.1', 'libssl.so.3']);
  });
  it('is not fooled by non-ELF bytes', () => {
    assert.equal(readElf(Buffer.from('#!/bin/sh\necho hi\n'.padEnd(100))), undefined);
  });
});
