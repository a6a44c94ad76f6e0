import { MsbError } from '../errors.js';
import type { Finding } from '../analysis/findings/types.js';
import type { InspectResult } from '../pipeline/types.js';
import { bytes, percent } from './format.js';

/**
 * The CI gate: thresholds on an inspect report. Each check passes or fails with the measured value;
 * the command exits 1 when any fails (2 stays reserved for bad input).
 */

export interface GateLimits {
  /** Largest allowed image size (sum of layer bytes). */
  maxSize?: number;
  /** Largest allowed wasted bytes, absolute or as a fraction of the image size. */
  maxWaste?: { bytes?: number; fraction?: number };
  /** Smallest allowed efficiency (finalBytes / totalBytes), 0..1. */
  minEfficiency?: number;
  /** Fail on any finding of these categories or severities (e.g. secret, high). */
  failOn?: string[];
  /** Largest allowed potential savings (what the findings' fixes would remove). */
  maxSavings?: number;
}

export const CATEGORIES = ['toolchain', 'cache', 'source', 'leftover', 'secret', 'waste', 'hardening', 'hygiene'];
export const SEVERITIES = ['high', 'medium', 'low'];

/**
 * Whether a `--fail-on` / `failOn` list selects a finding: its category is named, or its severity
 * is. Hardening findings (runs as root, a shell it does not need: advice on nearly every image,
 * never bytes) and hygiene findings (build order, never bytes) are selected only by naming their category, so `--fail-on medium` keeps meaning what it
 * meant before they existed.
 */
export function failOnMatches(f: Pick<Finding, 'category' | 'severity'>, on: readonly string[]): boolean {
  if (on.includes(f.category)) return true;
  return f.category !== 'hardening' && f.category !== 'hygiene' && on.includes(f.severity);
}

/** "secret,high" → ['secret', 'high']; each must be a finding category or severity. */
export function parseFailOn(s: string): string[] {
  const items = s.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);
  const bad = items.filter((x) => !CATEGORIES.includes(x) && !SEVERITIES.includes(x));
  if (items.length === 0 || bad.length) {
    throw new MsbError(`invalid --fail-on "${s}": expected categories (${CATEGORIES.join(', ')}) or severities (${SEVERITIES.join(', ')}), comma-separated`);
  }
  return items;
}

export interface GateCheck {
  name: string;
  limit: string;
  actual: string;
  pass: boolean;
}

export interface GateResult {
  pass: boolean;
  checks: GateCheck[];
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** "500MB", "1.5 GiB", "1200" → bytes. */
export function parseSize(s: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(s);
  const unit = (m?.[2] || 'b').toLowerCase();
  if (!m || !(unit in UNITS)) throw new MsbError(`invalid ${flag} "${s}": expected a size like 500MB, 1.5GiB or 1200`);
  return Math.round(Number(m[1]) * UNITS[unit]);
}

/** "10%" → fraction; "50MB" → bytes. */
export function parseWasteLimit(s: string): { bytes?: number; fraction?: number } {
  const pct = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(s);
  if (pct) return { fraction: Number(pct[1]) / 100 };
  return { bytes: parseSize(s, '--max-waste') };
}

export function parseEfficiency(s: string): number {
  const pct = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(s);
  if (!pct) throw new MsbError(`invalid --min-efficiency "${s}": expected 0.9 or 90%`);
  const v = pct[2] ? Number(pct[1]) / 100 : Number(pct[1]);
  if (v < 0 || v > 1) throw new MsbError(`invalid --min-efficiency "${s}": must be between 0 and 1 (or 0% and 100%)`);
  return v;
}

export function hasLimits(l: GateLimits): boolean {
  return l.maxSize !== undefined || l.maxWaste !== undefined || l.minEfficiency !== undefined || l.failOn !== undefined || l.maxSavings !== undefined;
}

export function evaluateGate(r: InspectResult, l: GateLimits): GateResult {
  const checks: GateCheck[] = [];
  // Efficiency as the JSON report states it (rounded to 1e-6), so the gate and the report agree.
  const s = { ...r.summary, efficiency: Math.round(r.summary.efficiency * 1e6) / 1e6 };
  if (l.maxSize !== undefined) {
    checks.push({ name: 'size', limit: `≤ ${bytes(l.maxSize)}`, actual: bytes(s.totalBytes), pass: s.totalBytes <= l.maxSize });
  }
  if (l.maxWaste?.bytes !== undefined) {
    checks.push({ name: 'wasted bytes', limit: `≤ ${bytes(l.maxWaste.bytes)}`, actual: bytes(s.wastedBytes), pass: s.wastedBytes <= l.maxWaste.bytes });
  }
  if (l.maxWaste?.fraction !== undefined) {
    const f = s.totalBytes ? s.wastedBytes / s.totalBytes : 0;
    checks.push({ name: 'wasted share', limit: `≤ ${percent(l.maxWaste.fraction)}`, actual: percent(f), pass: f <= l.maxWaste.fraction });
  }
  if (l.minEfficiency !== undefined) {
    checks.push({ name: 'efficiency', limit: `≥ ${percent(l.minEfficiency)}`, actual: percent(s.efficiency), pass: s.efficiency >= l.minEfficiency });
  }
  if (l.maxSavings !== undefined) {
    const v = s.potentialSavingsBytes;
    checks.push({ name: 'potential savings', limit: `≤ ${bytes(l.maxSavings)}`, actual: bytes(v), pass: v <= l.maxSavings });
  }
  if (l.failOn !== undefined) {
    const hits = r.findings.findings.filter((f) => failOnMatches(f, l.failOn!));
    const rules = [...new Set(hits.map((f) => f.rule))];
    checks.push({
      name: 'findings',
      limit: `none of ${l.failOn.join(', ')}`,
      actual: hits.length ? `${hits.length} (${rules.slice(0, 4).join(', ')}${rules.length > 4 ? ', …' : ''})` : 'none',
      pass: hits.length === 0,
    });
  }
  return { pass: checks.every((c) => c.pass), checks };
}

export function renderGate(g: GateResult): string {
  const lines = g.checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.actual} (limit ${c.limit})`);
  lines.push(g.pass ? 'msb gate: passed' : `msb gate: FAILED (${g.checks.filter((c) => !c.pass).length} of ${g.checks.length} checks)`);
  return `${lines.join('\n')}\n`;
}
