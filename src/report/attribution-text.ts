import type { JsonReport } from './json.js';
import { bytes, percent } from './format.js';

/** Text-report pieces for attribution: where each layer came from, and how that was worked out. */

/** "base", "builder:12", "L19" (unnamed stage), or '' when unknown. */
export function layerWhere(l: JsonReport['layers'][number]): string {
  if (l.base !== undefined) return 'base';
  if (l.line === undefined) return l.stage ?? '';
  const line = l.endLine && l.endLine !== l.line ? `${l.line}-${l.endLine}` : String(l.line);
  return l.stage && !/^\d+$/.test(l.stage) ? `${l.stage}:${line}` : `L${line}`;
}

export function attributionLines(r: JsonReport): string[] {
  const a = r.attribution;
  const out: string[] = [];
  const via = { provenance: 'BuildKit provenance', dockerfile: 'the Dockerfile', history: 'the image history' }[a.source];
  const base = a.baseLayers > 0
    ? `base ${a.baseRef ?? 'image'}: ${a.baseLayers} layer${a.baseLayers === 1 ? '' : 's'}, ${bytes(r.summary.baseBytes)} (${percent(r.summary.totalBytes ? r.summary.baseBytes / r.summary.totalBytes : 0)})`
    : 'base image not identified';
  out.push(`Attributed from ${via}${a.target ? ` (target ${a.target})` : ''} · ${base}`);
  for (const w of a.warnings) out.push(`warning: ${w}`);
  return out;
}
