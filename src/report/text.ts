import { buildJsonReport } from './json.js';
import type { InspectResult } from '../pipeline/types.js';
import { bytes, padEnd, padStart, percent, truncate } from './format.js';
import { attributionLines, layerWhere } from './attribution-text.js';
import { renderFindings } from './findings-text.js';

/** The plain-text report for pipes and logs: leads with the answer, then the evidence. */
export function renderText(result: InspectResult, width = 100, topWaste = 15): string {
  const r = buildJsonReport(result);
  const out: string[] = [];
  const s = r.summary;
  const plat = [r.image.os, r.image.architecture, r.image.variant].filter(Boolean).join('/');
  out.push(`msb · ${r.image.reference} (${r.image.source}${plat ? `, ${plat}` : ''})`);
  for (const n of r.image.notes) out.push(`note: ${n}`);
  out.push(
    `Image ${bytes(s.totalBytes)} in ${s.layers} layers · ${s.files.toLocaleString('en-US')} files · ` +
      `visible ${bytes(s.finalBytes)} · wasted ${bytes(s.wastedBytes)} (${percent(s.totalBytes ? s.wastedBytes / s.totalBytes : 0)}) · efficiency ${percent(s.efficiency)}`,
  );
  if (s.wastedBytes > 0) {
    const parts = (['overwritten', 'metadata', 'deleted'] as const)
      .filter((k) => s.wasteByKind[k] > 0)
      .map((k) => `${k} ${bytes(s.wasteByKind[k])}`);
    out.push(`Wasted by cause: ${parts.join(', ')}`);
  }
  out.push(...attributionLines(r));
  if (r.findings) out.push(...renderFindings(r, width));
  out.push('');
  out.push('Layers');
  out.push(`  ${padStart('#', 3)}  ${padStart('size', 9)}  ${padStart('wasted', 9)}  ${padEnd('origin', 14)}  instruction`);
  for (const l of r.layers) {
    const instr = result.layers[l.index].instruction || '(no history)';
    const left = `  ${padStart(String(l.index), 3)}  ${padStart(bytes(l.bytes), 9)}  ${padStart(l.wastedBytes ? bytes(l.wastedBytes) : '-', 9)}  ${padEnd(truncate(layerWhere(l), 14), 14)}  `;
    out.push(left + truncate(instr, Math.max(20, width - left.length)));
  }
  if (r.waste.length > 0) {
    out.push('');
    out.push(`Wasted bytes${r.waste.length > topWaste ? ` (top ${topWaste} of ${r.waste.length})` : ''}`);
    // "layer 4 (L47) → hidden by 5 (L49)": the Dockerfile lines when attribution knows them.
    const at = (i: number) => {
      const w = r.layers[i] ? layerWhere(r.layers[i]) : '';
      return w ? `${i} (${w})` : String(i);
    };
    const rows = r.waste.slice(0, topWaste).map((w) => ({ w, where: `layer ${at(w.shippedIn)} → hidden by ${at(w.hiddenBy)}` }));
    const whereWidth = Math.max(22, ...rows.map((x) => x.where.length));
    for (const { w, where } of rows) {
      out.push(`  ${padStart(bytes(w.bytes), 9)}  ${padEnd(w.kind, 11)}  ${padEnd(where, whereWidth)}  ${truncate(w.path, Math.max(20, width - 30 - whereWidth))}`);
    }
  }
  return `${out.join('\n')}\n`;
}
