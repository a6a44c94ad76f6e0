import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { MsbError } from '../errors.js';
import type { CiPolicy, DiveValue, IgnoreEntry, Limit } from '../report/ci.js';
import { CATEGORIES, SEVERITIES } from '../report/gate.js';

/**
 * Reads the CI gate's configuration: dive's `.dive-ci` / `.dive-ci.yml` (or `--ci-config FILE`) and
 * msb's `.msb.yml` (or `--config FILE`). Every problem is bad input (exit 2) reported as
 * `FILE:LINE: what is wrong`, with the line taken from the YAML node.
 */

export interface LoadedConfig {
  file: string;
  policy: CiPolicy;
}

class Located {
  constructor(
    readonly file: string,
    readonly lines: LineCounter,
  ) {}
  err(node: Node | null | undefined, what: string): MsbError {
    const at = node?.range ? this.lines.linePos(node.range[0]).line : 1;
    return new MsbError(`${this.file}:${at}: ${what}`);
  }
}

function readYaml(file: string, shown: string): { root: Node | null; at: Located } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MsbError(`${shown}: cannot read the config file (${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message})`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = new Located(shown, lines);
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line;
    throw new MsbError(`${shown}:${line}: invalid YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  return { root: doc.contents as Node | null, at };
}

const UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12,
  ki: 1024, kib: 1024, mi: 1024 ** 2, mib: 1024 ** 2, gi: 1024 ** 3, gib: 1024 ** 3, ti: 1024 ** 4, tib: 1024 ** 4,
};

/** "20MB" (10^6), "20MiB" (2^20), "20 M", "1200" → bytes, as dive reads highestWastedBytes. */
export function parseBytes(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v);
  if (!m || !(m[2].toLowerCase() in UNITS)) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2].toLowerCase()]);
}

/** "5%" or 5 with percent → 0.05. */
function parsePercent(v: unknown): number | undefined {
  const m = typeof v === 'number' ? [String(v), String(v)] : typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(v) : null;
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= 0 && n <= 100 ? n / 100 : undefined;
}

/** 0.95, "0.95" or "95%" → 0.95. */
export function parseRatio(v: unknown): number | undefined {
  if (typeof v === 'number') return v >= 0 && v <= 1 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(v);
  if (!m) return undefined;
  const n = m[2] ? Number(m[1]) / 100 : Number(m[1]);
  return n >= 0 && n <= 1 ? n : undefined;
}

/** A limit: `20MB` (bytes), `5%` (share), or `{ percent: 5, minBytes: 10MB }` (both must be exceeded). */
function parseLimit(node: Node, at: Located, key: string): Limit {
  if (isMap(node)) {
    const out: Limit = {};
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : '';
      const vNode = pair.value as Node;
      const v = isScalar(vNode) ? vNode.value : undefined;
      if (k === 'percent') {
        const f = parsePercent(v);
        if (f === undefined) throw at.err(vNode, `${key}.percent: expected a percentage between 0 and 100, e.g. 5 or 5%`);
        out.fraction = f;
      } else if (k === 'minBytes') {
        const b = parseBytes(v);
        if (b === undefined) throw at.err(vNode, `${key}.minBytes: expected a size like 10MB, 10MiB or 1200`);
        out.bytes = b;
      } else throw at.err(pair.key as Node, `${key}: unknown key "${k}" (expected percent, minBytes)`);
    }
    if (out.bytes === undefined && out.fraction === undefined) throw at.err(node, `${key}: give percent, minBytes or both`);
    return out;
  }
  const v = isScalar(node) ? node.value : undefined;
  if (typeof v === 'string' && v.trim().endsWith('%')) {
    const f = parsePercent(v);
    if (f === undefined) throw at.err(node, `${key}: expected a percentage between 0% and 100%`);
    return { fraction: f };
  }
  const b = parseBytes(v);
  if (b === undefined) throw at.err(node, `${key}: expected a size (20MB, 20MiB, 1200), a percentage (5%) or { percent, minBytes }`);
  return { bytes: b };
}

const MSB_KEYS = ['maxSize', 'maxWaste', 'minEfficiency', 'maxSavings', 'failOn', 'maxGrowth', 'maxNewFindings', 'ignore'];

/** `.msb.yml`: msb's own rules and the ignore list. */
export function loadMsbConfig(file: string, shown: string): LoadedConfig {
  const { root, at }: { root: Node | null; at: Located } = readYaml(file, shown);
  const policy: CiPolicy = {};
  if (root === null || (isScalar(root) && root.value === null)) return { file: shown, policy };
  if (!isMap(root)) throw at.err(root, `expected a mapping of rules (${MSB_KEYS.join(', ')})`);
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const node = pair.value as Node;
    if (!node) throw at.err(pair.key as Node, `${key}: missing value`);
    const v = isScalar(node) ? node.value : undefined;
    switch (key) {
      case 'maxSize': {
        const b = parseBytes(v);
        if (b === undefined) throw at.err(node, 'maxSize: expected a size like 500MB, 1.5GiB or 1200');
        policy.maxSize = b;
        break;
      }
      case 'maxWaste':
      case 'maxSavings':
      case 'maxGrowth':
        policy[key] = parseLimit(node, at, key);
        break;
      case 'minEfficiency': {
        const r = parseRatio(v);
        if (r === undefined) throw at.err(node, 'minEfficiency: expected a ratio between 0 and 1 (0.95) or a percentage (95%)');
        policy.minEfficiency = r;
        break;
      }
      case 'maxNewFindings': {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw at.err(node, 'maxNewFindings: expected a whole number ≥ 0');
        policy.maxNewFindings = v;
        break;
      }
      case 'failOn': {
        const items = isSeq(node)
          ? node.items.map((n) => (isScalar(n) ? String(n.value).trim().toLowerCase() : ''))
          : typeof v === 'string' ? v.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean) : [];
        const bad = items.filter((x) => !CATEGORIES.includes(x) && !SEVERITIES.includes(x));
        if (!items.length || bad.length) {
          throw at.err(node, `failOn: ${bad.length ? `unknown "${bad[0]}"` : 'empty'}: expected categories (${CATEGORIES.join(', ')}) or severities (${SEVERITIES.join(', ')})`);
        }
        policy.failOn = items;
        break;
      }
      case 'ignore': {
        if (!isSeq(node)) throw at.err(node, 'ignore: expected a list of { path and/or rule, reason }');
        policy.ignore = node.items.map((item) => parseIgnore(item as Node, at));
        break;
      }
      default:
        throw at.err(pair.key as Node, `unknown key "${key}" (expected ${MSB_KEYS.join(', ')})`);
    }
  }
  return { file: shown, policy };
}

function parseIgnore(node: Node, at: Located): IgnoreEntry {
  if (!isMap(node)) throw at.err(node, 'ignore: each entry is a mapping { path and/or rule, reason }');
  const out: Partial<IgnoreEntry> = {};
  for (const pair of node.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : '';
    const vNode = pair.value as Node;
    const v = isScalar(vNode) ? vNode.value : undefined;
    if (k !== 'path' && k !== 'rule' && k !== 'reason') throw at.err(pair.key as Node, `ignore: unknown key "${k}" (expected path, rule, reason)`);
    if (typeof v !== 'string' || !v.trim()) throw at.err(vNode ?? (pair.key as Node), `ignore.${k}: expected a non-empty string`);
    out[k] = v.trim();
  }
  if (out.path === undefined && out.rule === undefined) throw at.err(node, 'ignore: an entry needs a path glob or a rule id');
  if (out.reason === undefined) throw at.err(node, 'ignore: an entry needs a reason (why this is accepted)');
  return out as IgnoreEntry;
}

const DIVE_RULES = ['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent'] as const;

/** dive's `.dive-ci`: `rules: { lowestEfficiency, highestWastedBytes, highestUserWastedPercent }`, each a value or "disabled". */
export function loadDiveConfig(file: string, shown: string): LoadedConfig {
  const { root, at }: { root: Node | null; at: Located } = readYaml(file, shown);
  const dive: NonNullable<CiPolicy['dive']> = {};
  if (root === null || (isScalar(root) && root.value === null)) return { file: shown, policy: { dive } };
  if (!isMap(root)) throw at.err(root, 'expected a mapping with "rules"');
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key !== 'rules') throw at.err(pair.key as Node, `unknown key "${key}" (expected rules)`);
    const rules = pair.value as Node;
    if (rules === null || (isScalar(rules) && rules.value === null)) continue;
    if (!isMap(rules)) throw at.err(rules, `rules: expected a mapping of ${DIVE_RULES.join(', ')}`);
    for (const r of rules.items) {
      const name = isScalar(r.key) ? String(r.key.value) : '';
      const node = r.value as Node;
      const v = isScalar(node) ? node.value : undefined;
      if (!(DIVE_RULES as readonly string[]).includes(name)) throw at.err(r.key as Node, `rules: unknown rule "${name}" (expected ${DIVE_RULES.join(', ')})`);
      const value = parseDiveValue(name as (typeof DIVE_RULES)[number], v);
      if (value === undefined) throw at.err(node ?? (r.key as Node), `rules.${name}: ${DIVE_EXPECT[name as (typeof DIVE_RULES)[number]]}`);
      dive[name as (typeof DIVE_RULES)[number]] = value;
    }
  }
  return { file: shown, policy: { dive } };
}

const DIVE_EXPECT = {
  lowestEfficiency: 'expected a ratio between 0 and 1 (e.g. 0.95) or "disabled"',
  highestWastedBytes: 'expected a size (20MB, 20MiB, plain bytes) or "disabled"',
  highestUserWastedPercent: 'expected a ratio between 0 and 1 (e.g. 0.1 for 10%) or "disabled"',
};

export function parseDiveValue(name: (typeof DIVE_RULES)[number], v: unknown): DiveValue | undefined {
  if (typeof v === 'string' && v.trim().toLowerCase() === 'disabled') return 'disabled';
  if (name === 'highestWastedBytes') return parseBytes(v);
  return parseRatio(v);
}

/** A dive-named flag's value; bad values are exit 2 naming the flag. */
export function diveFlag(name: (typeof DIVE_RULES)[number], v: string): DiveValue {
  const value = parseDiveValue(name, v);
  if (value === undefined) throw new MsbError(`invalid --${name} "${v}": ${DIVE_EXPECT[name]}`);
  return value;
}

/** The first of `names` that exists in `dir`. */
export function findConfig(dir: string, names: string[]): string | undefined {
  for (const n of names) {
    try {
      readFileSync(path.join(dir, n));
      return n;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR') continue;
      throw new MsbError(`${n}: cannot read the config file (${code ?? (e as Error).message})`);
    }
  }
  return undefined;
}

/** `--max-growth 10%`, `5MB`, or `10%,5MB` (both must be exceeded). */
export function parseLimitFlag(s: string, flag: string): Limit {
  const out: Limit = {};
  for (const part of s.split(',').map((x) => x.trim()).filter(Boolean)) {
    if (part.endsWith('%')) {
      const f = parsePercent(part);
      if (f === undefined) throw new MsbError(`invalid ${flag} "${s}": expected a percentage like 10%`);
      out.fraction = f;
    } else {
      const b = parseBytes(part);
      if (b === undefined) throw new MsbError(`invalid ${flag} "${s}": expected a size (5MB), a percentage (10%) or both (10%,5MB)`);
      out.bytes = b;
    }
  }
  if (out.bytes === undefined && out.fraction === undefined) throw new MsbError(`invalid ${flag} "${s}": expected a size (5MB), a percentage (10%) or both (10%,5MB)`);
  return out;
}
