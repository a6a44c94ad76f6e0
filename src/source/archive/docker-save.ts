import { MsbError } from '../../errors.js';
import { openLocation, readJson, type Container, type LayoutOptions } from '../container.js';
import { checkConfig, checkSaveManifest, saveConfigDigest } from '../manifest.js';
import { checkConfigPlatform } from '../platform.js';
import { closeMatches } from '../suggest.js';
import type { Image, LayerBlob, SourceKind } from '../types.js';

/**
 * Docker's save format (`manifest.json` naming a config file and layer tars), from a tar or a
 * directory. Docker 25+ writes an OCI layout beside it; manifest.json is read since it names the tag.
 */
export async function readDockerArchive(c: Container, kind: SourceKind, opts: LayoutOptions): Promise<Image> {
  const entries = checkSaveManifest(c.label, await readJson<unknown>(c, 'manifest.json', 'a manifest'));
  const notes: string[] = [];
  let entry = entries[0];
  if (opts.tag) {
    const found = entries.find((e) => (e.RepoTags ?? []).some((t) => t === opts.tag || t.endsWith(`/${opts.tag}`)));
    if (!found) throw new MsbError(`${c.label}: no image tagged ${opts.tag}; the archive has ${closeMatches(opts.tag, entries.flatMap((e) => e.RepoTags ?? [])) || 'untagged images'}`);
    entry = found;
  } else if (entries.length > 1) {
    notes.push(`archive holds ${entries.length} images; using the first (${entry.RepoTags?.[0] ?? 'untagged'})`);
  }
  const raw = await readJson<unknown>(c, entry.Config, 'the image config');
  const { config, diffIds } = checkConfig(`${c.label}: ${entry.Config}`, raw, entry.Layers.length);
  checkConfigPlatform(c.label, config, opts.platform);
  const layers: LayerBlob[] = [];
  for (const [index, name] of entry.Layers.entries()) {
    const location = await c.locate(name);
    layers.push({
      index,
      diffId: diffIds[index],
      size: location.size,
      name: `${c.label}: layer ${index} (${name.length > 40 ? `${name.slice(0, 40)}…` : name})`,
      location,
      open: () => openLocation(location),
    });
  }
  return {
    reference: c.label,
    source: kind,
    tags: entry.RepoTags ?? [],
    config,
    configDigest: saveConfigDigest(entry.Config),
    layers,
    notes,
    close: () => c.close(),
  };
}
