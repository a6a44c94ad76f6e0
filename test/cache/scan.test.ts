/**
 * msb scan: many images in one run, each unique layer walked once, per-image rows that agree with
 * msb inspect, shared layers and the fleet's top causes, and the gate applied per image.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { ScanReport } from '../../src/cli/scan.js';
import { runMsb } from '../helpers/cli.js';
import { dockerArchive, sha256, simpleLayer } from '../helpers/handmade.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'msb-scan-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Three images on the same two gzip'd base layers, each with its own top layer. */
async function fleet(): Promise<string[]> {
  const base = [
    await simpleLayer({ 'etc/os-release': 'NAME=test\n', 'usr/lib/libbase.so': 'b'.repeat(50_000) }),
    await simpleLayer({ 'usr/lib/libx.so': 'x'.repeat(20_000), 'root/.cache/pip/wheel': 'w'.repeat(30_000) }),
  ];
  const out: string[] = [];
  for (const n of [1, 2, 3]) {
    const top = await simpleLayer({ 'app/main.js': `v${n}`.repeat(100 * n), 'usr/lib/libx.so': 'z'.repeat(20_000) });
    const layers = [...base, top];
    out.push(await dockerArchive(path.join(tmp, `app-v${n}.tar`), layers.map((l) => gzipSync(l)), { diffIds: layers.map(sha256) }));
  }
  return out;
}

test('msb scan: each shared layer walked once, rows as msb inspect reports them, gate per image', async () => {
  const images = await fleet();
  const env = { XDG_CACHE_HOME: path.join(tmp, 'cache') };
  const r = await runMsb(['scan', ...images, '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as ScanReport;
  assert.equal(rep.images.length, 3);
  assert.equal(rep.layerCache.walked, 5, 'two base layers once, three top layers');
  assert.equal(rep.sharedLayers.length, 2);
  assert.ok(rep.sharedLayers.every((l) => l.images === 3));
  for (const [i, row] of rep.images.entries()) {
    const one = JSON.parse((await runMsb(['inspect', images[i], '--json'], { env })).stdout) as { summary: { totalBytes: number; wastedBytes: number; potentialSavingsBytes: number } };
    assert.equal(row.sizeBytes, one.summary.totalBytes);
    assert.equal(row.wastedBytes, one.summary.wastedBytes);
    assert.equal(row.potentialSavingsBytes, one.summary.potentialSavingsBytes);
  }
  assert.ok(rep.topCauses.length > 0);
  // A second scan reads every layer from the cache.
  const again = JSON.parse((await runMsb(['scan', ...images, '--json'], { env })).stdout) as ScanReport;
  assert.equal(again.layerCache.walked, 0);
  assert.deepEqual(again.images, rep.images);
  // The gate, per image: only the biggest fails.
  const limit = String(Math.max(...rep.images.map((i) => i.sizeBytes!)) - 1);
  const gated = await runMsb(['scan', ...images, '--max-size', limit, '--json'], { env });
  assert.equal(gated.code, 1);
  const g = JSON.parse(gated.stdout) as ScanReport;
  assert.deepEqual(g.images.map((i) => i.gate?.pass), [true, true, false]);
  assert.equal(g.totals.failed, 1);
});

test('msb scan --from-file, the text table, and an unreadable image', async () => {
  const images = await fleet();
  const list = path.join(tmp, 'list.txt');
  writeFileSync(list, `# the fleet\n${images[0]}\n\n${images[1]}  # v2\n${path.join(tmp, 'missing.tar')}\n`);
  const r = await runMsb(['scan', '--from-file', list, '--no-cache'], { env: { XDG_CACHE_HOME: path.join(tmp, 'none') } });
  assert.equal(r.code, 2, 'an image could not be read');
  assert.match(r.stdout, /^msb scan · 3 image\(s\)/);
  assert.match(r.stdout, /Shared layers/);
  assert.match(r.stdout, /Top causes across the fleet/);
  assert.match(r.stdout, /missing\.tar +error: /);
  assert.match(r.stderr, /missing\.tar/);
  assert.equal((await runMsb(['scan'])).code, 2);
});
