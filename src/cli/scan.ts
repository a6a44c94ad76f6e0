import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MsbError, oneLine } from '../errors.js';
import type { LayerCache } from '../pipeline/layer-cache.js';
import type { InspectResult } from '../pipeline/types.js';
import type { GateLimits, GateResult } from '../report/gate.js';
import { safeJson, safeLines, safeText } from '../safe-text.js';
import type { Io } from './io.js';
import { Progress } from './progress.js';
import { layerCacheOf, sourceResolver, type SourceFlags } from './source-flags.js';
import { byText } from '../text-order.js';

/**
 * `msb scan IMAGE... | --from-file LIST`: a fleet in one run. Every image goes through the same
 * pipeline as `msb inspect`, `--jobs` at a time, sharing one layer cache, so a layer shared by many
 * images (a base) is walked once. Only a small summary of each image is kept once it has been
 * inspected (the layer cache keeps what it walked on disk, not in memory), so memory stays that of
 * the images in flight. The gate options apply to each image; exit 1 if any image fails them, 2 if
 * any image could not be read (the others are still reported).
 */

export interface ScanFlags extends SourceFlags {
  fromFile?: string;
  json?: boolean;
  jobs?: string;
  platform?: string;
  maxSize?: string;
  maxWaste?: string;
  minEfficiency?: string;
  failOn?: string;
  maxSavings?: string;
}

interface ImageRow {
  reference: string;
  error?: string;
  layers?: number;
  sizeBytes?: number;
  wastedBytes?: number;
  potentialSavingsBytes?: number;
  worstFinding?: { rule: string; severity: string; category: string; bytes: number; path?: string };
  gate?: GateResult;
  /** diff_id and bytes of each layer, bottom first. */
  layerIds?: Array<{ diffId: string; bytes: number }>;
  /** bytes per finding rule, for the fleet's top causes. */
  causes?: Record<string, { bytes: number; category: string }>;
}

export interface ScanReport {
  images: Array<Omit<ImageRow, 'layerIds' | 'causes'>>;
  sharedLayers: Array<{ diffId: string; bytes: number; images: number; references: string[] }>;
  topCauses: Array<{ rule: string; category: string; bytes: number; images: number }>;
  totals: { images: number; failed: number; errors: number; sizeBytes: number; uniqueLayerBytes: number; potentialSavingsBytes: number };
  layerCache: { hits: number; walked: number };
}

