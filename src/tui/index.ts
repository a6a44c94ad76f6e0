/**
 * Entry point for the TUI, imported lazily by cli.ts. React runs its development build unless
 * NODE_ENV says otherwise, and that build is several times slower per frame, so production is set
 * before ink and react load (hence the dynamic import).
 */
process.env.NODE_ENV ??= 'production';

// ink (is-in-ci) and chalk (supports-color) decide once, when they load, that a CI environment
// (CI=true, as in many shells on build machines) gets no interactive frames and no colour. The UI
// opens only when stdin and stdout are terminals, so a person is watching: hide those variables
// while they load.
const ciVars = ['CI', 'CONTINUOUS_INTEGRATION'] as const;
const saved = ciVars.map((k) => [k, process.env[k]] as const);
for (const k of ciVars) delete process.env[k];

export const { runTui, runDiffTui } = await import('./run.js');

for (const [k, v] of saved) {
  if (v === undefined) delete process.env[k];
  else process.env[k] = v;
}
export type { RunTuiOptions, RunDiffTuiOptions } from './run.js';
