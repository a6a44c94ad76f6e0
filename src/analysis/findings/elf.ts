/**
 * The dynamic-linking facts of an ELF file, read from the first bytes the walk kept: its program
 * interpreter (PT_INTERP), the libraries it needs (DT_NEEDED) and where it looks for them
 * (DT_RUNPATH / DT_RPATH). When the dynamic section or its string table lies beyond the kept
 * prefix (big binaries keep .dynamic near their end), the library names are read from the
 * prefix's strings instead (`exact: false`): `.dynstr` sits near the start, and its `lib*.so*`
 * names are the needed libraries (or the file's own soname).
 */

export interface ElfInfo {
  interp?: string;
  needed: string[];
  runpath: string[];
  /** false when the names come from the prefix's strings, not the dynamic section. */
  exact: boolean;
}

export function isElf(b: Buffer): boolean {
  return b.length >= 52 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
}

export function readElf(b: Buffer): ElfInfo | undefined {
  if (!isElf(b)) return undefined;
  const is64 = b[4] === 2;
  const le = b[5] === 1;
  const u16 = (o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const uw = (o: number) => (is64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(o));
  const inside = (o: number, n: number) => o >= 0 && n >= 0 && o + n <= b.length;
  try {
    const phoff = uw(is64 ? 32 : 28);
    const phentsize = u16(is64 ? 54 : 42);
    const phnum = u16(is64 ? 56 : 44);
    if (phentsize < (is64 ? 56 : 32) || phnum > 256 || !inside(phoff, phentsize * phnum)) return fallback(b);
    const loads: Array<{ vaddr: number; off: number; filesz: number }> = [];
    let dyn: { off: number; size: number } | undefined;
    let interp: string | undefined;
    for (let i = 0; i < phnum; i++) {
      const p = phoff + i * phentsize;
      const type = u32(p);
      const off = uw(is64 ? p + 8 : p + 4);
      const vaddr = uw(is64 ? p + 16 : p + 8);
      const filesz = uw(is64 ? p + 32 : p + 16);
      if (type === 1) loads.push({ vaddr, off, filesz });
      else if (type === 2) dyn = { off, size: filesz };
      else if (type === 3 && inside(off, filesz)) interp = cstr(b, off);
    }
    if (!dyn) return { ...(interp ? { interp } : {}), needed: [], runpath: [], exact: true }; // static
    if (!inside(dyn.off, dyn.size)) return { ...fallback(b), ...(interp ? { interp } : {}) };
    const entsize = is64 ? 16 : 8;
    const needed: number[] = [];
    const runpath: number[] = [];
    let strtab: number | undefined;
    for (let o = dyn.off; o + entsize <= dyn.off + dyn.size; o += entsize) {
      const tag = uw(o);
      const val = uw(o + entsize / 2);
      if (tag === 0) break;
      if (tag === 1) needed.push(val);
      else if (tag === 5) strtab = val;
      else if (tag === 15 || tag === 29) runpath.push(val);
    }
    const seg = strtab === undefined ? undefined : loads.find((l) => strtab! >= l.vaddr && strtab! < l.vaddr + l.filesz);
    if (!seg) return { ...fallback(b), ...(interp ? { interp } : {}) };
    const base = seg.off + (strtab! - seg.vaddr);
    const str = (v: number) => (inside(base + v, 1) ? cstr(b, base + v) : undefined);
    const names = needed.map(str);
    if (names.some((n) => n === undefined)) return { ...fallback(b), ...(interp ? { interp } : {}) };
    return {
      ...(interp ? { interp } : {}),
      needed: names as string[],
      runpath: runpath.flatMap((v) => (str(v) ?? '').split(':').filter(Boolean)),
      exact: true,
    };
  } catch {
    return fallback(b);
  }
}

function cstr(b: Buffer, off: number): string {
  const end = b.indexOf(0, off);
  return b.toString('latin1', off, end < 0 ? b.length : end);
}

const LIB_NAME = /^(?:lib[\w+.-]*\.so(?:\.\d+)*|ld-linux[\w.-]*\.so\.\d+)$/;

function fallback(b: Buffer): ElfInfo {
  const needed = new Set<string>();
  const runpath: string[] = [];
  let start = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] !== 0) continue;
    if (i - start >= 6 && i - start < 256) {
      const s = b.toString('latin1', start, i);
      if (LIB_NAME.test(s)) needed.add(s);
      else if (s.startsWith('$ORIGIN')) runpath.push(...s.split(':'));
    }
    start = i + 1;
  }
  return { needed: [...needed], runpath, exact: false };
}
