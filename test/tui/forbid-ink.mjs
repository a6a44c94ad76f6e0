// --import hook for lazy.test.ts: any import of ink or react fails, so a command that succeeds under it
// never loaded the TUI.
import { register } from 'node:module';

const hooks = `export async function resolve(specifier, context, next) {
  if (/^(ink|react)(\\/|$)/.test(specifier)) throw new Error('forbidden import: ' + specifier);
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
