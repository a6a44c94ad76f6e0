import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHeader, parsePax } from '../../src/tar/header.js';
import { normalisePath } from '../../src/walk/entry.js';
import { tarBuffer } from '../helpers/handmade.js';

test('normalisePath cleans names and rejects escapes', () => {
  assert.equal(normalisePath('./usr/bin/'), 'usr/bin');
  assert.equal(normalisePath('usr//lib/./x'), 'usr/lib/x');
  assert.equal(normalisePath('usr/lib/x.so'), 'usr/lib/x.so');
  assert.equal(normalisePath('./'), '');
  assert.equal(normalisePath('.hidden/file'), '.hidden/file');
  assert.throws(() => normalisePath('/etc/passwd'), /absolute/);
  assert.throws(() => normalisePath('a/../../b'), /\.\./);
});

test('ustar headers, long names through pax, and the checksum', async () => {
  const long = `${'d'.repeat(120)}/${'f'.repeat(120)}`;
  const buf = await tarBuffer([{ name: 'short.txt', data: 'hello' }, { name: long, data: 'x' }]);
  const h = parseHeader(buf, 0)!;
  assert.equal(h.name, 'short.txt');
  assert.equal(h.size, 5);
  assert.equal(h.type, 'file');
  const corrupt = Buffer.from(buf);
  corrupt[10] ^= 1;
  assert.throws(() => parseHeader(corrupt, 0), /checksum/);
  assert.equal(parseHeader(Buffer.alloc(512), 0), null);
  assert.deepEqual(parsePax(Buffer.from('20 path=a/very/long\n12 uid=1000\n')), { path: 'a/very/long', uid: '1000' });
});

test('GNU base-256 sizes (files over 8 GiB)', () => {
  const b = Buffer.alloc(512);
  b.write('big.bin', 0);
  b.write('0000644\0', 100);
  b[124] = 0x80;
  b.writeUIntBE(9 * 2 ** 30, 130, 6); // 9 GiB in the low bytes of the 12-byte field
  b.write('0', 156);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  assert.equal(parseHeader(b, 0)!.size, 9 * 2 ** 30);
});
