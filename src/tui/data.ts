import type { ImageDiff } from '../analysis/diff.js';
import type { Theme } from './theme.js';
import type { Analysis } from '../analysis/types.js';
import type { Finding } from '../analysis/findings/types.js';
import type { LayerOrigin } from '../analysis/origin.js';

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
