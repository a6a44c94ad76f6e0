import type { FixPlan, Hunk } from '../fix/plan.js';
import type { IgnorePlan } from '../fix/dockerignore.js';
import { bytes } from './format.js';

/**
 * `msb fix` output: a unified diff of the Dockerfile that `patch -p1` and `git apply` take, with
 * what each hunk fixes and saves in its `@@` heading (text both tools ignore), a summary before the
 * diff, and the suggestions msb could not show safe as comments after it.
 */

const CONTEXT = 3;

/** The Dockerfile with every hunk applied. */
export function applyPlan(text: string, plan: FixPlan): string {
  const lines = text.split('\n');
  for (const h of [...plan.hunks].sort((a, b) => b.line - a.line)) {
    lines.splice(h.line - 1, h.endLine - h.line + 1, ...(h.text === '' ? [] : h.text.split('\n')));
  }
  // A rewritten last line gets the final newline the file lacked (the diff shows it so).
  return lines.join('\n') + (rewritesUnterminatedLast(text, plan) ? '\n' : '');
}

/** The file does not end with a newline and a hunk rewrites its last line. */
function rewritesUnterminatedLast(text: string, plan: FixPlan): boolean {
  if (text === '' || text.endsWith('\n')) return false;
  const last = text.split('\n').length;
  return plan.hunks.some((h) => h.endLine === last);
}

const NO_NEWLINE = '\\ No newline at end of file';

const heading = (hs: Hunk[]) =>
  hs.flatMap((h) => h.rewrites).map((r) => `${r.rules.join(', ')}: saves ${bytes(r.bytes)}`).join('; ');

/** The `.dockerignore` part of a fix: where the file is (relative, like the Dockerfile's), its text if it exists, the lines to add. */
export interface IgnoreDiff {
  file: string;
  existing: string | undefined;
  plan: IgnorePlan;
}

