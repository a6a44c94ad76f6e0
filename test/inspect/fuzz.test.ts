/**
 * A time-boxed, seeded fuzz test over HAND-BUILT archives: byte flips (mostly in tar headers),
 * truncations and spliced blocks of a small docker-archive with a plain and a gzip layer, and JSON
 * documents with fields of the wrong type. Every input must end in exit 0, or exit 2 with one
 * `msb:` line, within its time bound; never an internal error, a stack trace or a hang. The seed
 * is printed so a failure can be replayed (MSB_FUZZ_SEED, MSB_FUZZ_CASES).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { dockerArchive, tarBuffer } from '../helpers/handmade.js';
import { runMsb } from '../helpers/cli.js';

const SEED = Number(process.env.MSB_FUZZ_SEED ?? 20261202);
const CASES = Number(process.env.MSB_FUZZ_CASES ?? 600);
const CASE_MS = 15_000;

/** mulberry32: small, seeded, good enough to spread mutations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let dir: string;
let base: Buffer;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'msb-fuzz-'));
  const plain = await tarBuffer([{ name: 'etc/', type: 'directory' }, { name: 'etc/app.conf', data: 'x'.repeat(3000) }, { name: 'bin/tool', data: Buffer.alloc(5000, 7) }, { name: 'bin/link', type: 'symlink', linkname: 'tool' }]);
  const second = gzipSync(await tarBuffer([{ name: 'etc/app.conf', data: 'y'.repeat(3000) }, { name: 'etc/.wh.gone', data: '' }, { name: 'var/cache/apk/APKINDEX.tar.gz', data: Buffer.alloc(2000, 1) }]));
  const f = await dockerArchive(path.join(dir, 'base.tar'), [plain, second]);
  base = (await import('node:fs')).readFileSync(f);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** One mutation of the base archive. */
function mutate(r: () => number): Buffer {
  const b = Buffer.from(base);
  const kind = r();
  if (kind < 0.55) {
    // Flip bytes, mostly inside 512-byte header blocks (their first 160 bytes: name, mode, size...).
    const n = 1 + Math.floor(r() * 6);
    for (let i = 0; i < n; i++) {
      const block = Math.floor(r() * (b.length / 512));
      const at = r() < 0.8 ? block * 512 + Math.floor(r() * 160) : Math.floor(r() * b.length);
      b[Math.min(at, b.length - 1)] = Math.floor(r() * 256);
    }
    return b;
  }
  if (kind < 0.75) return b.subarray(0, Math.floor(r() * b.length));
  if (kind < 0.9) {
    // Splice a block from elsewhere over another.
    const from = Math.floor(r() * (b.length / 512)) * 512;
    const to = Math.floor(r() * (b.length / 512)) * 512;
    b.copy(b, to, from, Math.min(from + 512, b.length));
    return b;
  }
  // Digits in a header field turned into something else entirely (size, mode, checksum).
  const block = Math.floor(r() * (b.length / 512)) * 512;
  const field = [100, 108, 116, 124, 136, 148][Math.floor(r() * 6)];
  b.write(['zz', '-1', '\u00ff\u00ff', '99999999999', '  ', '7777777777777'][Math.floor(r() * 6)], Math.min(block + field, b.length - 2), 'latin1');
  return b;
}

async function bounded<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${CASE_MS} ms`)), CASE_MS);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

test(`fuzz: ${CASES} mutated archives (seed ${SEED}) end in exit 0 or one msb: line`, { timeout: 600_000 }, async (t) => {
  const r = rng(SEED);
  const start = Date.now();
  const codes: Record<string, number> = {};
  for (let i = 0; i < CASES && Date.now() - start < 240_000; i++) {
    const f = path.join(dir, `case-${i}.tar`);
    writeFileSync(f, mutate(r));
    for (const flags of r() < 0.3 ? [['--json', '--verify']] : [['--json']]) {
      const res = await bounded(runMsb(['inspect', f, ...flags]), `case ${i} (seed ${SEED})`);
      codes[String(res.code)] = (codes[String(res.code)] ?? 0) + 1;
      const where = `case ${i} (seed ${SEED}) ${flags.join(' ')}: exit ${res.code}: ${res.stderr.slice(0, 300)}`;
      assert.ok(res.code === 0 || res.code === 2, where);
      assert.doesNotMatch(res.stderr, /internal error|\n\s+at /, where);
      if (res.code === 2) {
        assert.equal(res.stdout, '', `no partial report: ${where}`);
        assert.equal(res.stderr.trimEnd().split('\n').length, 1, where);
        assert.match(res.stderr, /^msb: /, where);
      } else {
        const rep = JSON.parse(res.stdout);
        assert.equal(rep.summary.totalBytes - rep.summary.finalBytes, rep.waste.reduce((s: number, w: { bytes: number }) => s + w.bytes, 0), `exact waste still adds up: ${where}`);
      }
    }
  }
  t.diagnostic(`exit codes: ${JSON.stringify(codes)} in ${Date.now() - start} ms`);
});

test('fuzz: config, manifest and history fields of the wrong type are refused with one line (HAND-BUILT)', async () => {
  const layer = await tarBuffer([{ name: 'a', data: 'x' }]);
  const values = [42, null, true, [], {}, 'x', -1, 1e300];
  const r = rng(SEED + 1);
  for (let i = 0; i < 24; i++) {
    const v = values[Math.floor(r() * values.length)];
    const config = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: ['sha256:' + '0'.repeat(64)] }, history: [{ created_by: 'x' }] } as Record<string, unknown>;
    const pick = Math.floor(r() * 5);
    if (pick === 0) (config.history as Array<Record<string, unknown>>)[0].created_by = v;
    else if (pick === 1) config.rootfs = v;
    else if (pick === 2) config.history = v;
    else if (pick === 3) (config.rootfs as Record<string, unknown>).diff_ids = v;
    else config.config = { Entrypoint: v, Env: v, User: v };
    const f = await dockerArchive(path.join(dir, `cfg-${i}.tar`), [layer], { config: JSON.stringify(config) });
    const res = await bounded(runMsb(['inspect', f, '--json']), `config case ${i}`);
    assert.ok(res.code === 0 || res.code === 2, `${i}: ${res.stderr}`);
    assert.doesNotMatch(res.stderr, /internal error|\n\s+at /, `${i}: ${res.stderr}`);
    if (res.code === 2) assert.equal(res.stderr.trimEnd().split('\n').length, 1, res.stderr);
  }
});
