/**
 * The one place stored bytes are recognised, by magic bytes, never by media type or file name (both
 * lie): layer blobs in the walker, outer archives (a gzipped `docker save`), and the blobs of a
 * daemon's save stream (layer or JSON document?).
 */

export type Compression = 'none' | 'gzip' | 'zstd';

/** Compressions msb recognises but cannot decode. */
export type UnsupportedCompression = 'bzip2' | 'xz';

/** First bytes of a tar: the header checksum at offset 148 must match the header's bytes. */
export function looksLikeTar(head: Buffer): boolean {
  if (head.length < 512) return false;
  const stored = parseInt(head.toString('latin1', 148, 156).replace(/[\0 ]+$/, '').trim(), 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : head[i];
  return stored === sum;
}

/**
 * What a blob's first bytes (up to 512 are looked at) say it is: gzip or zstd (or bzip2/xz) by
 * magic; 'none' for an uncompressed tar (a valid header, or the zero blocks of an empty tar);
 * undefined for anything else (a JSON document, garbage, too few bytes to tell).
 */
export function sniffCompression(head: Buffer): Compression | UnsupportedCompression | undefined {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  if (head.length >= 6 && head.toString('latin1', 1, 6) === '7zXZ\0') return 'xz';
  const block = head.subarray(0, 512);
  if (looksLikeTar(block) || (block.length > 0 && block.every((b) => b === 0))) return 'none';
  return undefined;
}
