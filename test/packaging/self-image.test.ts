import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ROOT, runMsb } from '../helpers/cli.js';

/**
 * msb's own image (packaging/Dockerfile, built by packaging/build.sh with buildah) passes msb's own
 * default gate, with no toolchain, cache or source findings. The build takes minutes (npm ci and
 * vfs copies), so it is done once and cached in the temp dir, keyed by the hash of what decides
 * the image's contents besides msb's sources: packaging/ and package*.json.
 */

const run = promisify(execFile);

function cacheKey(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(join(ROOT, 'packaging')).sort()) h.update(`${f}\n`).update(readFileSync(join(ROOT, 'packaging', f)));
  for (const f of ['package.json', 'package-lock.json', 'scripts/build.mjs']) h.update(`${f}\n`).update(readFileSync(join(ROOT, f)));
  return h.digest('hex').slice(0, 16);
}

async function selfImage(): Promise<string> {
  const base = process.env.MSB_FIXTURE_CACHE ?? join(tmpdir(), 'msb-self-image');
  mkdirSync(base, { recursive: true });
  const out = join(base, `msb-${cacheKey()}.tar`);
  const lock = `${out}.lock`;
  while (!existsSync(out)) {
    try {
      mkdirSync(lock);
    } catch {
      if (Date.now() - statSync(lock).mtimeMs > 30 * 60_000) rmSync(lock, { recursive: true, force: true });
      await sleep(2000);
      continue;
    }
    try {
      const tmp = `${out}.tmp-${process.pid}.tar`;
      await run('bash', [join(ROOT, 'packaging/build.sh'), tmp, 'localhost/msb:test'], { maxBuffer: 64 << 20 }).catch((e) => {
        throw new Error(`packaging/build.sh failed: ${String(e.stderr ?? e).trim().split('\n').slice(-6).join(' | ')}`);
      });
      renameSync(tmp, out);
      for (const old of readdirSync(base)) {
        const p = join(base, old);
        if (p !== out && /^msb-[0-9a-f]{16}\.tar$/.test(old)) rmSync(p, { force: true });
      }
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return out;
}

test("msb's own image passes msb's default gate with no toolchain, cache or source findings", { timeout: 30 * 60_000 }, async () => {
  const image = await selfImage();
  // The default gate (dive's defaults, as `msb inspect --ci` applies them with nothing configured).
  const gate = await runMsb(['inspect', image, '--ci']);
  assert.equal(gate.code, 0, gate.stdout + gate.stderr);
  assert.match(gate.stdout, /^ {2}PASS: highestUserWastedPercent$/m);
  assert.match(gate.stdout, /^ {2}PASS: lowestEfficiency$/m);
  assert.match(gate.stdout, /^Result:PASS \[Total:3\] \[Passed:2\] \[Failed:0\] \[Warn:0\] \[Skipped:1\]$/m);
  const clean = await runMsb(['inspect', image, '--ci', '--fail-on', 'toolchain,cache,source,secret', '--dockerfile', 'packaging/Dockerfile']);
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  assert.match(clean.stdout, /^ {2}PASS: failOn$/m);

  const r = await runMsb(['inspect', image, '--json', '--dockerfile', 'packaging/Dockerfile']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const bad = report.findings.filter((f: { category: string }) => ['toolchain', 'cache', 'source', 'secret'].includes(f.category));
  assert.deepEqual(bad, []);
  // Only the runtime: node, msb's bundled JavaScript and the one package it loads from node_modules
  // (dockerode, for the Docker daemon); no npm, no TypeScript, nothing the bundle already holds.
  const files = (await runMsb(['inspect', image, '--json', '--files'])).stdout;
  const paths = new Set((JSON.parse(files).files as Array<{ path: string }>).map((f) => f.path));
  assert.ok(paths.has('/usr/bin/node'));
  assert.ok(paths.has('/opt/msb/dist/msb.js'), 'the CLI bundle bin/msb.js runs');
  assert.ok(paths.has('/opt/msb/node_modules/dockerode'));
  for (const bundled of ['commander', 'ink', 'react', 'yaml']) assert.ok(!paths.has(`/opt/msb/node_modules/${bundled}`), bundled);
  assert.ok(!paths.has('/usr/lib/node_modules/npm'));
  assert.ok(!paths.has('/opt/msb/node_modules/typescript'));
  assert.ok(!paths.has('/opt/msb/src'));
  assert.ok(report.summary.totalBytes < 160e6, `${report.summary.totalBytes} bytes`);
});
