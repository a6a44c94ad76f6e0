import type { ChangeKind } from '../analysis/types.js';

/**
 * Colours, switched off by NO_COLOR (https://no-color.org). Every colour doubles a text mark or a
 * non-colour style (inverse, bold, double border), so nothing is lost without it.
 */
export interface Theme {
  added?: string;
  modified?: string;
  removed?: string;
  metadata?: string;
  waste?: string;
  dim?: string;
  accent?: string;
  dir?: string;
}

const COLOURS: Theme = {
  added: 'green',
  modified: 'yellow',
  removed: 'red',
  metadata: 'magenta',
  waste: 'red',
  dim: 'gray',
  accent: 'cyan',
  dir: 'blue',
};

export function themeFor(env: NodeJS.ProcessEnv = process.env): Theme {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== '' ? {} : COLOURS;
}

export function changeColour(t: Theme, k: ChangeKind | undefined): string | undefined {
  return k ? t[k] : undefined;
}
