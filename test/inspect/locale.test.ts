/**
 * msb's output does not depend on the user's locale: names and paths are ordered by code unit
 * (src/text-order.ts), not by localeCompare, which sorts "ä" after "z" under sv_SE and beside "a"
 * under en_US. A real image (buildah, FROM scratch, two COPY layers) whose second layer rewrites
 * equal-sized files with names ICU orders differently by locale; the waste list ties on bytes.
 */
import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Buildah } from '../fix/buildah.js';
import { spawnMsb } from '../helpers/cli.js';

const NAMES = ['ä.txt', 'z.txt', 'a.txt', 'B.txt', '_u.txt', 'Å.txt'];
let bh: Buildah;
let image = '';

before(() => {
  bh = new Buildah('msb-locale-');
  const ctx = path.join(bh.dir, 'ctx');
  for (const [dir, fill] of [['one', 'x'], ['two', 'y']] as const) {
    mkdirSync(path.join(ctx, dir), { recursive: true });
    for (const n of NAMES) {
      writeFileSync(path.join(ctx, dir, n), fill.repeat(4096));
      // Another mtime for the rewrite: vfs's layer diff compares size and mtime, not content.
      if (dir === 'two') utimesSync(path.join(ctx, dir, n), 1.6e9, 1.6e9);
    }
  }
  writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY one/ /data/\nCOPY two/ /data/\n');
  bh.build(path.join(ctx, 'Dockerfile'), 'localhost/locale:latest', ctx);
  image = bh.save('localhost/locale:latest', path.join(bh.dir, 'locale.tar'));
});
after(() => bh?.remove());

test('the same report under sv_SE, en_US and C, in code-unit order', () => {
  const outs = ['sv_SE.UTF-8', 'en_US.UTF-8', 'C.UTF-8'].map((l) => {
    const r = spawnMsb(['inspect', image, '--json', '--no-cache'], { env: { LC_ALL: l, LANG: l } });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  });
  assert.equal(outs[0], outs[1]);
  assert.equal(outs[1], outs[2]);
  const waste = (JSON.parse(outs[0]).waste.items ?? JSON.parse(outs[0]).waste) as Array<{ path: string; bytes: number }>;
  const paths = waste.map((w) => w.path.replace(/^\/?data\//, ''));
  assert.deepEqual(paths, [...NAMES].sort(), JSON.stringify(waste));
});
