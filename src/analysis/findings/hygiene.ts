import { parseCreatedBy } from '../instruction.js';
import type { LayerOrigin } from '../origin.js';
import type { LayerStats } from '../types.js';
import { findingBase } from './finding.js';
import { where } from './fix.js';
import type { Finding } from './types.js';

/**
 * Dockerfile hygiene: how the image's own layers were ordered and split, read from the instructions
 * the attribution gives (a Dockerfile, provenance, or history text). These cost build time and
 * cache hits, not image bytes, so like hardening they never add to the savings (bytes 0); the bytes
 * a step re-builds are named in the evidence. Only layers the build added are read (the FROM image's
 * are not the Dockerfile's to change), and only instructions whose text says what they did.
 */

/** A RUN that installs a project's dependencies from its manifest, by tool. */
const INSTALLS: Array<[string, RegExp, string]> = [
  ['npm', /\bnpm\s+(?:ci|install|i)\b/, 'package.json package-lock.json'],
  ['yarn', /\byarn(?:\s+install)?(?:\s+--[\w-]+)*\s*(?:$|&&|;)/, 'package.json yarn.lock'],
  ['pnpm', /\bpnpm\s+(?:install|i)\b/, 'package.json pnpm-lock.yaml'],
  ['pip', /\bpip3?\s+install\b[^&;|]*\s-r\s/, 'requirements.txt'],
  ['poetry', /\bpoetry\s+install\b/, 'pyproject.toml poetry.lock'],
  ['bundler', /\bbundle\s+install\b/, 'Gemfile Gemfile.lock'],
  ['composer', /\bcomposer\s+install\b/, 'composer.json composer.lock'],
  ['go', /\bgo\s+mod\s+download\b/, 'go.mod go.sum'],
];
/** `COPY . DEST` / `COPY ./ DEST` (flags allowed, no --from): the whole build context. */
const COPY_CONTEXT = /^(?:COPY|ADD)\s+(?:--(?!from)[\w-]+(?:=\S+)?\s+)*\.\/?\s+\S+\s*$/i;
const APT_UPDATE = /\bapt(?:-get)?\s+update\b/;
const APT_INSTALL = /\bapt(?:-get)?\s+(?:-\S+\s+)*install\b/;

/** The shell text of a RUN, whichever form the attribution gives (Dockerfile text, or history's `/bin/sh -c …`). */
function runText(o: LayerOrigin): string | undefined {
  const p = parseCreatedBy(o.instruction);
  return p?.keyword === 'RUN' ? p.rest : undefined;
}

export function hygieneFindings(layers: LayerStats[], originOf: (i: number) => LayerOrigin): Finding[] {
  const out: Finding[] = [];
  const own = layers.map((l) => l.index).filter((i) => originOf(i).base === undefined);
  const sameStage = (a: number, b: number) => originOf(a).stage === originOf(b).stage;
  const push = (id: string, severity: Finding['severity'], why: string, layer: number, fix: string, facts: string[], path: string) =>
    out.push({ ...findingBase({ id, category: 'hygiene', severity, why }, layer, originOf(layer)), bytes: 0, paths: [{ path, bytes: 0, count: 1 }], fix, evidence: { basis: 'history', confidence: 'high', facts } });

  // COPY of the whole context before the dependency install: any source edit re-runs the install.
  for (const c of own) {
    const copy = originOf(c);
    if (!COPY_CONTEXT.test(copy.instruction.trim())) continue;
    for (const r of own) {
      if (r <= c || !sameStage(c, r)) continue;
      const text = runText(originOf(r));
      const hit = text ? INSTALLS.find(([, re]) => re.test(text)) : undefined;
      if (!hit) continue;
      // Already installed from the manifests before the context came in: the usual, right order.
      const earlier = own.some((e) => e < c && sameStage(e, c) && hit[1].test(runText(originOf(e)) ?? ''));
      if (earlier) break;
      push('hygiene-copy-before-install', 'low', 'every source edit invalidates the cache of the dependency install after it, so each build re-installs', r,
        `${where(originOf(r), r)}copy only the dependency manifests (${hit[2]}) before this install and \`${copy.instruction.trim()}\` after it`,
        [`line ${copy.line ?? `of layer ${c}`}: \`${copy.instruction.trim().slice(0, 80)}\` copies the whole build context`, `then ${hit[0]} installs in layer ${r} (${layers[r].bytes} bytes re-built on every source change)`],
        `layer ${r}`);
      break;
    }
  }

  // apt-get update in a RUN of its own: the install after it may use lists a build cache kept stale.
  for (const u of own) {
    const text = runText(originOf(u));
    if (!text || !APT_UPDATE.test(text) || APT_INSTALL.test(text)) continue;
    const next = own.find((i) => i > u && sameStage(u, i) && APT_INSTALL.test(runText(originOf(i)) ?? ''));
    if (next === undefined) continue;
    push('hygiene-apt-update-separate', 'low', 'a cached update layer can feed the install stale package lists (404s, old versions), and the lists ship in a layer of their own', u,
      `${where(originOf(u), u)}run \`apt-get update && apt-get install …\` in one RUN (the install is in layer ${next}), and remove /var/lib/apt/lists/* at its end`,
      [`layer ${u} only runs apt-get update`, `layer ${next} runs apt-get install`],
      `layer ${u}`);
  }
  return out;
}