/** Unified diff of `file` (as a path relative to where the patch is applied), and of `.dockerignore` when lines are added to it. */
export function renderFixDiff(file: string, text: string, plan: FixPlan, ignore?: IgnoreDiff): string {
  const old = text.split('\n');
  // A final newline makes an empty last element: it is not a line of its own.
  const oldCount = text.endsWith('\n') ? old.length - 1 : old.length;
  const out: string[] = [];
  const rewrites: Array<{ rules: string[]; bytes: number; why: string; evidence?: string[] }> = [
    ...plan.hunks.flatMap((h) => h.rewrites),
    ...(ignore?.plan.lines ?? []).map((l) => ({ rules: l.rules, bytes: l.bytes, why: `${l.pattern} in .dockerignore: ${l.why}` })),
  ];
  const total = plan.bytes + (ignore?.plan.bytes ?? 0);
  out.push(`# msb fix: ${rewrites.length} change${rewrites.length === 1 ? '' : 's'}, predicted saving ${bytes(total)}`);
  for (const r of rewrites) {
    out.push(`#   ${bytes(r.bytes).padStart(9)}  ${r.rules.join(', ')}: ${r.why}`);
    for (const e of r.evidence ?? []) out.push(`#              ${e}`);
  }
  if (plan.hunks.length) {
    out.push(`--- a/${file}`, `+++ b/${file}`);
    // Hunks whose context would overlap are written as one.
    const groups: Hunk[][] = [];
    for (const h of [...plan.hunks].sort((a, b) => a.line - b.line)) {
      const last = groups[groups.length - 1];
      if (last && h.line - last[last.length - 1].endLine <= 2 * CONTEXT + 1) last.push(h);
      else groups.push([h]);
    }
    let shift = 0; // new-file line offset from the hunks before
    for (const g of groups) {
      const start = Math.max(1, g[0].line - CONTEXT);
      const end = Math.min(oldCount, g[g.length - 1].endLine + CONTEXT);
      const body: string[] = [];
      // The old line number of each context or removed line of the body.
      const at: Array<number | undefined> = [];
      const push = (line: string, n?: number) => {
        body.push(line);
        at.push(n);
      };
      let cur = start;
      let added = 0;
      let removed = 0;
      for (const h of g) {
        for (; cur < h.line; cur++) push(` ${old[cur - 1]}`, cur);
        // Lines the rewrite keeps at the start and end of the instruction stay context.
        const was = old.slice(h.line - 1, h.endLine);
        const next = h.text === '' ? [] : h.text.split('\n');
        let head = 0;
        while (head < was.length && head < next.length && was[head] === next[head]) head++;
        let tail = 0;
        while (tail < was.length - head && tail < next.length - head && was[was.length - 1 - tail] === next[next.length - 1 - tail]) tail++;
        was.slice(0, head).forEach((l, i) => push(` ${l}`, h.line + i));
        was.slice(head, was.length - tail).forEach((l, i) => push(`-${l}`, h.line + head + i));
        for (const l of next.slice(head, next.length - tail)) push(`+${l}`);
        was.slice(was.length - tail).forEach((l, i) => push(` ${l}`, h.line + was.length - tail + i));
        removed += was.length - head - tail;
        added += next.length - head - tail;
        cur = h.endLine + 1;
      }
      for (; cur <= end; cur++) push(` ${old[cur - 1]}`, cur);
      // A last line without a newline: marked; rewritten, it gets one (applyPlan adds it too).
      const i = !text.endsWith('\n') && text !== '' ? at.indexOf(oldCount) : -1;
      if (i >= 0 && body[i].startsWith(' ') && rewritesUnterminatedLast(text, plan)) {
        body.splice(i, 1, `-${body[i].slice(1)}`, NO_NEWLINE, `+${body[i].slice(1)}`);
        removed++;
        added++;
      } else if (i >= 0) body.splice(i + 1, 0, NO_NEWLINE);
      const oldLen = end - start + 1;
      const newLen = oldLen - removed + added;
      out.push(`@@ -${start},${oldLen} +${start + shift},${newLen} @@ ${heading(g)}`, ...body);
      shift += newLen - oldLen;
    }
  }
  if (ignore?.plan.lines.length) out.push(...ignoreDiff(ignore));
  const suggestions = [...plan.suggestions, ...(ignore?.plan.suggestions ?? [])];
  if (suggestions.length) {
    out.push('# not applied: msb cannot show these safe from the image alone; do them by hand');
    for (const s of suggestions) out.push(`#   ${bytes(s.bytes).padStart(9)}  ${s.line !== undefined ? `line ${s.line}: ` : ''}${s.rules.join(', ')}: ${s.why}`);
  }
  return `${out.join('\n')}\n`;
}

/** The lines appended to `.dockerignore`, as a diff that creates the file when it does not exist. */
function ignoreDiff({ file, existing, plan }: IgnoreDiff): string[] {
  const add = plan.lines.map((l) => `+${l.pattern}`);
  const head = `@@ ${plan.lines.map((l) => `${l.rules.join(', ')}: saves ${bytes(l.bytes)}`).join('; ')}`;
  if (existing === undefined) return ['--- /dev/null', `+++ b/${file}`, `@@ -0,0 +1,${add.length} ${head}`, ...add];
  const old = existing.split('\n');
  const count = existing === '' ? 0 : existing.endsWith('\n') ? old.length - 1 : old.length;
  if (count === 0) return [`--- a/${file}`, `+++ b/${file}`, `@@ -0,0 +1,${add.length} ${head}`, ...add];
  const start = Math.max(1, count - 2);
  const ctx = old.slice(start - 1, count);
  const body = ctx.map((l) => ` ${l}`);
  // A last line without a newline gets one: the diff shows it replaced.
  if (!existing.endsWith('\n')) body.splice(body.length - 1, 1, `-${ctx[ctx.length - 1]}`, '\\ No newline at end of file', `+${ctx[ctx.length - 1]}`);
  const oldLen = ctx.length;
  return [`--- a/${file}`, `+++ b/${file}`, `@@ -${start},${oldLen} +${start},${oldLen + add.length} ${head}`, ...body, ...add];
}
