import type { FindingCategory, FindingPath } from '../analysis/findings/types.js';
import type { JsonReport } from './json.js';
import { bytes, padStart, percent, truncate } from './format.js';

/**
 * The answer first: how much of the image can go, then the fixes in order of bytes saved. Findings
 * that share a fix (everything one COPY brings) are merged into one line. Secrets are always listed,
 * by path and kind only.
 */

const CATEGORY_LABEL: Record<FindingCategory, string> = {
  toolchain: 'toolchain',
  cache: 'caches',
  source: 'sources/objects',
  leftover: 'leftovers',
  secret: 'secrets',
  waste: 'wasted',
  hardening: 'hardening',
  hygiene: 'Dockerfile hygiene',
};

interface Fix {
  fix: string;
  bytes: number;
  rules: string[];
  paths: FindingPath[];
}

export function renderFindings(r: JsonReport, width = 100, topFixes = 10): string[] {
  const out: string[] = [];
  const s = r.summary;
  const total = s.totalBytes;
  const cats = (Object.keys(CATEGORY_LABEL) as FindingCategory[])
    .filter((c) => s.findingsBytesByCategory[c] > 0)
    .sort((a, b) => s.findingsBytesByCategory[b] - s.findingsBytesByCategory[a])
    .map((c) => `${CATEGORY_LABEL[c]} ${bytes(s.findingsBytesByCategory[c])}`);
  if (s.potentialSavingsBytes > 0) {
    out.push(
      `Can go: ${bytes(s.potentialSavingsBytes)} of ${bytes(total)} (${percent(total ? s.potentialSavingsBytes / total : 0)})` +
        (cats.length ? ` · ${cats.join(' · ')}` : ''),
    );
  } else {
    out.push('Can go: nothing found: no build toolchain, caches, sources, leftovers or waste');
  }
  const secrets = r.findings.filter((f) => f.category === 'secret');
  if (secrets.length) {
    out.push('');
    out.push(`Secrets (${secrets.length}) — anyone who can pull the image has them`);
    for (const f of secrets) {
      out.push(`  ${f.severity.toUpperCase().padEnd(6)} ${f.rule.replace(/^secret-/, '').padEnd(16)} ${f.paths.map((p) => p.path).join(', ')}`);
      out.push(`         ${wrap(f.fix, Math.max(40, width - 9), 9).join('\n')}`);
    }
  }
  const fixes = new Map<string, Fix>();
  for (const f of r.findings) {
    if (f.category === 'secret' || f.bytes === 0) continue;
    const x = fixes.get(f.fix) ?? { fix: f.fix, bytes: 0, rules: [], paths: [] };
    x.bytes += f.bytes;
    x.rules.push(f.rule);
    x.paths.push(...f.paths);
    fixes.set(f.fix, x);
  }
  const list = [...fixes.values()].sort((a, b) => b.bytes - a.bytes);
  if (list.length) {
    out.push('');
    out.push(`Top fixes by bytes saved${list.length > topFixes ? ` (${topFixes} of ${list.length})` : ''}`);
    list.slice(0, topFixes).forEach((x, i) => {
      const head = `  ${padStart(String(i + 1), 2)}. ${padStart(bytes(x.bytes), 9)}  `;
      out.push(head + wrap(x.fix, Math.max(40, width - head.length), head.length).join('\n'));
      const ev = x.paths
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 3)
        .map((p) => `${p.path}${p.count > 1 ? ` (${p.count} files)` : ''} ${bytes(p.bytes)}`)
        .join(', ');
      out.push(`${' '.repeat(head.length)}${truncate(`[${[...new Set(x.rules)].join(', ')}] ${ev}`, Math.max(40, width - head.length))}`);
    });
    const rest = list.slice(topFixes);
    if (rest.length) out.push(`  … ${rest.length} more fixes, ${bytes(rest.reduce((a, x) => a + x.bytes, 0))} (--json lists all findings)`);
  }
  if (r.toolchainPackages.length) {
    const layers = [...new Set(r.toolchainPackages.map((p) => p.layer))].sort((a, b) => a - b);
    const top = r.toolchainPackages.slice(0, 6).map((p) => `${p.name} ${bytes(p.bytes)}`);
    out.push('');
    out.push(
      `Toolchain packages: ${r.toolchainPackages.length}, installed in layer ${layers.join(', ')}: ${top.join(', ')}${r.toolchainPackages.length > 6 ? ', …' : ''}`,
    );
  }
  return out;
}

/** Word-wraps `s` to `w` columns; continuation lines are indented by `indent`. */
function wrap(s: string, w: number, indent: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of s.split(' ')) {
    if (cur && cur.length + 1 + word.length > w) {
      lines.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur) lines.push(cur);
  return lines.map((l, i) => (i === 0 ? l : ' '.repeat(indent) + l));
}
