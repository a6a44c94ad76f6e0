import type { Finding } from '../analysis/findings/types.js';
import type { InspectResult } from '../pipeline/types.js';
import { ignoredBy, signed, signedPercent, type CiVerdict, type IgnoreEntry } from './ci.js';
import { bytes, percent } from './format.js';

/**
 * A GitHub-flavoured Markdown summary for a pull-request comment: a headline (size, potential
 * savings, exact waste, the delta against a baseline, the gate's verdict), a table of the top
 * findings with bytes and Dockerfile line, and the rest folded in <details>.
 */

export interface MarkdownOptions {
  verdict?: CiVerdict;
  ignore?: IgnoreEntry[];
  /** The Dockerfile path shown in the "where" column (default "Dockerfile"). */
  dockerfileUri?: string;
  /** Findings shown before the fold. */
  top?: number;
}

/** A table cell: one line, pipes escaped, no HTML. */
function cell(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function code(s: string): string {
  const t = s.replace(/\s+/g, ' ');
  return t.includes('`') ? `\`\` ${t} \`\`` : `\`${t}\``;
}

function findingRow(f: Finding, df: string): string {
  const where = f.line !== undefined ? `${df}:${f.line}${f.stage !== undefined ? ` (stage ${f.stage})` : ''}` : `layer ${f.layer}`;
  const more = f.paths.length > 1 ? ` +${f.paths.length - 1} more` : '';
  return `| ${f.severity} | ${code(f.rule)} | ${code(f.paths[0]?.path ?? '')}${more} | ${bytes(f.bytes)} | ${cell(where)} | ${cell(f.fix)} |`;
}

const HEAD = ['| severity | rule | path | bytes | where | fix |', '| --- | --- | --- | ---: | --- | --- |'];

export function renderMarkdown(r: InspectResult, opts: MarkdownOptions = {}): string {
  const s = r.summary;
  const df = opts.dockerfileUri ?? 'Dockerfile';
  const v = opts.verdict;
  const out: string[] = [];
  const status = v ? (v.pass ? '✅ passed' : `❌ failed (${v.tally.failed} of ${v.tally.total} rules)`) : '';
  out.push(`### msb: ${code(r.image.reference)}${status ? ` — ${status}` : ''}`, '');
  out.push('| | |', '| --- | --- |');
  out.push(`| image size | ${bytes(s.totalBytes)} in ${s.layers} layer${s.layers === 1 ? '' : 's'} |`);
  out.push(`| potential savings | ${bytes(s.potentialSavingsBytes)} (${percent(s.totalBytes ? s.potentialSavingsBytes / s.totalBytes : 0)}) |`);
  out.push(`| exact waste | ${bytes(s.wastedBytes)} (efficiency ${percent(Math.round(s.efficiency * 1e6) / 1e6)}) |`);
  if (v?.baseline) {
    const b = v.baseline;
    out.push(`| vs ${cell(b.reference)} | size ${signed(b.totalBytesDelta)} (${signedPercent(b.totalBytesDelta, s.totalBytes - b.totalBytesDelta)}), waste ${signed(b.wastedBytesDelta)}, ${b.newFindings} new finding${b.newFindings === 1 ? '' : 's'} |`);
  }
  out.push('');
  if (v && v.rules.length) {
    const failed = v.rules.filter((x) => x.status === 'FAIL');
    if (failed.length) {
      out.push('**Failed rules**', '');
      for (const x of failed) out.push(`- ${code(x.id)}: ${cell(x.message)}`);
      out.push('');
    }
  }
  const findings = r.findings.findings.filter((f) => !ignoredBy(f, opts.ignore));
  const top = opts.top ?? 5;
  if (findings.length === 0) out.push('No findings.', '');
  else {
    out.push(`**Top findings** (${findings.length} in all)`, '', ...HEAD, ...findings.slice(0, top).map((f) => findingRow(f, df)), '');
    if (findings.length > top) {
      out.push(`<details><summary>${findings.length - top} more finding${findings.length - top === 1 ? '' : 's'}</summary>`, '', ...HEAD, ...findings.slice(top).map((f) => findingRow(f, df)), '', '</details>', '');
    }
  }
  const ignored = r.findings.findings.length - findings.length;
  if (ignored) out.push(`_${ignored} finding${ignored === 1 ? '' : 's'} accepted by the ignore list._`, '');
  return `${out.join('\n').trimEnd()}\n`;
}
