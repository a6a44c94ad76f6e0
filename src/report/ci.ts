import type { Finding } from '../analysis/findings/types.js';
import { nodeCrypto } from '../lazy-node.js';
import type { InspectResult } from '../pipeline/types.js';
import { bytes, percent } from './format.js';
import { failOnMatches } from './gate.js';
import { byText } from '../text-order.js';

/**
 * The CI gate of `msb inspect --ci`: dive's three rules (lowestEfficiency, highestWastedBytes,
 * highestUserWastedPercent) and msb's own (maxSize, maxWaste, minEfficiency, maxSavings, failOn,
 * maxGrowth, maxNewFindings), each PASS, FAIL or SKIP with the paths behind a failure. A pure
 * mapping of an InspectResult (and, for the growth rules, a baseline report); docs/ci.md describes
 * every rule and how msb's numbers differ from dive's.
 */

/** A limit that may be a size, a share of the image, or both ("fail only if both are exceeded"). */
export interface Limit {
  bytes?: number;
  /** 0..1 */
  fraction?: number;
}

export interface IgnoreEntry {
  /** Glob over absolute paths: `*` within a segment, `**` across segments, `?` one character. */
  path?: string;
  /** A finding rule id (e.g. cache-apt) or a gate rule id (e.g. maxWaste). */
  rule?: string;
  reason: string;
}

/** A dive rule's value: a number, or 'disabled' (SKIP). */
export type DiveValue = number | 'disabled';

export interface CiPolicy {
  /** dive's rules, from .dive-ci or the dive-named flags; undefined = not configured. */
  dive?: {
    lowestEfficiency?: DiveValue;
    highestWastedBytes?: DiveValue;
    /** 0..1, as in .dive-ci (0.1 = 10%). */
    highestUserWastedPercent?: DiveValue;
  };
  maxSize?: number;
  maxWaste?: Limit;
  minEfficiency?: number;
  maxSavings?: Limit;
  failOn?: string[];
  maxGrowth?: Limit;
  maxNewFindings?: number;
  ignore?: IgnoreEntry[];
}

/** What a baseline contributes: a saved JSON report (or one built from a baseline image). */
export interface Baseline {
  reference: string;
  summary: { totalBytes: number; wastedBytes: number; potentialSavingsBytes: number };
  findings: Array<Pick<Finding, 'rule' | 'paths'>>;
}

export type RuleStatus = 'PASS' | 'FAIL' | 'WARN' | 'SKIP';

export interface Offender {
  path: string;
  bytes: number;
  layer: number;
  instruction: string;
  stage?: string;
  line?: number;
  /** For findings: the finding rule. */
  rule?: string;
}

export interface CiRuleResult {
  id: string;
  /** 'dive' for dive's three rules, 'msb' for msb's own. */
  origin: 'dive' | 'msb';
  status: RuleStatus;
  /** Why it failed (or was skipped); '' when it passed. */
  message: string;
  /** The measured value and the limit, for tables. */
  actual: string;
  limit: string;
  /** The biggest paths behind a failure, with the Dockerfile line that shipped them. */
  offenders: Offender[];
}

export interface CiVerdict {
  pass: boolean;
  rules: CiRuleResult[];
  tally: { total: number; passed: number; failed: number; warn: number; skipped: number };
  /** Growth against the baseline, when one was given. */
  baseline?: { reference: string; totalBytesDelta: number; wastedBytesDelta: number; newFindings: number };
  /** Findings accepted by the ignore list, with the reason. */
  ignored: Array<{ rule: string; path: string; reason: string }>;
}

/** dive's defaults when `--ci` runs with no rules configured anywhere. */
export const DIVE_DEFAULTS = { lowestEfficiency: 0.9, highestWastedBytes: 'disabled', highestUserWastedPercent: 0.1 } as const;

const TOP = 5;

