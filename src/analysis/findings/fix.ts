import prettyBytes from 'pretty-bytes';
import type { LayerOrigin } from '../origin.js';
import type { FixKind } from './rules.js';
import type { FindingCategory } from './types.js';

/**
 * Turns a finding into the change that removes it, tied to the instruction that put the bytes
 * there: "line 4, stage builder: add `&& rm -rf /var/lib/apt/lists/*` to this RUN". Uses whatever
 * the LayerOrigin knows (line, stage, COPY --from source); with history alone it names the layer.
 */

export interface FixContext {
  origin: LayerOrigin;
  layer: number;
  /** Stage of the image's last layer, when attribution knows stages. */
  finalStage?: string;
  /** Toolchain packages behind the finding, biggest first. */
  packages?: string[];
  /** Biggest matched directories (absolute), for "rm -rf" and cache mounts. */
  topPaths?: string[];
  /**
   * When the image is known to be built in stages (a COPY --from, or layers of several stages):
   * the stages other than the final one, so advice never says "use a multi-stage build".
   */
  buildStages?: string[];
  /** For COPY/ADD layers: all artifact bytes and categories the layer brings, and what to keep. */
  copy?: { bytes: number; categories: FindingCategory[]; keep: string[] };
}

const b = (n: number) => prettyBytes(n);
const code = (s: string) => `\`${s}\``;

export function instructionKind(instruction: string): string {
  return /^([A-Z]+)\b/.exec(instruction.trim())?.[1] ?? '';
}

function short(s: string, n = 60): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length <= n ? one : `${one.slice(0, n - 1)}…`;
}

/** "line 4, stage builder: " / "stage builder, layer 3 (RUN make): " / "layer 3 (RUN make): " */
export function where(o: LayerOrigin, layer: number): string {
  if (o.line !== undefined) return `line ${o.line}${o.stage !== undefined ? `, stage ${o.stage}` : ''}: `;
  const instr = o.instruction ? ` (${code(short(o.instruction))})` : '';
  return `${o.stage !== undefined ? `stage ${o.stage}, ` : ''}layer ${layer}${instr}: `;
}

const CATEGORY_WORDS: Record<FindingCategory, string> = {
  toolchain: 'toolchain files',
  cache: 'cache',
  source: 'sources/objects',
  leftover: 'leftovers',
  secret: 'secrets',
  waste: 'waste',
  hardening: 'hardening',
  hygiene: 'Dockerfile hygiene',
};

function words(cats: FindingCategory[]): string {
  const w = cats.map((c) => CATEGORY_WORDS[c]);
  return w.length <= 1 ? (w[0] ?? 'build files') : `${w.slice(0, -1).join(', ')} and ${w[w.length - 1]}`;
}

/** The destination of a COPY/ADD as history records it ("COPY dir:<sha> in /app", "COPY /b /app"). */
export function copyDestination(instruction: string): string | undefined {
  const m = / in (\S+)\s*$/.exec(instruction.trim());
  if (m) return m[1];
  const parts = instruction.trim().split(/\s+/).filter((p) => !p.startsWith('--'));
  return parts.length >= 3 ? parts[parts.length - 1] : undefined;
}

function copyFix(ctx: FixContext): string {
  const o = ctx.origin;
  const c = ctx.copy!;
  const dest = copyDestination(o.instruction);
  if (dest === '/' && o.fromStage === undefined) {
    // A root filesystem unpacked at / (a base made by hand, debootstrap): clean it before packing.
    return `${where(o, ctx.layer)}this ${instructionKind(o.instruction) || 'layer'} unpacks a root filesystem carrying ${b(c.bytes)} of ${words(c.categories)}: remove them before packing it, or use a slimmer base`;
  }
  // Name the kept files as they are in the source stage when the COPY --from source is known.
  const keep = c.keep.map((k) => {
    if (o.fromPath && dest && k.startsWith(`${dest.replace(/\/$/, '')}/`)) return `${o.fromPath.replace(/\/$/, '')}${k.slice(dest.replace(/\/$/, '').length)}`;
    return k;
  });
  const only = keep.length ? `copy only ${keep.map(code).join(', ')}` : 'copy only what the image runs';
  if (o.fromStage !== undefined) {
    const what = code(`COPY --from=${o.fromStage}${o.fromPath ? ` ${o.fromPath}` : ''}${dest ? ` ${dest}` : ''}`);
    return `${where(o, ctx.layer)}${what} copies ${b(c.bytes)} of ${words(c.categories)}; ${only}`;
  }
  return `${where(o, ctx.layer)}this ${instructionKind(o.instruction) || 'layer'} brings ${b(c.bytes)} of ${words(c.categories)}; ${only} (if it copies the build context, list the rest in .dockerignore)`;
}

/** "build in a separate stage, or " — unless the image already is built in stages. */
function stageOr(ctx: FixContext): string {
  return ctx.buildStages ? 'in the final stage, use ' : 'build in a separate stage, or ';
}

