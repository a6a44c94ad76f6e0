import { accessSync, constants, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MsbError } from '../errors.js';

/**
 * Report outputs: which format goes where (`--format F` and `-o FILE`, paired in order; `--json` and
 * `--text` are `--format json|text` to stdout), and writing a file atomically: a temporary file in
 * the same directory, then a rename, so a reader never sees half a report.
 */

export const FORMATS = ['text', 'json', 'markdown', 'sarif', 'codeclimate', 'html'] as const;
export type Format = (typeof FORMATS)[number];

export interface OutputTarget {
  format: Format;
  /** Absolute path, or undefined for stdout. */
  file?: string;
  /** As given, for messages. */
  shown?: string;
}

function checkFormat(f: string): Format {
  const v = f.trim().toLowerCase();
  if (v === 'md') return 'markdown';
  if (!(FORMATS as readonly string[]).includes(v)) throw new MsbError(`unknown --format "${f}": expected one of ${FORMATS.join(', ')}`);
  return v as Format;
}

/** The format a file name implies when no --format is paired with it. */
function formatOf(file: string): Format {
  const f = file.toLowerCase();
  if (f.endsWith('.sarif') || f.endsWith('.sarif.json')) return 'sarif';
  if (f.endsWith('.md') || f.endsWith('.markdown')) return 'markdown';
  if (f.endsWith('.html') || f.endsWith('.htm')) return 'html';
  if (f.endsWith('codeclimate.json') || f.endsWith('code-quality.json') || f.endsWith('gl-code-quality-report.json')) return 'codeclimate';
  if (f.endsWith('.json')) return 'json';
  return 'text';
}

/** Pairs formats and outputs in order; checks formats and that each output's directory is writable. */
export function planOutputs(formats: string[], outputs: string[], cwd: string): OutputTarget[] {
  const fs = formats.map(checkFormat);
  const targets: OutputTarget[] = [];
  const n = Math.max(fs.length, outputs.length);
  for (let i = 0; i < n; i++) {
    const shown = outputs[i];
    const file = shown !== undefined && shown !== '-' ? path.resolve(cwd, shown) : undefined;
    targets.push({ format: fs[i] ?? formatOf(shown ?? ''), ...(file ? { file, shown } : {}) });
  }
  if (targets.filter((t) => !t.file).length > 1) {
    throw new MsbError(`only one report can go to stdout: give -o FILE for each --format after the first (${targets.filter((t) => !t.file).map((t) => t.format).join(', ')})`);
  }
  for (const t of targets) if (t.file) checkWritable(t.file, t.shown!);
  return targets;
}

function checkWritable(file: string, shown: string) {
  const dir = path.dirname(file);
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(dir, constants.W_OK);
    const st = statSync(file, { throwIfNoEntry: false });
    if (st?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (e) {
    throw new MsbError(`cannot write ${shown}: ${reason(e)}`);
  }
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = { ENOENT: 'no such directory', EACCES: 'permission denied', EROFS: 'read-only file system', ENOTDIR: 'not a directory', EISDIR: 'is a directory', ENOSPC: 'no space left on device', EPERM: 'permission denied' };
  return (code && words[code]) ?? (e as Error).message;
}

/** Writes `text` to `file` all at once or not at all. */
export function writeAtomic(file: string, shown: string, text: string): void {
  let tmpDir: string | undefined;
  try {
    tmpDir = mkdtempSync(path.join(path.dirname(file), `.${path.basename(file)}.`));
    const tmp = path.join(tmpDir, 'report');
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, file);
  } catch (e) {
    throw new MsbError(`cannot write ${shown}: ${reason(e)}`);
  } finally {
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  }
}
