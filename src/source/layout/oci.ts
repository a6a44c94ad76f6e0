import { MsbError, shortDigest } from '../../errors.js';
import { openLocation, readJson, readWhole, type Container, type LayoutOptions } from '../container.js';
import { checkConfig, resolveManifest } from '../manifest.js';
import { checkConfigPlatform, isAttestation } from '../platform.js';
import type { Descriptor, Image, LayerBlob, SourceKind } from '../types.js';

/**
 * The OCI image layout (`oci-layout` + `index.json` + `blobs/`), in a directory (oci-layout) or a tar
 * (oci-archive). index.json is resolved to one manifest by ref name and platform (manifest.ts).
 */

function blobPath(c: Container, digest: string): string {
  const m = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-fA-F0-9]{32,})$/.exec(digest ?? '');
  if (!m) throw new MsbError(`${c.label}: invalid digest "${String(digest)}" in a descriptor`);
  return `blobs/${m[1]}/${m[2]}`;
}

const refName = (d: Descriptor) => d.annotations?.['org.opencontainers.image.ref.name'];

export async function readOciLayout(c: Container, kind: SourceKind, opts: LayoutOptions): Promise<Image> {
  const notes: string[] = [];
  let candidates: Descriptor[] = [];
  const { manifest, digest, index, chosen } = await resolveManifest(
    { doc: await readJson<unknown>(c, 'index.json', 'the OCI index'), name: 'index.json', isIndex: true },
    {
      label: c.label,
      platform: opts.platform,
      fetch: async (d) => ({ doc: await readJson<unknown>(c, blobPath(c, d.digest), 'a manifest'), digest: d.digest, mediaType: d.mediaType }),
      narrow: (all) => {
        candidates = all;
        if (opts.tag) {
          candidates = all.filter((d) => {
            const ref = refName(d) ?? d.annotations?.['io.containerd.image.name'];
            return ref === opts.tag || ref?.endsWith(`:${opts.tag}`);
          });
          if (candidates.length === 0) throw new MsbError(`${c.label}: no image named ${opts.tag} in index.json`);
        }
        return candidates;
      },
    },
  );
  const top = chosen[0];
  const tags = [top && refName(top)].filter((t): t is string => !!t);
  // Several unrelated images (e.g. several tags copied into one layout): say which one was read.
  const named = candidates.filter((d) => !isAttestation(d) && !d.platform);
  if (!opts.tag && named.length > 1 && named.includes(top)) {
    notes.push(`layout holds ${named.length} images; using the first (${tags[0] ?? shortDigest(top.digest)}); pick one with PATH:NAME`);
  }
  const raw = await readJson<unknown>(c, blobPath(c, manifest.config.digest), 'the image config');
  const { config, diffIds } = checkConfig(`${c.label}: config ${shortDigest(manifest.config.digest)}`, raw, manifest.layers.length);
  checkConfigPlatform(c.label, config, opts.platform);
  const layers: LayerBlob[] = [];
  for (const [i, d] of manifest.layers.entries()) {
    const location = await c.locate(blobPath(c, d.digest));
    layers.push({
      index: i,
      diffId: diffIds[i],
      digest: d.digest,
      size: location.size,
      mediaType: d.mediaType,
      name: `${c.label}: layer ${i} (${shortDigest(d.digest)})`,
      location,
      open: () => openLocation(location),
    });
  }
  return {
    reference: c.label,
    source: kind,
    digest,
    tags,
    config,
    configDigest: manifest.config.digest,
    layers,
    manifest,
    index,
    notes,
    readBlob: (digest) => readWhole(c, blobPath(c, digest), `blob ${shortDigest(digest)}`),
    close: () => c.close(),
  };
}
