import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sourceOptions } from '../../src/cli/source-flags.js';
import { Progress } from '../../src/cli/progress.js';
import { processIo } from '../../src/cli/io.js';
import type { DownloadProgress } from '../../src/source/registry/image.js';

test('download progress goes to whoever took it (the TUI), and back when released', async () => {
  const progress = new Progress();
  const opts = await sourceOptions({ cache: false }, processIo(), progress);
  const p: DownloadProgress = { layer: 0, layers: 2, digest: 'sha256:ab', bytes: 10, total: 20, bytesPerSecond: 5, done: false };
  const seen: DownloadProgress[] = [];
  const release = progress.takeDownloads((e) => seen.push(e));
  opts.onDownload!(p);
  assert.deepEqual(seen, [p]);
  release();
  opts.onDownload!(p); // back to the default (a stderr line only when stderr is a terminal; none here)
  assert.equal(seen.length, 1);
});
