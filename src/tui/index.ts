/**
 * Entry point for the TUI, imported lazily by cli.ts. React runs its development build unless
 * NODE_ENV says otherwise, and that build is several times slower per frame, so production is set
 * before ink and react load (hence the dynamic import).
 */
process.env.NODE_ENV ??= 'production';

export const { runTui, runDiffTui } = await import('./run.js');
export type { RunTuiOptions, RunDiffTuiOptions } from './run.js';
