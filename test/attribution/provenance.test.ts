import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { attribute } from '../../src/analysis/attribution/index.js';
import { readProvenance, layerSteps } from '../../src/analysis/attribution/provenance.js';
import { resolveImage } from '../../src/source/resolve.js';
import { isImageStream } from '../../src/source/types.js';
import { attributeImage } from '../../src/pipeline/attribution.js';
import { addProvenance } from '../fixtures/attribution/make-provenance.js';

// Provenance statements in BuildKit's published format, made by make-provenance.ts (the engines
// here cannot produce attestations) on the real buildah-built OCI layout.
const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/attribution');
const DOCKERFILE = readFileSync(path.join(DIR, 'multistage.Dockerfile'), 'utf8');

function withLayout<T>(version: 'v0.2' | 'v1', fn: (layout: string, statement: unknown, blob: string) => Promise<T>): Promise<T> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'msb-prov-'));
  const layout = path.join(tmp, 'oci');
  cpSync(path.join(DIR, 'out/buildah-final-oci'), layout, { recursive: true });
  addProvenance(layout, version, DOCKERFILE);
  // Find the statement blob through the index we just wrote.
  const blob = (d: string) => path.join(layout, 'blobs/sha256', d.slice(7));
  const top = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
  const idx = JSON.parse(readFileSync(blob(top.manifests[0].digest), 'utf8'));
  const att = JSON.parse(readFileSync(blob(idx.manifests[1].digest), 'utf8'));
  const stPath = blob(att.layers[0].digest);
  return fn(layout, JSON.parse(readFileSync(stPath, 'utf8')), stPath).finally(() => rmSync(tmp, { recursive: true, force: true }));
}

test('both predicate shapes read the same Dockerfile, locations and layer map', async () => {
  const got = await Promise.all((['v0.2', 'v1'] as const).map((v) => withLayout(v, async (_l, st) => readProvenance(st)!)));
  for (const p of got) {
    assert.equal(p.dockerfile?.text, DOCKERFILE);
    assert.equal(p.dockerfile?.filename, 'multistage.Dockerfile');
    assert.deepEqual(p.buildArgs, { BASE: 'localhost/busybox-base' });
    assert.deepEqual(p.locations.get('step3'), [{ line: 6, endLine: 8 }]);
    assert.deepEqual(p.locations.get('step0'), [{ line: 4, endLine: 4 }, { line: 14, endLine: 14 }]);
    assert.equal(p.images.get('step0'), 'localhost/busybox-base:latest');
    assert.equal(p.layers.get('step9')?.[0].length, 6);
  }
  const chain = got[0].layers.get('step9')![0];
  assert.deepEqual(layerSteps(got[0], chain), ['step0', 'step0', 'step6', 'step7', 'step8', 'step9']);
});

test('provenance that cannot attribute is said and ignored', async () => {
  await withLayout('v0.2', async (_l, st) => {
    const s = st as { predicate: { metadata: Record<string, unknown> } };
    const config = { history: [{ created_by: 'a' }, { created_by: 'b' }], rootfs: { type: 'layers', diff_ids: ['x', 'y'] } };
    // mode=min: no source, no layers.
    const min = structuredClone(s);
    delete min.predicate.metadata['https://mobyproject.org/buildkit@v1#metadata'];
    assert.match(attribute({ config, layerCount: 2, provenance: min }).status.warnings.join(), /no Dockerfile source or layer map \(built with mode=min\?\)/);
    // Another image's provenance: no chain matches these layers.
    const other = attribute({ config, layerCount: 2, layerDigests: ['sha256:1', 'sha256:2'], provenance: st });
    assert.equal(other.status.source, 'history');
    assert.match(other.status.warnings.join(), /matches none of the image's layers/);
    assert.match(attribute({ config, layerCount: 2, provenance: { predicateType: 'https://spdx.dev/Document', predicate: {} } }).status.warnings.join(), /not BuildKit SLSA provenance/);
  });
});

test('a corrupt attestation blob: a warning, and the image is still attributed', async () => {
  await withLayout('v1', async (layout, _st, stPath) => {
    writeFileSync(stPath, '{not json');
    const image = await resolveImage(layout);
    try {
      assert.ok(!isImageStream(image), 'a layout is random-access');
      const a = await attributeImage(image);
      assert.equal(a.status.source, 'history');
      assert.match(a.status.warnings[0], /provenance blob sha256:[0-9a-f]{12}: not valid JSON .*; provenance ignored/);
      assert.equal(a.status.baseLayers, 2);
    } finally {
      await image.close();
    }
  });
});
