import { MsbError, oneLine, shortDigest } from '../errors.js';
import type { Image, ImageManifest } from './types.js';

/**
 * Finds the BuildKit provenance attestation for an image: the index entry annotated
 * `vnd.docker.reference.type: attestation-manifest` whose `vnd.docker.reference.digest` is the
 * image's manifest, and in it the in-toto layer whose predicate type is SLSA provenance.
 * Returns the parsed in-toto statement, or undefined when the image carries none.
 */
export async function readProvenanceStatement(image: Image): Promise<unknown | undefined> {
  if (!image.index || !image.readBlob || !image.digest) return undefined;
  const att = image.index.manifests.find(
    (d) => d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' && d.annotations?.['vnd.docker.reference.digest'] === image.digest,
  );
  if (!att) return undefined;
  const where = `${image.reference}: attestation manifest ${shortDigest(att.digest)}`;
  const manifest = parse<ImageManifest>(await image.readBlob(att.digest), where);
  const layer = (Array.isArray(manifest?.layers) ? manifest.layers : []).find((l) =>
    (l.annotations?.['in-toto.io/predicate-type'] ?? '').startsWith('https://slsa.dev/provenance/'),
  );
  if (!layer) return undefined;
  return parse<unknown>(await image.readBlob(layer.digest), `${image.reference}: provenance blob ${shortDigest(layer.digest)}`);
}

function parse<T>(buf: Buffer, where: string): T {
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch (e) {
    throw new MsbError(`${where}: not valid JSON (${oneLine((e as Error).message)})`);
  }
}
