import { attribute } from '../analysis/attribution/index.js';
import type { Attribution } from '../analysis/origin.js';
import { MsbError, oneLine } from '../errors.js';
import { readProvenanceStatement } from '../source/attestation.js';
import type { Image } from '../source/types.js';

/**
 * The I/O half of attribution: reads the image's provenance attestation, then hands it, the
 * Dockerfile text and the config to the pure analysis. Computed once per inspection.
 */

export interface DockerfileText {
  text: string;
  /** How the file is named in messages (its path as given). */
  label: string;
}

export interface AttributionOptions {
  dockerfile?: DockerfileText;
  target?: string;
  /** `K=V` strings as given to --build-arg. */
  buildArgs?: string[];
}

export function parseBuildArgs(list: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of list) {
    const i = a.indexOf('=');
    if (i <= 0) throw new MsbError(`invalid --build-arg "${a}": expected KEY=VALUE`);
    out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}

export async function attributeImage(image: Image, opts: AttributionOptions = {}): Promise<Attribution> {
  const { dockerfile } = opts;
  // An explicit Dockerfile wins over provenance: the user asked for that file.
  // A broken attestation does not make the image unreadable: say so and attribute without it.
  const notes: string[] = [];
  let provenance: unknown;
  if (!dockerfile) {
    try {
      provenance = await readProvenanceStatement(image);
    } catch (e) {
      notes.push(`${oneLine((e as Error).message)}; provenance ignored`);
    }
  }
  return attribute({
    config: image.config,
    layerCount: image.layers.length,
    layerDigests: image.layers.map((l) => l.digest),
    dockerfile,
    target: opts.target,
    buildArgs: parseBuildArgs(opts.buildArgs),
    provenance,
    notes,
  });
}
