import type { ImageDiff } from '../analysis/diff.js';
import type { Theme } from './theme.js';
import type { Analysis, TreeNode } from '../analysis/types.js';
import type { Finding } from '../analysis/findings/types.js';
import type { RuntimeSet } from '../analysis/findings/runtime.js';
import type { LayerOrigin } from '../analysis/origin.js';
import type { DiffResult, InspectResult } from '../pipeline/types.js';

/** Everything the TUI shows, computed before it opens. Findings may be empty. */
export interface TuiData {
  /** What was inspected, as given on the command line. */
  reference: string;
  /** e.g. "linux/amd64", or '' when unknown. */
  platform: string;
  analysis: Analysis;
  /** One per layer, in layer order. */
  origins: LayerOrigin[];
  findings: Finding[];
  /** Bytes the findings' fixes would save (no byte counted twice). */
  savings: number;
  /** The Fix view: `msb fix`'s patch as lines, or why there is none. */
  fix?: FixView;
  /** What the image runs and what that keeps (the Evidence view); absent when findings were not computed. */
  runtime?: RuntimeSet;
}

export interface FixView {
  lines: string[];
  /** Predicted bytes saved by the patch. */
  bytes: number;
  changes: number;
  /** Set when there is no patch to show (e.g. no --dockerfile). */
  unavailable?: string;
}

/** One image of a comparison, as the diff screen shows it. */
export interface DiffSideData {
  reference: string;
  analysis: Analysis;
  /** One per layer, in layer order. */
  origins: LayerOrigin[];
}

/** Everything the diff screen shows. */
export interface DiffData {
  before: DiffSideData;
  after: DiffSideData;
  diff: ImageDiff;
}

/** Props of a screen component (App, DiffApp). */
export interface ScreenProps<D> {
  data: D;
  /** Fixed size (tests); otherwise the terminal's, following resizes. */
  width?: number;
  height?: number;
  theme?: Theme;
  onQuit?: () => void;
}

/** What the inspect screen shows of a pipeline result (a view, nothing recomputed). */
export function tuiData(r: InspectResult): TuiData {
  const c = r.image.config;
  return {
    reference: r.image.reference,
    platform: [c.os, c.architecture, c.variant].filter(Boolean).join('/'),
    analysis: r.analysis,
    origins: r.attribution.origins,
    findings: r.findings.findings,
    savings: r.summary.potentialSavingsBytes,
    runtime: r.findings.runtime,
  };
}

/** What the diff screen shows of a comparison. */
export function diffData(d: DiffResult): DiffData {
  const side = (r: InspectResult): DiffSideData => ({ reference: r.image.reference, analysis: r.analysis, origins: r.attribution.origins });
  return { before: side(d.before), after: side(d.after), diff: d.diff };
}

/**
 * Lets go of the file contents the walk captured (package databases, executables' first bytes,
 * secret sniffs: ~17 MB on a 200,000-file image). They served the findings and the fix plan, both
 * computed by now; nothing the screens draw reads them, and the result lives as long as the screen.
 */
export function releaseContents(root: TreeNode): void {
  const stack: TreeNode[] = [root];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.data?.content !== undefined) n.data.content = undefined;
    if (n.children) for (const c of n.children.values()) stack.push(c);
  }
}