async function imageList(refs: string[], flags: ScanFlags, io: Io): Promise<string[]> {
  const out = [...refs];
  if (flags.fromFile) {
    const file = flags.fromFile === '-' ? undefined : path.resolve(io.cwd, flags.fromFile);
    let text: string;
    try {
      text = file ? await readFile(file, 'utf8') : await readAll(io);
    } catch (e) {
      throw new MsbError(`--from-file ${flags.fromFile}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    for (const line of text.split(/\r?\n/)) {
      const s = line.replace(/#.*$/, '').trim();
      if (s) out.push(s);
    }
  }
  if (out.length === 0) throw new MsbError('msb scan needs at least one IMAGE or --from-file LIST');
  return out;
}

async function readAll(io: Io): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of io.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function rowOf(reference: string, r: InspectResult, gate: GateResult | undefined): ImageRow {
  const worst = r.findings.findings[0];
  const causes: ImageRow['causes'] = {};
  for (const f of r.findings.findings) {
    const c = (causes[f.rule] ??= { bytes: 0, category: f.category });
    c.bytes += f.bytes;
  }
  return {
    reference,
    layers: r.summary.layers,
    sizeBytes: r.summary.totalBytes,
    wastedBytes: r.summary.wastedBytes,
    potentialSavingsBytes: r.summary.potentialSavingsBytes,
    ...(worst ? { worstFinding: { rule: worst.rule, severity: worst.severity, category: worst.category, bytes: worst.bytes, ...(worst.paths[0] ? { path: worst.paths[0].path } : {}) } } : {}),
    ...(gate ? { gate } : {}),
    layerIds: r.layers.map((l) => ({ diffId: l.diffId, bytes: l.stats.bytes })),
    causes,
  };
}

export function buildScanReport(rows: ImageRow[], cache: LayerCache | undefined): ScanReport {
  const layers = new Map<string, { bytes: number; refs: Set<string> }>();
  const causes = new Map<string, { category: string; bytes: number; images: number }>();
  for (const row of rows) {
    for (const l of row.layerIds ?? []) {
      const e = layers.get(l.diffId) ?? { bytes: l.bytes, refs: new Set<string>() };
      e.refs.add(row.reference);
      layers.set(l.diffId, e);
    }
    for (const [rule, c] of Object.entries(row.causes ?? {})) {
      const e = causes.get(rule) ?? { category: c.category, bytes: 0, images: 0 };
      e.bytes += c.bytes;
      e.images++;
      causes.set(rule, e);
    }
  }
  const ok = rows.filter((r) => !r.error);
  return {
    images: rows.map(({ layerIds: _l, causes: _c, ...rest }) => rest),
    sharedLayers: [...layers]
      .filter(([, e]) => e.refs.size > 1)
      .map(([diffId, e]) => ({ diffId, bytes: e.bytes, images: e.refs.size, references: [...e.refs] }))
      .sort((a, b) => b.bytes * b.images - a.bytes * a.images || byText(a.diffId, b.diffId)),
    topCauses: [...causes]
      .map(([rule, e]) => ({ rule, ...e }))
      .sort((a, b) => b.bytes - a.bytes || byText(a.rule, b.rule))
      .slice(0, 10),
    totals: {
      images: rows.length,
      failed: rows.filter((r) => r.gate && !r.gate.pass).length,
      errors: rows.length - ok.length,
      sizeBytes: ok.reduce((s, r) => s + (r.sizeBytes ?? 0), 0),
      uniqueLayerBytes: [...layers.values()].reduce((s, e) => s + e.bytes, 0),
      potentialSavingsBytes: ok.reduce((s, r) => s + (r.potentialSavingsBytes ?? 0), 0),
    },
    layerCache: { hits: cache?.hits ?? 0, walked: cache?.stores ?? 0 },
  };
}

export async function renderScanText(rep: ScanReport, width: number): Promise<string> {
  const { bytes, truncate, padEnd, padStart } = await import('../report/format.js');
  const out: string[] = [];
  const refW = Math.max(10, Math.min(48, width - 62, Math.max(...rep.images.map((i) => i.reference.length))));
  out.push(`msb scan · ${rep.totals.images} image(s) · ${bytes(rep.totals.sizeBytes)} in all, ${bytes(rep.totals.uniqueLayerBytes)} in unique layers · can go: ${bytes(rep.totals.potentialSavingsBytes)}`);
  out.push('');
  out.push(`${padEnd('IMAGE', refW)}  ${padStart('SIZE', 9)}  ${padStart('CAN GO', 9)}  ${padStart('WASTED', 9)}  WORST FINDING`);
  for (const i of rep.images) {
    const ref = padEnd(truncate(i.reference, refW), refW);
    if (i.error) {
      out.push(`${ref}  error: ${i.error}`);
      continue;
    }
    const w = i.worstFinding;
    const worst = w ? `${w.severity} ${w.rule} ${bytes(w.bytes)}${w.path ? ` ${w.path}` : ''}` : '-';
    const gate = i.gate ? (i.gate.pass ? '  gate: pass' : '  gate: FAIL') : '';
    out.push(`${ref}  ${padStart(bytes(i.sizeBytes!), 9)}  ${padStart(bytes(i.potentialSavingsBytes!), 9)}  ${padStart(bytes(i.wastedBytes!), 9)}  ${truncate(worst, Math.max(24, width - refW - 47))}${gate}`);
  }
  if (rep.sharedLayers.length) {
    out.push('');
    out.push('Shared layers (walked once):');
    for (const l of rep.sharedLayers.slice(0, 10)) out.push(`  ${l.diffId.slice(0, 19)}  ${padStart(bytes(l.bytes), 9)}  in ${l.images} images`);
  }
  if (rep.topCauses.length) {
    out.push('');
    out.push('Top causes across the fleet:');
    for (const c of rep.topCauses) out.push(`  ${padStart(bytes(c.bytes), 9)}  ${c.rule} (${c.category}) in ${c.images} image(s)`);
  }
  out.push('');
  out.push(`layer cache: ${rep.layerCache.walked} layer(s) walked and kept, ${rep.layerCache.hits} read from it instead of walked${rep.totals.failed ? ` · gate failed for ${rep.totals.failed} image(s)` : ''}${rep.totals.errors ? ` · ${rep.totals.errors} image(s) could not be read` : ''}`);
  return `${out.join('\n')}\n`;
}

export async function scanCommand(refs: string[], flags: ScanFlags, io: Io): Promise<number> {
  const { parsePlatform } = await import('../source/platform.js');
  const gate = await import('../report/gate.js');
  const limits: GateLimits = {
    maxSize: flags.maxSize !== undefined ? gate.parseSize(flags.maxSize, '--max-size') : undefined,
    maxWaste: flags.maxWaste !== undefined ? gate.parseWasteLimit(flags.maxWaste) : undefined,
    minEfficiency: flags.minEfficiency !== undefined ? gate.parseEfficiency(flags.minEfficiency) : undefined,
    failOn: flags.failOn !== undefined ? gate.parseFailOn(flags.failOn) : undefined,
    maxSavings: flags.maxSavings !== undefined ? gate.parseSize(flags.maxSavings, '--max-savings') : undefined,
  };
  const jobs = flags.jobs !== undefined ? Number(flags.jobs) : 2;
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new MsbError(`invalid --jobs "${flags.jobs}": expected a whole number from 1 to 64`);
  const list = await imageList(refs, flags, io);
  const progress = new Progress(io.stderr.isTTY ? io.stderr : undefined);
  const resolveImage = await sourceResolver(flags, io, progress);
  const layerCache = await layerCacheOf(flags, io, true);
  const { inspect } = await import('../pipeline/inspect.js');
  const platform = flags.platform ? parsePlatform(flags.platform) : undefined;
  const rows: ImageRow[] = new Array(list.length);
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      const ref = list[i];
      try {
        const image = await resolveImage(ref, { platform });
        try {
          // Images walk one layer at a time each: --jobs images run at once.
          const r = await inspect(image, { layerCache, concurrency: jobs > 1 ? 1 : 2 });
          rows[i] = rowOf(ref, r, gate.hasLimits(limits) ? gate.evaluateGate(r, limits) : undefined);
        } finally {
          await image.close();
        }
      } catch (e) {
        if (!(e instanceof MsbError)) throw e;
        rows[i] = { reference: ref, error: oneLine(e.message) };
      }
      // On disk, each layer stays findable; keeping them in memory too would grow with the fleet.
      if (layerCache?.dir) layerCache.forgetSettled();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, list.length) }, worker));
  } finally {
    progress.clear();
  }
  const report = buildScanReport(rows, layerCache);
  io.stdout.write(flags.json ? `${safeJson(JSON.stringify(report, null, 2))}\n` : safeLines(await renderScanText(report, io.stdout.columns || 100)));
  if (report.totals.errors) {
    for (const r of rows) if (r.error) io.stderr.write(`msb: ${safeText(r.error)}\n`);
    return 2;
  }
  return report.totals.failed ? 1 : 0;
}
