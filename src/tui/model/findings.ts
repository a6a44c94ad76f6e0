import type { Finding, FindingCategory, Severity } from '../../analysis/findings/types.js';

/**
 * The Findings pane: the pipeline's findings (rules, secrets and grouped waste), largest first, as
 * rows that know which layer and path to jump to. Nothing is recomputed here.
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
  /** The finding itself, for the Evidence view. */
  finding: Finding;
}

export function findingItems(findings: Finding[]): FindingItem[] {
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
    finding: f,
  }));
  return items.sort((a, b) => b.bytes - a.bytes || a.layer - b.layer);
}

/** "rule /first/path (+N more)": what and where, in one line. */
function findingTitle(f: Finding): string {
  const first = f.paths[0];
  if (!first) return f.rule;
  const more = f.paths.length - 1;
  return `${f.rule} /${first.path.replace(/^\/+/, '')}${more > 0 ? ` (+${more} more)` : ''}`;
}
