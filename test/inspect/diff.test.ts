import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, runMsb } from '../helpers/cli.js';
import type { JsonDiffReport } from '../../src/report/diff.js';
import { analyze } from '../../src/analysis/merge.js';
import { diffDigestCandidates, diffImages } from '../../src/analysis/diff.js';
import type { FileEntry, LayerContents } from '../../src/walk/types.js';

async function diff(a: string, b: string): Promise<JsonDiffReport> {
  const r = await runMsb(['diff', a, b, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as JsonDiffReport;
}

test('msb diff on real images: shared base, added and removed files', async () => {
  const r = await diff(fixture('delete.tar'), fixture('multistage.tar'));
  assert.equal(r.summary.sharedLayers, 1, 'the busybox base layer');
  assert.equal(r.summary.deltaBytes, 2_282_296 - 2_247_296);
  assert.deepEqual(
    r.changes.map((c) => [c.path, c.change, c.afterBytes - c.beforeBytes]),
    [
      ['/usr/local/bin/app', 'added', 300_000],
      ['/data/keep.bin', 'removed', -5_000],
    ],
  );
  assert.equal(r.summary.addedBytes, 300_000);
  assert.equal(r.directories[0].path, '/usr/local');
});

test('msb diff of one image in two formats finds nothing', async () => {
  const r = await diff(fixture('delete.tar'), fixture('delete-zstd'));
  assert.equal(r.summary.sharedLayers, 4);
  assert.equal(r.changes.length, 0);
  const t = await runMsb(['diff', fixture('delete.docker-save.tar'), fixture('delete.oci.tar')]);
  assert.equal(t.code, 0);
  assert.match(t.stdout, /The final filesystems are identical/);
});

test('msb diff text names both images and the largest change', async () => {
  const t = await runMsb(['diff', fixture('overwrite.tar'), fixture('chmod.tar')]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /overwrite\.tar → .*chmod\.tar/);
  assert.match(t.stdout, /\+\s+\+1 MB\s+added\s+\/opt\/big\.bin/);
});

test('msb diff with a bad image fails with one line', async () => {
  const t = await runMsb(['diff', fixture('delete.tar'), fixture('nope.tar')]);
  assert.equal(t.code, 2);
  assert.match(t.stderr, /^msb: .*nope\.tar: no such file/);
});

// Same-size files from different layers: content digests decide (pure inputs, to pin the rule).
test('same size, different layers: content digest decides between changed and unchanged', async () => {
  const f = (path: string, size: number, digest: string | undefined, mode = 0o644): FileEntry => ({ path, kind: 'file', size, mode, uid: 0, gid: 0, mtime: 0, digest });
  const L = (entries: FileEntry[]): LayerContents[] => [{ index: 0, entries, whiteouts: [], opaqueDirs: [], compression: 'none', verified: false }];
  const a = { analysis: analyze(L([f('same', 10, 'x'), f('edited', 10, 'y'), f('chmod', 10, 'z'), f('unknown', 10, undefined)])), diffIds: ['sha256:a'] };
  const b = { analysis: analyze(L([f('same', 10, 'x'), f('edited', 10, 'w'), f('chmod', 10, 'z', 0o600), f('unknown', 10, 'q')])), diffIds: ['sha256:b'] };
  const [xs, ys] = diffDigestCandidates(a, b);
  assert.deepEqual(xs.map(([e]) => e.path), ['unknown']);
  assert.deepEqual(ys.length, 0);
  const d = diffImages(a, b);
  const got = Object.fromEntries(d.items.map((i) => [i.path.slice(1), [i.change, i.contentChanged]]));
  assert.deepEqual(got, { edited: ['changed', true], chmod: ['changed', false], unknown: ['changed', true] });
});
