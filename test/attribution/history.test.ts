import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { instructionOf, parseCreatedBy } from '../../src/analysis/instruction.js';
import { attribute } from '../../src/analysis/attribution/index.js';
import { detectBase } from '../../src/analysis/attribution/base.js';
import type { ImageConfig } from '../../src/source/types.js';

// Real history JSON extracted from the archives test/fixtures/attribution/build.sh built with
// buildah, the legacy Docker builder and BuildKit (same multistage.Dockerfile, two targets).
const DIR = new URL('../fixtures/attribution/', import.meta.url);
const ENGINES = ['buildah', 'docker', 'buildkit'] as const;
const config = (name: string): ImageConfig => JSON.parse(readFileSync(new URL(`out/${name}.config.json`, DIR), 'utf8'));
const layers = (c: ImageConfig) => c.rootfs!.diff_ids.length;

test('instructionOf reads all three history dialects', () => {
  assert.equal(instructionOf('RUN |2 A=1 B="x y" /bin/sh -c make all # buildkit'), 'RUN make all');
  assert.equal(instructionOf('|1 VERSION=1.0 /bin/sh -c echo $VERSION'), 'RUN echo $VERSION');
  assert.equal(instructionOf('/bin/sh -c #(nop)  CMD ["/bin/sh"]'), 'CMD ["/bin/sh"]');
  assert.equal(instructionOf(`/bin/sh -c #(nop) COPY dir:${'a'.repeat(64)} in /app `), `COPY dir:${'a'.repeat(12)} in /app`);
  assert.equal(instructionOf(`/bin/sh -c #(nop) ADD multi:${'b'.repeat(64)} in /x/ `), `ADD multi:${'b'.repeat(12)} in /x/`);
  assert.equal(instructionOf(`/bin/sh -c #(nop) COPY --chown=1000:1000file:${'c'.repeat(64)} in /app/ `), `COPY --chown=1000:1000 file:${'c'.repeat(12)} in /app/`);
  assert.equal(instructionOf('COPY /build/hello /usr/local/bin/hello # buildkit'), 'COPY /build/hello /usr/local/bin/hello');
  assert.equal(instructionOf('/bin/sh -c ["/bin/busybox", "--install"]'), 'RUN ["/bin/busybox", "--install"]');
  assert.equal(instructionOf('WORKDIR /app'), 'WORKDIR /app');
  assert.equal(instructionOf(''), '');
  assert.equal(parseCreatedBy(`/bin/sh -c #(nop) COPY file:${'d'.repeat(64)} in /x `)?.dest, '/x');
});

test('every engine: history instructions read the same', () => {
  for (const t of ['final', 'tools']) {
    const texts = ENGINES.map((e) => {
      const c = config(`${e}-${t}`);
      // buildah makes no layer for WORKDIR; compare the layer-producing steps by keyword and RUN text.
      return attribute({ config: c, layerCount: layers(c) })
        .origins.map((o) => o.instruction.split(' ')[0] + (o.instruction.startsWith('RUN') ? o.instruction : ''))
        .filter((s) => s !== 'WORKDIR');
    });
    assert.deepEqual(texts[1], texts[0], `${t}: docker vs buildah`);
    assert.deepEqual(texts[2], texts[0], `${t}: buildkit vs buildah`);
  }
});

test('base boundary from the image alone, per engine', () => {
  const want = { buildah: 'buildah-comment', docker: 'comment-change', buildkit: 'buildkit-comment' } as const;
  for (const e of ENGINES) {
    for (const t of ['final', 'tools']) {
      const c = config(`${e}-${t}`);
      const a = attribute({ config: c, layerCount: layers(c) });
      assert.equal(a.status.source, 'history');
      assert.equal(a.status.baseSignal, want[e], `${e}-${t}`);
      assert.equal(a.status.baseLayers, 2, `${e}-${t}`);
      assert.deepEqual(a.origins.map((o) => o.base !== undefined), a.origins.map((o) => o.index < 2));
    }
  }
  assert.equal(attribute({ config: config('buildah-final'), layerCount: 6 }).status.baseRef, 'localhost/busybox-base:latest');
});

test('time gap: the legacy build on a comment-less base', () => {
  const c = config('docker-final');
  const history = c.history!.map(({ comment: _c, ...h }) => h);
  assert.deepEqual(detectBase(history), { historyIndex: 2, signal: 'time-gap' });
  // A gap that does not dominate (another as long after it) is not trusted.
  const later = history.map((h, i) => (i >= 5 ? { ...h, created: new Date(Date.parse(h.created!) + 60_000).toISOString() } : h));
  assert.equal(detectBase(later).signal, 'none');
});

test('SHELL-set shells and exec-form RUN read as RUN', () => {
  assert.equal(instructionOf('RUN /bin/bash -o pipefail -c curl x | sh # buildkit'), 'RUN curl x | sh');
  assert.equal(instructionOf('/bin/ash -eo pipefail -c make'), 'RUN make');
  assert.equal(instructionOf('RUN /bin/busybox --install -s /bin # buildkit'), 'RUN /bin/busybox --install -s /bin');
});

test('base detection declines without a signal', () => {
  const h = [
    { created: '2024-01-01T00:00:00Z', created_by: 'a' },
    { created: '2024-01-01T00:00:03Z', created_by: 'b' },
    { created: '2024-01-01T00:00:06Z', created_by: 'c' },
  ];
  assert.deepEqual(detectBase(h), { historyIndex: 0, signal: 'none' });
  // A buildah build FROM scratch: only image-id comments, no reference.
  assert.equal(detectBase([{ comment: 'FROM 0123456789ab' }]).signal, 'none');
});

test('missing, null and short history still attribute and say so', () => {
  const none = attribute({ config: { rootfs: { type: 'layers', diff_ids: ['a', 'b'] }, history: null }, layerCount: 2 });
  assert.equal(none.origins.length, 2);
  assert.equal(none.origins[0].instruction, '');
  assert.match(none.status.warnings[0], /no history/);
  const c = config('buildkit-final');
  const short = attribute({ config: { ...c, history: c.history!.slice(0, 4) }, layerCount: layers(c) });
  assert.match(short.status.warnings.join('\n'), /accounts for 4 of 7 layers/);
  assert.equal(short.origins[6].instruction, '');
  assert.equal(short.origins[3].instruction, 'COPY /build/hello /app/hello');
});

test('historyOrigins (the image-only contract) carries the base layers', async () => {
  const { historyOrigins } = await import('../../src/analysis/attribution/index.js');
  const c = config('buildkit-final');
  const o = historyOrigins(c, layers(c));
  assert.deepEqual(o.map((x) => x.base ?? null), ['base image', 'base image', null, null, null, null, null]);
  assert.equal(o[6].instruction, 'RUN chmod 600 /app/hello && rm /app/app.txt');
});

test('steps: every history entry, layer or not, with the base marked', () => {
  const c = config('buildah-final');
  const a = attribute({ config: c, layerCount: layers(c) });
  assert.equal(a.steps.length, c.history!.length);
  assert.deepEqual(
    a.steps.map((s) => [s.instruction.split(' ')[0], s.emptyLayer, s.layer ?? null, s.base ?? null]),
    [
      ['ADD', false, 0, 'localhost/busybox-base:latest'],
      ['RUN', false, 1, 'localhost/busybox-base:latest'],
      ['WORKDIR', true, null, null],
      ['COPY', false, 2, null],
      ['COPY', false, 3, null],
      ['COPY', false, 4, null],
      ['RUN', false, 5, null],
      ['ENV', true, null, null],
      ['CMD', true, null, null],
    ],
  );
});
