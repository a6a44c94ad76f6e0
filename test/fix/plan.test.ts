/**
 * msb fix's planner and diff on the committed demo image (built by buildah from
 * examples/demo-app/Dockerfile): which rewrites the evidence supports, which stay suggestions, and
 * a diff that git apply and patch take.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, runMsb } from '../helpers/cli.js';

const DEMO = 'examples/demo-app.tar';
const DF = 'examples/demo-app/Dockerfile';

test('the demo: three evidence-backed rewrites, the apk cache left as a suggestion, a diff git apply takes', async () => {
  const r = await runMsb(['fix', DEMO, '--dockerfile', DF]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^# msb fix: 3 changes, predicted saving 3\.38 MB$/m);
  assert.match(r.stdout, /^\+COPY --from=builder --chmod=755 \/build\/bin\/demo-app \/app\/bin\/demo-app$/m);
  assert.match(r.stdout, /^-RUN rm \/tmp\/assets\.tar\.gz$/m);
  assert.match(r.stdout, /^-RUN chmod 755 \/app\/bin\/demo-app$/m);
  assert.match(r.stdout, /^\+ && rm \/tmp\/assets\.tar\.gz$/m);
  assert.match(r.stdout, /^@@ -\d+,\d+ \+\d+,\d+ @@ waste-deleted: saves 2\.1 MB$/m);
  // No `apk add` in the RUN that left the apk cache: msb cannot show a rewrite safe, so it only suggests.
  assert.match(r.stdout, /^# not applied: .*\n#\s+150 kB\s+line 43: cache-apk/m);
  const dir = mkdtempSync(path.join(tmpdir(), 'msb-fixdiff-'));
  try {
    mkdirSync(path.join(dir, 'examples'));
    cpSync(path.join(ROOT, 'examples/demo-app'), path.join(dir, 'examples/demo-app'), { recursive: true });
    writeFileSync(path.join(dir, 'fix.diff'), r.stdout);
    execFileSync('git', ['init', '-q'], { cwd: dir });
    execFileSync('git', ['apply', 'fix.diff'], { cwd: dir });
    const applied = readFileSync(path.join(dir, DF), 'utf8');
    const viaApply = await runMsb(['fix', DEMO, '--dockerfile', path.join(dir, DF), '--format', 'json']);
    assert.equal(viaApply.code, 2, 'the patched Dockerfile no longer matches the old image');
    const json = await runMsb(['fix', DEMO, '--dockerfile', DF, '--format', 'json']);
    const plan = JSON.parse(json.stdout);
    assert.equal(plan.predictedSavingsBytes, 2_097_152 + 800_000 + 487_109, 'the deleted download, the chmod re-ship, the copied sources');
    assert.ok(applied.includes('&& rm /tmp/assets.tar.gz') && !applied.includes('RUN rm /tmp/assets.tar.gz'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--harden adds a non-root USER before the final CMD (opt-in: it saves no bytes and can break an app)', async () => {
  const plain = await runMsb(['fix', DEMO, '--dockerfile', DF]);
  assert.doesNotMatch(plain.stdout, /USER/);
  const r = await runMsb(['fix', DEMO, '--dockerfile', DF, '--harden']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\+USER 65534:65534\n CMD \["\/app\/bin\/demo-app"\]$/m);
  assert.match(r.stdout, /^# msb fix: 4 changes, predicted saving 3\.38 MB$/m);
});

test('a Dockerfile that does not match the image is refused with the instruction that did not match', async () => {
  const r = await runMsb(['fix', DEMO, '--dockerfile', 'test/fixtures/findings/single.Dockerfile']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^msb: test\/fixtures\/findings\/single\.Dockerfile:\d+: ".*" does not match the image/);
  assert.equal(r.stdout, '');
  const bad = await runMsb(['fix', DEMO, '--dockerfile', DF, '--format', 'yaml']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /invalid --format "yaml": expected diff or json/);
});
