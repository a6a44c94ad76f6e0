import { nodeZlib } from '../lazy-node.js';

/**
 * A jar's manifest, read from the first bytes of the jar the walk kept (the entrypoint's files keep
 * 64 KiB). `jar`, Maven and Gradle write META-INF/MANIFEST.MF as the first or second entry, so it
 * lies in that prefix; a jar that puts it later reads as not found, never guessed. Pure.
 *
 * What it answers: whether `java -jar` on this jar loads classes from outside it. The JVM's class
 * path under `-jar` is the jar and the manifest's `Class-Path` entries only (CLASSPATH and -cp are
 * ignored), so a jar with no Class-Path carries all its own classes (a fat, shaded or Spring Boot jar).
 */
export interface JarManifest {
  /** `Main-Class`, when set. */
  mainClass?: string;
  /** `Class-Path`'s entries (URLs relative to the jar's directory); empty when there are none. */
  classPath: string[];
  /** `Launcher-Agent-Class`: an agent started from the jar itself (its own classes). */
  agent?: string;
}

const DESCRIPTOR = 0x08074b50;
const NAME = 'META-INF/MANIFEST.MF';
/** A manifest bigger than this is not one a launcher reads (they are a few hundred bytes). */
const MAX_MANIFEST = 1024 * 1024;

/** The manifest in `prefix` (a zip's first bytes), or undefined when it is not there or not readable. */
export function readJarManifest(prefix: Buffer): JarManifest | undefined {
  // Not only at offset 0: a "fully executable" jar (Spring Boot's) starts with a launch script.
  if (prefix.length < 30) return undefined;
  // Entries written with a data descriptor (flag bit 3: `jar` and most archivers) carry no size in
  // their header, so the entries cannot be stepped over: look for the manifest's own local header.
  const sig = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
  for (let at = prefix.indexOf(sig); at >= 0 && at + 30 <= prefix.length; at = prefix.indexOf(sig, at + 4)) {
    const nameLen = prefix.readUInt16LE(at + 26);
    const extraLen = prefix.readUInt16LE(at + 28);
    if (at + 30 + nameLen > prefix.length) return undefined;
    if (prefix.toString('latin1', at + 30, at + 30 + nameLen).toUpperCase() !== NAME) continue;
    const flags = prefix.readUInt16LE(at + 6);
    const method = prefix.readUInt16LE(at + 8);
    const csize = prefix.readUInt32LE(at + 18);
    const start = at + 30 + nameLen + extraLen;
    if (flags & 1) return undefined; // encrypted
    const known = !(flags & 8) || csize > 0;
    const end = known ? start + csize : prefix.length;
    if (end > prefix.length) return undefined;
    const data = prefix.subarray(start, end);
    let bytes: Buffer;
    let used: number;
    try {
      if (method === 0) {
        if (!known) return undefined;
        bytes = data;
        used = data.length;
      } else if (method === 8) {
        // A deflate stream ends itself; inflate stops there and says how much of the input it read.
        const out = nodeZlib().inflateRawSync(data, { maxOutputLength: MAX_MANIFEST, info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
        bytes = out.buffer;
        used = out.engine.bytesWritten;
      } else return undefined;
    } catch {
      return undefined;
    }
    // Raw deflate has no checksum of its own: a damaged stream can inflate to plausible text, and
    // "no Class-Path" read from garbage would be a wrong "safe". The zip's CRC-32 decides: in the
    // header, or in the data descriptor after the data (with or without its signature).
    let crc = prefix.readUInt32LE(at + 14);
    if (flags & 8) {
      const d = start + used;
      if (d + 8 > prefix.length) return undefined;
      crc = prefix.readUInt32LE(d) === DESCRIPTOR ? prefix.readUInt32LE(d + 4) : prefix.readUInt32LE(d);
    }
    if (nodeZlib().crc32(bytes) !== crc) return undefined;
    const text = bytes.toString('utf8');
    return parseManifest(text);
  }
  return undefined;
}

/** The main section of a manifest: `Name: value` lines, a line starting with one space continuing the last. */
export function parseManifest(text: string): JarManifest {
  const attrs = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') break; // the main section ends at the first blank line
    if (line.startsWith(' ') && last) {
      attrs.set(last, attrs.get(last)! + line.slice(1));
      continue;
    }
    const i = line.indexOf(':');
    if (i <= 0) continue;
    last = line.slice(0, i).trim().toLowerCase();
    attrs.set(last, line.slice(i + 1).trim());
  }
  const classPath = (attrs.get('class-path') ?? '').split(/\s+/).filter(Boolean);
  const mainClass = attrs.get('main-class');
  const agent = attrs.get('launcher-agent-class');
  return { classPath, ...(mainClass ? { mainClass } : {}), ...(agent ? { agent } : {}) };
}
