import { MsbError } from '../errors.js';
import { closeMatches } from './suggest.js';
import type { Descriptor, Platform } from './types.js';

/** Platform strings ("linux/arm64/v8") and manifest selection from an index, as Docker does it. */

const NODE_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

export function hostPlatform(): Platform {
  return { os: 'linux', architecture: NODE_ARCH[process.arch] ?? process.arch };
}

export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !p)) {
    throw new MsbError(`invalid --platform "${s}": expected os/arch or os/arch/variant (e.g. linux/arm64)`);
  }
  return { os: parts[0], architecture: parts[1], variant: parts[2] };
}

export function formatPlatform(p: Platform | undefined): string {
  if (!p) return 'unknown';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** BuildKit stores provenance/SBOM as extra manifests in the index, tagged with this annotation. */
export function isAttestation(d: Descriptor): boolean {
  return d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    (d.platform?.os === 'unknown' && d.platform?.architecture === 'unknown');
}

function matches(p: Platform | undefined, want: Platform): boolean {
  if (!p) return false;
  if (p.os !== want.os || p.architecture !== want.architecture) return false;
  // An unspecified variant matches any; arm64 images usually say v8 or nothing.
  return !want.variant || !p.variant || p.variant === want.variant;
}

/**
 * Picks the manifest to inspect from an index's entries. With no --platform, a lone image is taken
 * whatever its platform; several are narrowed to this machine's platform.
 */
export function selectManifest(label: string, manifests: Descriptor[], wanted: Platform | undefined): Descriptor {
  const images = manifests.filter((d) => !isAttestation(d));
  if (images.length === 0) throw new MsbError(`${label}: the index lists no image manifests`);
  if (!wanted && images.length === 1) return images[0];
  const want = wanted ?? hostPlatform();
  const hit = images.filter((d) => matches(d.platform, want));
  if (hit.length >= 1) return hit[0];
  // Entries without a platform (nested indexes, single-image layouts) are resolved further down;
  // the config's own os/architecture is checked against --platform once it is read.
  if (images.every((d) => !d.platform)) return images[0];
  const have = closeMatches(formatPlatform(want), images.map((d) => formatPlatform(d.platform)));
  throw new MsbError(`${label}: no image for platform ${formatPlatform(want)}; available: ${have} (use --platform)`);
}

/** After selection: an explicit --platform must match what the image config says it is. */
export function checkConfigPlatform(label: string, config: { os?: string; architecture?: string; variant?: string }, wanted: Platform | undefined): void {
  if (!wanted || !config.os || !config.architecture) return;
  const have: Platform = { os: config.os, architecture: config.architecture, variant: config.variant };
  if (!matches(have, wanted)) {
    throw new MsbError(`${label}: the image is ${formatPlatform(have)}, not ${formatPlatform(wanted)}`);
  }
}
