import type { Finding } from '../../analysis/findings/types.js';
import type { RuntimeSet } from '../../analysis/findings/runtime.js';
import { bytes } from '../../report/format.js';

/**
 * The Evidence view (key e on a finding): why msb believes the selected finding — its rule, the
 * basis and confidence, the facts that prove it, the packages and paths — and what the image runs,
 * with what msb kept because the entrypoint needs it. Logical lines only; the pane wraps them.
 */

export type EvidenceStyle = 'title' | 'head' | 'text' | 'dim' | 'warn';

export interface EvidenceLine {
  text: string;
  style: EvidenceStyle;
  /** Continuation lines of a wrapped item start under its text, not under the bullet. */
  indent?: number;
}

const BASIS: Record<NonNullable<Finding['evidence']>['basis'], string> = {
  'package-database': 'the package database (which installed package owns each file)',
  path: 'a path rule (where the file sits and what it is called)',
  content: "the file's own bytes",
  config: 'the image config',
  history: "the image's build history",
  layers: 'the layers (what a later layer overwrote or deleted)',
};

/** How many packages and paths are listed before "and N more". */
const LIST_MAX = 40;

export function evidenceLines(f: Finding | undefined, runtime: RuntimeSet | undefined): EvidenceLine[] {
  const out: EvidenceLine[] = [];
  const line = (text: string, style: EvidenceStyle = 'text', indent?: number) => out.push({ text, style, ...(indent ? { indent } : {}) });
  if (f) {
    line(`${f.rule} · ${f.category} · ${f.severity}${f.bytes ? ` · ${bytes(f.bytes)}` : ''}`, 'title');
    const ev = f.evidence;
    if (ev) {
      line(`confidence ${ev.confidence} · from ${BASIS[ev.basis]}`, ev.confidence === 'low' ? 'warn' : 'text');
      if (ev.confidence === 'low') line('low: what the image runs could not be resolved, so this rests on names; check before removing', 'warn');
    }
    const where = [f.stage !== undefined ? `stage ${f.stage}` : '', f.line !== undefined ? `line ${f.line}` : ''].filter(Boolean).join(', ');
    line(`layer ${f.layer}${where ? ` (${where})` : ''}: ${f.instruction || '(no instruction recorded)'}`, 'dim');
    if (f.why) line(`why: ${f.why}`);
    if (f.fix) line(`fix: ${f.fix}`);
    if (ev?.facts.length) {
      line('what proves it', 'head');
      for (const fact of ev.facts) line(`• ${fact}`, 'text', 2);
    }
    if (f.packages?.length) {
      line(`packages (${f.packages.length})`, 'head');
      line(listed(f.packages), 'text', 2);
    }
    if (f.paths.length) {
      line(`paths (${f.paths.length})`, 'head');
      for (const p of f.paths.slice(0, LIST_MAX)) line(`${bytes(p.bytes).padStart(9)}  /${p.path.replace(/^\/+/, '')}${p.count > 1 ? ` (${p.count} files)` : ''}`, 'text', 11);
      if (f.paths.length > LIST_MAX) line(`… and ${f.paths.length - LIST_MAX} more`, 'dim');
    }
  } else {
    line('no finding selected', 'dim');
  }
  line('', 'text');
  out.push(...runtimeLines(runtime));
  return out;
}

/** What the image runs and what that keeps: the runtime set every build-only verdict is measured against. */
export function runtimeLines(rt: RuntimeSet | undefined): EvidenceLine[] {
  if (!rt) return [{ text: 'what the image runs: not known (no findings were computed)', style: 'dim' }];
  const cmd = rt.command.length ? rt.command.join(' ') : '(no entrypoint or cmd)';
  const out: EvidenceLine[] = [{ text: `what the image runs: ${cmd}`, style: 'head' }];
  if (rt.resolved) {
    out.push({ text: `kept: the entrypoint needs them — ${rt.packages.length} package${rt.packages.length === 1 ? '' : 's'}, ${rt.files.length} file${rt.files.length === 1 ? '' : 's'}`, style: 'text' });
  } else {
    out.push({ text: 'not resolved: build-only verdicts rest on names and are marked low confidence', style: 'warn' });
  }
  if (rt.note) out.push({ text: rt.note, style: rt.resolved ? 'dim' : 'warn' });
  for (const e of rt.evidence) out.push({ text: `• ${e}`, style: 'text', indent: 2 });
  if (rt.packages.length) out.push({ text: `packages kept: ${listed(rt.packages)}`, style: 'dim', indent: 2 });
  return out;
}

function listed(names: string[]): string {
  const shown = names.slice(0, LIST_MAX).join(', ');
  return names.length > LIST_MAX ? `${shown}, … and ${names.length - LIST_MAX} more` : shown;
}