export function fixText(kind: FixKind, ctx: FixContext): string {
  const o = ctx.origin;
  const p = where(o, ctx.layer);
  const instr = o.instruction;
  const k = instructionKind(instr);
  const top = ctx.topPaths?.[0];
  if (o.base !== undefined) {
    if (kind === 'toolchain') return `${p}the base image (${o.base}) ships a build toolchain: start the final stage FROM a slim runtime base and COPY --from the build stage only the artifacts`;
    return `${p}this comes with the base image (${o.base}); later layers cannot remove it: use a slimmer base image`;
  }
  if (kind === 'secret') return `${p}remove it from the build and rotate it; pass credentials with ${code('RUN --mount=type=secret')} instead of copying them`;
  if ((k === 'COPY' || k === 'ADD') && ctx.copy && kind !== 'toolchain') return copyFix(ctx);
  const apt = /\bapt(?:-get)?\s+(?:-\S+\s+)*install\b/.test(instr);
  switch (kind) {
    case 'toolchain': {
      if (o.stage !== undefined && ctx.finalStage !== undefined && o.stage !== ctx.finalStage) {
        return `${p}this image's final stage is built ${code(`FROM ${o.stage}`)}: the toolchain ships. Start the final stage FROM a runtime base and ${code(`COPY --from=${o.stage}`)} only the artifacts`;
      }
      if (k === 'COPY' || k === 'ADD') return ctx.copy ? copyFix(ctx) : `${p}this ${k} brings toolchain files into the final image: copy only the built artifacts`;
      const pk = ctx.packages?.length ? ` (${ctx.packages.slice(0, 4).join(', ')}${ctx.packages.length > 4 ? ', …' : ''})` : '';
      const bs = ctx.buildStages?.[0];
      let s = ctx.buildStages
        ? `${p}this RUN installs a build toolchain${pk} into the final stage${ctx.finalStage !== undefined ? ` (${ctx.finalStage})` : ''}: the image is already built in stages; install it in the build stage${bs !== undefined ? ` (${bs})` : ''} instead and ${code(`COPY --from=${bs ?? '<build stage>'}`)} only the artifacts`
        : `${p}this RUN installs a build toolchain${pk} into the final image: build in a separate stage (${code('FROM … AS build')}) and ${code('COPY --from=build')} only the artifacts`;
      if (apt && !/--no-install-recommends/.test(instr)) s += `; at least install with ${code('--no-install-recommends')}`;
      if (/\bapk\s+add\b/.test(instr) && !/--virtual|\s-t\s/.test(instr)) s += `; or ${code('apk add --virtual .build-deps …')} and ${code('apk del .build-deps')} in the same RUN`;
      return s;
    }
    case 'apt-lists':
      return `${p}add ${code('&& rm -rf /var/lib/apt/lists/*')} to this RUN`;
    case 'apt-cache':
      return `${p}add ${code('&& apt-get clean')} to this RUN (removes downloaded .debs from /var/cache/apt)`;
    case 'apk-cache':
      return `${p}use ${code('apk add --no-cache')}`;
    case 'pip-cache':
      return `${p}use ${code('pip install --no-cache-dir')} (or ${code('ENV PIP_NO_CACHE_DIR=1')})`;
    case 'npm-cache':
      return `${p}add ${code('&& npm cache clean --force')} to this RUN, or use ${code('RUN --mount=type=cache,target=/root/.npm')}`;
    case 'yarn-cache':
      return `${p}add ${code('&& yarn cache clean')} to this RUN, or use a cache mount`;
    case 'pnpm-store':
      return `${p}keep the store out of the layer: ${code(`RUN --mount=type=cache,target=${top ?? '/root/.local/share/pnpm/store'}`)}`;
    case 'go-cache':
      return `${p}${stageOr(ctx)}keep the caches out of the layer: ${code('RUN --mount=type=cache,target=/root/.cache/go-build --mount=type=cache,target=/go/pkg/mod')}`;
    case 'cargo-cache':
      return `${p}${stageOr(ctx)}${code('RUN --mount=type=cache,target=/usr/local/cargo/registry')}`;
    case 'maven-cache':
      return `${p}${stageOr(ctx)}${code('RUN --mount=type=cache,target=/root/.m2')}`;
    case 'gradle-cache':
      return `${p}${stageOr(ctx)}${code('RUN --mount=type=cache,target=/root/.gradle')}`;
    case 'gem-cache':
      return `${p}${stageOr(ctx)}${code('rm -rf "$(gem env gemdir)"/cache')} in this RUN: installed gems do not need their .gem archives (bundler: ${code('rm -rf vendor/cache')} after ${code('bundle install --local')})`;
    case 'composer-cache':
      return `${p}${stageOr(ctx)}${code('composer install --no-cache')} or ${code('RUN --mount=type=cache,target=/root/.composer/cache')}`;
    case 'cache':
      return `${p}delete ${top ? code(top) : 'the cache'} in this RUN, or use ${code(`RUN --mount=type=cache,target=${top ?? '<dir>'}`)}`;
    case 'build-output':
      return ctx.buildStages
        ? `${p}this RUN leaves build inputs and intermediates in the final stage: run it in the build stage${ctx.buildStages[0] !== undefined ? ` (${ctx.buildStages[0]})` : ''} and ${code('COPY --from')} only the result, or delete them in this RUN`
        : `${p}this RUN leaves build inputs and intermediates in the image: build in a separate stage and copy only the result, or delete them in this RUN`;
    case 'dev-deps':
      return `${p}install with ${code('npm ci --omit=dev')} (or add ${code('&& npm prune --omit=dev')} to this RUN)`;
    case 'docs':
      return apt
        ? `${p}keep docs out: before installing, ${code("echo 'path-exclude /usr/share/doc/*' > /etc/dpkg/dpkg.cfg.d/nodoc")} (same for /usr/share/man), or ${code('rm -rf /usr/share/doc /usr/share/man')} in this RUN`
        : `${p}add ${code(`rm -rf ${(ctx.topPaths ?? ['/usr/share/doc']).slice(0, 3).join(' ')}`)} to this ${k || 'step'}`;
    case 'leftover':
      return `${p}delete ${ctx.topPaths?.length ? code(ctx.topPaths.slice(0, 3).join(' ')) : 'them'} in the same ${k || 'step'} that creates them`;
  }
}
