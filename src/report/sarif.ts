import type { Finding, Severity } from '../analysis/findings/types.js';
import type { InspectResult } from '../pipeline/types.js';
import { findingFingerprint, ignoredBy, type IgnoreEntry } from './ci.js';
import { bytes } from './format.js';

/**
 * SARIF 2.1.0 (GitHub code scanning and other SARIF readers): one reporting rule per finding rule
 * present, one result per finding with its bytes and fix, located on the Dockerfile line when
 * attribution knows it (else on the layer, as a logical location), and a partial fingerprint so a
 * re-run does not open the same alert twice. Findings accepted by the ignore list carry a suppression.
 */

export interface SarifOptions {
  /** The Dockerfile's path relative to the repository root (forward slashes), when --dockerfile was given. */
  dockerfileUri?: string;
  ignore?: IgnoreEntry[];
  version: string;
}

const DOCS = 'https://github.com/msb-tool/msb/blob/main/docs/findings.md';
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { high: 'error', medium: 'warning', low: 'note' };

// SARIF's result object and friends, as much of them as msb writes.
interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: 'error' | 'warning' | 'note';
  message: { text: string };
  locations: Array<{
    physicalLocation?: { artifactLocation: { uri: string; uriBaseId: string }; region: { startLine: number; endLine?: number } };
    logicalLocations: Array<{ name: string; fullyQualifiedName: string; kind: string }>;
  }>;
  partialFingerprints: Record<string, string>;
  suppressions?: Array<{ kind: 'external'; justification: string }>;
  properties: Record<string, unknown>;
}

export function findingMessage(f: Finding): string {
  const more = f.paths.length > 1 ? ` and ${f.paths.length - 1} more path${f.paths.length > 2 ? 's' : ''}` : '';
  // Hardening findings are about what the image allows, never bytes: no "0 B in".
  const what = f.category === 'hardening' ? `${f.paths[0]?.path ?? 'the image config'}${more}` : `${bytes(f.bytes)} in ${f.paths[0]?.path ?? '?'}${more}`;
  return `${what}: ${f.why}. Fix: ${f.fix}`;
}

function ruleTitle(id: string): string {
  return id.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

export function buildSarif(r: InspectResult, opts: SarifOptions) {
  const located = r.attribution.status.source === 'dockerfile' || r.attribution.status.source === 'provenance';
  const uri = opts.dockerfileUri ?? (r.attribution.status.source === 'provenance' ? 'Dockerfile' : undefined);
  const rules: Array<Record<string, unknown>> = [];
  const index = new Map<string, number>();
  for (const f of r.findings.findings) {
    if (index.has(f.rule)) continue;
    index.set(f.rule, rules.length);
    rules.push({
      id: f.rule,
      name: ruleTitle(f.rule),
      shortDescription: { text: `${f.category}: ${f.rule}` },
      fullDescription: { text: f.why },
      help: { text: `${f.why}. Typical fix: ${f.fix}`, markdown: `${f.why}.\n\n**Fix:** ${f.fix}\n\nSee [${f.rule}](${DOCS}#rules).` },
      helpUri: `${DOCS}#rules`,
      defaultConfiguration: { level: LEVEL[f.severity] },
      // GitHub code scanning lists rules tagged `security` as security alerts.
      properties: { category: f.category, tags: ['container-image', f.category, ...(f.category === 'secret' || f.category === 'hardening' ? ['security'] : [])] },
    });
  }
  const results: SarifResult[] = r.findings.findings.map((f) => {
    const layer = r.layers[f.layer];
    const logical = [{ name: `layer ${f.layer}`, fullyQualifiedName: `layer/${f.layer}${f.instruction ? `/${f.instruction}` : ''}`, kind: 'resource' }];
    const loc: SarifResult['locations'][number] = { logicalLocations: logical };
    if (located && uri && f.line !== undefined) {
      const endLine = layer?.origin.endLine;
      loc.physicalLocation = {
        artifactLocation: { uri, uriBaseId: '%SRCROOT%' },
        region: { startLine: f.line, ...(endLine !== undefined && endLine > f.line ? { endLine } : {}) },
      };
    }
    const ignored = ignoredBy(f, opts.ignore);
    return {
      ruleId: f.rule,
      ruleIndex: index.get(f.rule)!,
      level: LEVEL[f.severity],
      message: { text: findingMessage(f) },
      locations: [loc],
      partialFingerprints: { 'msbFinding/v1': findingFingerprint(f) },
      ...(ignored ? { suppressions: [{ kind: 'external' as const, justification: ignored.reason }] } : {}),
      properties: { bytes: f.bytes, category: f.category, severity: f.severity, layer: f.layer, paths: f.paths.map((p) => p.path), ...(f.stage !== undefined ? { stage: f.stage } : {}) },
    };
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0' as const,
    runs: [{
      tool: { driver: { name: 'msb', version: opts.version, informationUri: 'https://github.com/msb-tool/msb', rules } },
      ...(uri && located ? { originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The repository root (the directory msb ran in).' } } } } : {}),
      results,
      properties: {
        image: r.image.reference,
        totalBytes: r.summary.totalBytes,
        wastedBytes: r.summary.wastedBytes,
        potentialSavingsBytes: r.summary.potentialSavingsBytes,
      },
    }],
  };
}
