import { analyze } from '../../src/analysis/merge.js';
import type { Analysis } from '../../src/analysis/types.js';
import type { LayerOrigin } from '../../src/analysis/origin.js';
import type { FileEntry, LayerContents } from '../../src/walk/types.js';

/**
 * Synthetic layers run through the real merge (src/analysis/merge.ts), for view-model tests and the
 * latency benchmark. Real images are used by the end-to-end test; these shapes are for exact numbers.
 */

export function file(path: string, size: number, digest = `d-${path}-${size}`): FileEntry {
  return { path, kind: 'file', size, mode: 0o644, uid: 0, gid: 0, mtime: 0, digest };
}
export function dir(path: string): FileEntry {
  return { path, kind: 'dir', size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0 };
}

export function layer(index: number, entries: FileEntry[], whiteouts: string[] = []): LayerContents {
  return { index, entries, whiteouts, opaqueDirs: [], compression: 'none', verified: false };
}

/**
 * Three layers: a base, an app layer that overwrites a file and adds a cache, and a cleanup layer
 * that deletes the cache (waste) and re-ships /etc/passwd unchanged (metadata-only).
 */
export function smallAnalysis(): { analysis: Analysis; origins: LayerOrigin[]; contents: LayerContents[] } {
  const layers = [
    layer(0, [dir('bin'), file('bin/sh', 1000), dir('etc'), file('etc/passwd', 100), dir('app'), file('app/big.bin', 5000, 'v1')]),
    layer(1, [file('app/big.bin', 6000, 'v2'), dir('root/.cache'), file('root/.cache/pip.bin', 3000), file('app/main.js', 400)]),
    layer(2, [file('etc/passwd', 100)], ['root/.cache']),
  ];
  return {
    analysis: analyze(layers),
    contents: layers,
    origins: [
      { index: 0, instruction: 'ADD rootfs.tar /', base: 'busybox:latest' },
      { index: 1, instruction: 'COPY . /app && pip install -r requirements.txt', stage: 'final', line: 7 },
      { index: 2, instruction: 'RUN rm -rf /root/.cache && chmod 644 /etc/passwd', stage: 'final', line: 9 },
    ],
  };
}

/**
 * A large image: `files` files spread over nested directories in `layers` layers, with a share of
 * files overwritten by the last layer so there is waste.
 */
export function bigAnalysis(files: number, layers = 8): { analysis: Analysis; origins: LayerOrigin[] } {
  const per = Math.ceil(files / layers);
  const out: LayerContents[] = [];
  let n = 0;
  for (let l = 0; l < layers; l++) {
    const entries: FileEntry[] = [];
    for (let i = 0; i < per && n < files; i++, n++) {
      const path = `usr/l${l}/d${Math.floor(i / 1000)}/s${Math.floor(i / 50) % 20}/f${i}.dat`;
      entries.push(file(path, 100 + (i % 5000)));
    }
    if (l === layers - 1) for (let i = 0; i < 1000; i++) entries.push(file(`usr/l0/d0/s${Math.floor(i / 50) % 20}/f${i}.dat`, 7, `new-${i}`));
    out.push(layer(l, entries));
  }
  return {
    analysis: analyze(out),
    origins: out.map((_, i) => ({ index: i, instruction: `RUN step ${i} && make install`, stage: 'final', line: i + 2 })),
  };
}