/** Glob → RegExp over absolute paths. A pattern without a leading `/` matches at any depth. */
export function globRegExp(pattern: string): RegExp {
  // "dir/**" is the directory and everything below it: the trailing "(/.*)?" covers that.
  const glob = pattern.length > 3 && pattern.endsWith('/**') ? pattern.slice(0, -3) : pattern;
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      // "**/" is any number of whole segments (none too).
      if (glob[i + 1] === '/') {
        re += '(?:.*/)?';
        i++;
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(glob.startsWith('/') ? `^${re}(/.*)?$` : `(^|/)${re}(/.*)?$`);
}

/** One fingerprint per finding: its rule and the set of its paths (stable across re-runs). */
export function findingFingerprint(f: Pick<Finding, 'rule' | 'paths'>): string {
  const key = `${f.rule}\n${f.paths.map((p) => p.path).sort().join('\n')}`;
  return nodeCrypto().createHash('sha256').update(key).digest('hex').slice(0, 32);
}

/** Whether the ignore list accepts this finding (every path matched, rule matched), and why. */
export function ignoredBy(f: Pick<Finding, 'rule' | 'paths'>, ignore: IgnoreEntry[] | undefined): IgnoreEntry | undefined {
  return ignore?.find((e) => {
    if (e.rule !== undefined && e.rule !== f.rule) return false;
    if (e.path === undefined) return e.rule !== undefined;
    const re = globRegExp(e.path);
    return f.paths.length > 0 && f.paths.every((p) => re.test(p.path));
  });
}

function pathIgnored(path: string, ruleId: string, ignore: IgnoreEntry[] | undefined): boolean {
  return !!ignore?.some((e) => e.path !== undefined && (e.rule === undefined || e.rule === ruleId) && globRegExp(e.path).test(path));
}

/** Exceeded when every bound given is exceeded (a percentage with an absolute floor). */
function exceeds(value: number, total: number, l: Limit): boolean {
  const overBytes = l.bytes === undefined || value > l.bytes;
  const overShare = l.fraction === undefined || (total ? value / total : 0) > l.fraction;
  return overBytes && overShare;
}

/** "5.0% and 1 MB": what a value must exceed to fail. */
function overText(l: Limit): string {
  return [l.fraction !== undefined ? percent(l.fraction) : undefined, l.bytes !== undefined ? bytes(l.bytes) : undefined].filter(Boolean).join(' and ');
}

function limitText(l: Limit): string {
  const parts = [];
  if (l.fraction !== undefined) parts.push(`${percent(l.fraction)}`);
  if (l.bytes !== undefined) parts.push(bytes(l.bytes));
  return `≤ ${parts.join(' or ≤ ')}`;
}

export function evaluateCi(r: InspectResult, policy: CiPolicy, baseline?: Baseline): CiVerdict {
  const s = r.summary;
  const origins = r.attribution.origins;
  const efficiency = Math.round(s.efficiency * 1e6) / 1e6;
  const rules: CiRuleResult[] = [];
  const ignore = policy.ignore;

  // Waste offenders: the hidden copies, summed per path, biggest first, minus ignored paths.
  const wasteOffenders = (ruleId: string): Offender[] => {
    const byPath = new Map<string, Offender>();
    for (const w of r.analysis.waste) {
      const p = `/${w.path}`;
      if (pathIgnored(p, ruleId, ignore)) continue;
      const o = byPath.get(p);
      if (o) o.bytes += w.bytes;
      else {
        const origin = origins[w.shippedIn];
        byPath.set(p, { path: p, bytes: w.bytes, layer: w.shippedIn, instruction: r.layers[w.shippedIn]?.instruction ?? '', stage: origin?.stage, line: origin?.line });
      }
    }
    return [...byPath.values()].sort((a, b) => b.bytes - a.bytes || byText(a.path, b.path));
  };
  const ignoredWaste = (ruleId: string) =>
    ignore?.some((e) => e.path !== undefined) ? r.analysis.waste.filter((w) => pathIgnored(`/${w.path}`, ruleId, ignore)).reduce((n, w) => n + w.bytes, 0) : 0;
  const findingOffender = (f: Finding): Offender => ({
    path: f.paths[0]?.path ?? '', bytes: f.bytes, layer: f.layer, instruction: f.instruction, stage: f.stage, line: f.line, rule: f.rule,
  });
  const add = (id: string, origin: 'dive' | 'msb', fail: boolean, actual: string, limit: string, message: string, offenders: () => Offender[]) =>
    rules.push({ id, origin, status: fail ? 'FAIL' : 'PASS', message: fail ? message : '', actual, limit, offenders: fail ? offenders().slice(0, TOP) : [] });
  const skip = (id: string, origin: 'dive' | 'msb') => rules.push({ id, origin, status: 'SKIP', message: 'rule disabled', actual: '', limit: 'disabled', offenders: [] });

  const ignored: CiVerdict['ignored'] = [];
  const live: Finding[] = [];
  for (const f of r.findings.findings) {
    const e = ignoredBy(f, ignore);
    if (e) ignored.push({ rule: f.rule, path: f.paths[0]?.path ?? '', reason: e.reason });
    else live.push(f);
  }

  if (policy.dive) {
    const d = policy.dive;
    if (d.lowestEfficiency !== undefined) {
      if (d.lowestEfficiency === 'disabled') skip('lowestEfficiency', 'dive');
      else {
        const t = d.lowestEfficiency;
        add('lowestEfficiency', 'dive', efficiency < t, String(efficiency), `≥ ${t}`,
          `image efficiency is too low (efficiency=${efficiency} < threshold=${t})`, () => wasteOffenders('lowestEfficiency'));
      }
    }
    if (d.highestWastedBytes !== undefined) {
      if (d.highestWastedBytes === 'disabled') skip('highestWastedBytes', 'dive');
      else {
        const t = d.highestWastedBytes;
        add('highestWastedBytes', 'dive', s.wastedBytes > t, String(s.wastedBytes), `≤ ${t}`,
          `too many bytes wasted (wasted-bytes=${s.wastedBytes} > threshold=${t})`, () => wasteOffenders('highestWastedBytes'));
      }
    }
    if (d.highestUserWastedPercent !== undefined) {
      if (d.highestUserWastedPercent === 'disabled') skip('highestUserWastedPercent', 'dive');
      else {
        const t = d.highestUserWastedPercent;
        const base = r.attribution.status.baseLayers;
        const userWaste = r.analysis.waste.filter((w) => w.shippedIn >= base).reduce((n, w) => n + w.bytes, 0);
        const share = s.totalBytes ? Math.round((userWaste / s.totalBytes) * 1e6) / 1e6 : 0;
        add('highestUserWastedPercent', 'dive', share > t, String(share), `≤ ${t}`,
          `too many bytes wasted outside the base image (user-wasted-share=${share} > threshold=${t})`,
          () => wasteOffenders('highestUserWastedPercent').filter((o) => o.layer >= base));
      }
    }
  }
  // dive prints its rules sorted by name.
  rules.sort((a, b) => byText(a.id, b.id));
  if (policy.maxSize !== undefined) {
    const t = policy.maxSize;
    add('maxSize', 'msb', s.totalBytes > t, bytes(s.totalBytes), `≤ ${bytes(t)}`, `image is ${bytes(s.totalBytes)}, over ${bytes(t)}`, () =>
      r.layers.map((l) => ({ path: `layer ${l.index}`, bytes: l.stats.bytes, layer: l.index, instruction: l.instruction, stage: l.origin.stage, line: l.origin.line }))
        .sort((a, b) => b.bytes - a.bytes));
  }
  if (policy.maxWaste !== undefined) {
    const waste = s.wastedBytes - ignoredWaste('maxWaste');
    const l = policy.maxWaste;
    add('maxWaste', 'msb', exceeds(waste, s.totalBytes, l), `${bytes(waste)} (${percent(s.totalBytes ? waste / s.totalBytes : 0)})`, limitText(l),
      `${bytes(waste)} wasted (${percent(s.totalBytes ? waste / s.totalBytes : 0)} of the image), over ${overText(l)}`, () => wasteOffenders('maxWaste'));
  }
  if (policy.minEfficiency !== undefined) {
    const t = policy.minEfficiency;
    add('minEfficiency', 'msb', efficiency < t, percent(efficiency), `≥ ${percent(t)}`, `efficiency ${percent(efficiency)} is below ${percent(t)}`, () => wasteOffenders('minEfficiency'));
  }
  if (policy.maxSavings !== undefined) {
    const v = live.reduce((n, f) => n + f.bytes, 0);
    const l = policy.maxSavings;
    add('maxSavings', 'msb', exceeds(v, s.totalBytes, l), bytes(v), limitText(l), `msb's fixes would save ${bytes(v)}, over ${overText(l)}`, () => live.map(findingOffender));
  }
  if (policy.failOn !== undefined) {
    const on = policy.failOn;
    const hits = live.filter((f) => failOnMatches(f, on));
    add('failOn', 'msb', hits.length > 0, hits.length ? `${hits.length} finding${hits.length === 1 ? '' : 's'}` : 'none', `none of ${on.join(', ')}`,
      `${hits.length} finding${hits.length === 1 ? '' : 's'} of ${on.join(', ')}: ${[...new Set(hits.map((f) => f.rule))].join(', ')}`, () => hits.map(findingOffender));
  }

  let base: CiVerdict['baseline'];
  if (baseline) {
    const known = new Set(baseline.findings.flatMap((f) => f.paths.map((p) => `${f.rule}\n${p.path}`)));
    const fresh = live.filter((f) => !f.paths.some((p) => known.has(`${f.rule}\n${p.path}`)));
    const delta = s.totalBytes - baseline.summary.totalBytes;
    base = { reference: baseline.reference, totalBytesDelta: delta, wastedBytesDelta: s.wastedBytes - baseline.summary.wastedBytes, newFindings: fresh.length };
    if (policy.maxGrowth !== undefined) {
      const l = policy.maxGrowth;
      add('maxGrowth', 'msb', exceeds(delta, baseline.summary.totalBytes, l), `${signed(delta)} (${signedPercent(delta, baseline.summary.totalBytes)})`, limitText(l),
        `image grew by ${signed(delta)} (${signedPercent(delta, baseline.summary.totalBytes)}) since ${baseline.reference}, over ${overText(l)}`,
        () => (fresh.length ? fresh.map(findingOffender) : wasteOffenders('maxGrowth')));
    }
    if (policy.maxNewFindings !== undefined) {
      const t = policy.maxNewFindings;
      add('maxNewFindings', 'msb', fresh.length > t, String(fresh.length), `≤ ${t}`,
        `${fresh.length} new finding${fresh.length === 1 ? '' : 's'} since ${baseline.reference} (limit ${t})`, () => fresh.map(findingOffender));
    }
  } else {
    if (policy.maxGrowth !== undefined) skipNoBaseline('maxGrowth');
    if (policy.maxNewFindings !== undefined) skipNoBaseline('maxNewFindings');
  }
  function skipNoBaseline(id: string) {
    rules.push({ id, origin: 'msb', status: 'SKIP', message: 'no --baseline given', actual: '', limit: '', offenders: [] });
  }

  const tally = {
    total: rules.length,
    passed: rules.filter((x) => x.status === 'PASS').length,
    failed: rules.filter((x) => x.status === 'FAIL').length,
    warn: rules.filter((x) => x.status === 'WARN').length,
    skipped: rules.filter((x) => x.status === 'SKIP').length,
  };
  return { pass: tally.failed === 0, rules, tally, ...(base ? { baseline: base } : {}), ignored };
}

export function signed(n: number): string {
  return n < 0 ? `-${bytes(-n)}` : `+${bytes(n)}`;
}

export function signedPercent(n: number, of: number): string {
  if (!of) return n ? '+∞%' : '0%';
  const p = (n / of) * 100;
  return `${p < 0 ? '-' : '+'}${Math.abs(p).toFixed(1)}%`;
}

/** Where an offender came from: "layer 3 · Dockerfile:12 (stage build) · RUN ...". */
export function offenderWhere(o: Offender): string {
  const parts = [`layer ${o.layer}`];
  if (o.line !== undefined) parts.push(`Dockerfile:${o.line}${o.stage !== undefined ? ` (stage ${o.stage})` : ''}`);
  if (o.instruction) parts.push(o.instruction.length > 60 ? `${o.instruction.slice(0, 59)}…` : o.instruction);
  return parts.join(' · ');
}

/**
 * The rule table as dive users know it: `  PASS: rule`, `  FAIL: rule: reason` (here followed by
 * the offending paths), `  SKIP: rule: rule disabled`, and the closing `Result:` tally line.
 */
export function renderCi(v: CiVerdict): string {
  const out: string[] = [];
  if (v.baseline) {
    out.push(`Baseline: ${v.baseline.reference}: size ${signed(v.baseline.totalBytesDelta)}, waste ${signed(v.baseline.wastedBytesDelta)}, ${v.baseline.newFindings} new finding${v.baseline.newFindings === 1 ? '' : 's'}`);
  }
  out.push('Results:');
  for (const rule of v.rules) {
    out.push(`  ${rule.status}: ${rule.id}${rule.message ? `: ${rule.message}` : ''}`);
    for (const o of rule.offenders) {
      out.push(`      ${bytes(o.bytes).padStart(9)}  ${o.rule ? `${o.rule} ` : ''}${o.path}  (${offenderWhere(o)})`);
    }
  }
  for (const i of v.ignored) out.push(`  IGNORED: ${i.rule} ${i.path}: ${i.reason}`);
  const t = v.tally;
  out.push(`Result:${v.pass ? 'PASS' : 'FAIL'} [Total:${t.total}] [Passed:${t.passed}] [Failed:${t.failed}] [Warn:${t.warn}] [Skipped:${t.skipped}]`);
  return `${out.join('\n')}\n`;
}
