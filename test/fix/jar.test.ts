/**
 * The jar manifest reader, on jars written by the JDK's `jar` tool (test/fixtures/jars/make.sh) and
 * on cut or damaged copies of them (hand-made: what a truncated capture or a foreign zip gives).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifest, readJarManifest } from '../../src/fix/jar.js';

const JARS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/jars');
const jar = (name: string) => readFileSync(path.join(JARS, name));

test('a jar with Main-Class only: no Class-Path, so java -jar loads nothing outside it', () => {
  assert.deepEqual(readJarManifest(jar('fat.jar')), { mainClass: 'app.Main', classPath: [] });
  assert.deepEqual(readJarManifest(jar('stored.jar')), { mainClass: 'app.Main', classPath: [] });
});

test("a thin jar's Class-Path, joined across the manifest's 72-byte continuation lines", () => {
  assert.deepEqual(readJarManifest(jar('thin.jar')), {
    mainClass: 'app.Main',
    classPath: ['lib/commons-lang3-3.12.0.jar', 'lib/jackson-databind-2.15.2.jar', 'lib/jackson-core-2.15.2.jar'],
  });
});

test('a prefix that ends inside the manifest, a non-zip and a damaged deflate stream read as unknown, never as "no Class-Path"', () => {
  const thin = jar('thin.jar');
  const at = thin.indexOf('META-INF/MANIFEST.MF');
  assert.equal(readJarManifest(thin.subarray(0, at + 40)), undefined);
  assert.equal(readJarManifest(Buffer.from('#!/bin/sh\necho hi\n')), undefined);
  const broken = Buffer.from(thin);
  broken.fill(0xff, at + 20, at + 60);
  assert.equal(readJarManifest(broken), undefined);
});

test('only the main section counts: a per-entry Class-Path after the blank line is not the launcher\'s', () => {
  const m = parseManifest('Manifest-Version: 1.0\r\nMain-Class: a.B\r\nLauncher-Agent-Class: a.Agent\r\n\r\nName: x/\r\nClass-Path: other.jar\r\n');
  assert.deepEqual(m, { mainClass: 'a.B', classPath: [], agent: 'a.Agent' });
});

test("a manifest whose bytes do not match the zip's CRC-32 reads as unknown", () => {
  for (const name of ['fat.jar', 'stored.jar']) {
    const b = Buffer.from(jar(name));
    const at = b.indexOf('META-INF/MANIFEST.MF');
    // one byte of the data changed: for the stored jar, a letter of "Main-Class"; deflated, a bit flip
    const i = name === 'stored.jar' ? b.indexOf('Main-Class') + 1 : at + 20 + 4;
    b[i] ^= 0x01;
    assert.equal(readJarManifest(b), undefined, name);
  }
});

test('a "fully executable" jar (a launch script before the zip, as Spring Boot writes it) still reads', () => {
  const script = Buffer.from('#!/bin/bash\n# launch script\nexec java -jar "$0" "$@"\n');
  assert.deepEqual(readJarManifest(Buffer.concat([script, jar('thin.jar')]))?.classPath.length, 3);
});
