import type { Analysis, WasteKind } from '../../analysis/types.js';
import type { Finding, FindingCategory, Severity } from '../../analysis/findings/types.js';
import type { LayerOrigin } from '../../analysis/origin.js';

/**
 * The Findings pane: findings from the rules plus the image's wasted bytes, largest first. When the
 * rules report no `waste` finding themselves, wasted bytes are grouped by (cause, shipping layer,
 * hiding layer) so a deleted download or a re-chmodded binary is never missing from the list.
 */

export interface FindingItem {
  title: string;
  bytes: number;
  category: FindingCategory;
  severity: Severity;
  /** Layer the bytes came from and the path to show in the Files pane. */
  layer: number;
  path: string;
  /** Every path the item covers (for the "findings only" filter). */
  paths: string[];
  instruction: string;
  fix?: string;
  why?: string;
  /** For waste groups: the layer that hid the bytes. */
  hiddenBy?: number;
}

const WASTE_TITLE: Record<WasteKind, string> = {
  deleted: 'deleted in a later layer',
  overwritten: 'overwritten in a later layer',
  metadata: 're-shipped only to change metadata',
};

export function findingItems(findings: Finding[], analysis: Analysis, origins: LayerOrigin[]): FindingItem[] {
  const items: FindingItem[] = findings.map((f) => ({
    title: findingTitle(f),
    bytes: f.bytes,
    category: f.category,
    severity: f.severity,
    layer: f.layer,
    path: (f.paths[0]?.path ?? '').replace(/^\/+/, ''),
    paths: f.paths.map((p) => p.path.replace(/^\/+/, '')),
    instruction: f.instruction,
    fix: f.fix,
    why: f.why,
  }));
  if (!findings.some((f) => f.category === 'waste')) {
    const groups = new Map<string, { kind: WasteKind; shippedIn: number; hiddenBy: number; bytes: number; files: number; path: string; top: number; paths: string[] }>();
    for (const w of analysis.waste) {
      const key = `${w.kind}:${w.shippedIn}:${w.hiddenBy}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { kind: w.kind, shippedIn: w.shippedIn, hiddenBy: w.hiddenBy, bytes: 0, files: 0, path: w.path, top: w.bytes, paths: [] }));
      g.paths.push(w.path);
      g.bytes += w.bytes;
      g.files++;
      if (w.bytes > g.top) {
        g.top = w.bytes;
        g.path = w.path;
      }
    }
    for (const g of groups.values()) {
      items.push({
        title: `${g.files === 1 ? `/${g.path}` : `${g.files} files`} ${WASTE_TITLE[g.kind]}`,
        bytes: g.bytes,
        category: 'waste',
        severity: 'medium',
        layer: g.shippedIn,
        path: g.path,
        paths: g.paths,
        instruction: origins[g.shippedIn]?.instruction ?? '',
        hiddenBy: g.hiddenBy,
        fix:
          g.kind === 'metadata'
            ? `set the mode/owner where layer ${g.shippedIn} creates the file (COPY --chmod/--chown), not in layer ${g.hiddenBy}`
            : `remove the files in the same instruction that creates them (layer ${g.shippedIn}), or use a multi-stage build`,
      });
    }
  }
  return items.sort((a, b) => b.bytes - a.bytes || a.layer - b.layer);
}

/** "rule /first/path (+N more)": what and where, in one line. */
function findingTitle(f: Finding): string {
  const first = f.paths[0];
  if (!first) return f.rule;
  const more = f.paths.length - 1;
  return `${f.rule} /${first.path.replace(/^\/+/, '')}${more > 0 ? ` (+${more} more)` : ''}`;
}

/** Bytes the fixes would save: findings never count a byte twice, so the items add up. */
export function potentialSavings(items: FindingItem[]): number {
  return items.reduce((s, i) => s + i.bytes, 0);
}
