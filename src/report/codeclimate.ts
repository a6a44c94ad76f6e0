import type { Severity } from '../analysis/findings/types.js';
import type { InspectResult } from '../pipeline/types.js';
import { findingFingerprint, ignoredBy, type IgnoreEntry } from './ci.js';
import { findingMessage } from './sarif.js';

/**
 * Code Climate JSON, the format of GitLab's code quality report: one issue per finding (findings
 * the ignore list accepts are left out), with a stable fingerprint and the Dockerfile path and line.
 * Without a Dockerfile line the issue points at line 1 of the Dockerfile path (GitLab needs a location).
 */

export interface CodeClimateOptions {
  dockerfileUri?: string;
  ignore?: IgnoreEntry[];
}

const SEVERITY: Record<Severity, 'critical' | 'major' | 'minor'> = { high: 'critical', medium: 'major', low: 'minor' };

export function buildCodeClimate(r: InspectResult, opts: CodeClimateOptions) {
  const uri = opts.dockerfileUri ?? 'Dockerfile';
  return r.findings.findings
    .filter((f) => !ignoredBy(f, opts.ignore))
    .map((f) => ({
      type: 'issue' as const,
      check_name: f.rule,
      description: findingMessage(f),
      categories: [f.category === 'secret' || f.category === 'hardening' ? 'Security' : 'Performance'],
      severity: SEVERITY[f.severity],
      fingerprint: findingFingerprint(f),
      location: { path: uri, lines: { begin: f.line ?? 1 } },
    }));
}
