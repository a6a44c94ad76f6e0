import { CACHE_RULES, CARGO_CACHE_RULE } from './rules/cache.js';
import { LEFTOVER_RULES } from './rules/leftover.js';
import type { Rule } from './rules/rule.js';
import { SOURCE_RULES } from './rules/source.js';
import { TOOLCHAIN_RULES } from './rules/toolchain.js';

export type { FixKind, Rule, SecretRule } from './rules/rule.js';
export { CONTENT_RULES, SECRET_RULES } from './rules/secrets.js';

/**
 * The rule catalog: what msb calls a stray build artifact. Path rules run in this order over every
 * file visible in the final image and the first match claims the file, so no byte is counted twice.
 * Files owned by a toolchain package (package database) are claimed before any path rule.
 * Rules are deliberately narrow: runtime files that merely look technical (libgcc_s, Python's own
 * .py files, CA certificates, shared libraries) match nothing.
 */

export function ruleMatches(r: Rule, path: string): boolean {
  if (typeof r.test === 'function') return r.test(path);
  if (Array.isArray(r.test)) return r.test.some((x) => x.test(path));
  return r.test.test(path);
}

let anyRule: RegExp | undefined;
/**
 * The first rule matching `path`, or undefined. Most files match no rule, so one combined pattern
 * (the union of every rule's patterns and hints) answers those in a single regex pass.
 */
export function firstRule(path: string): Rule | undefined {
  anyRule ??= new RegExp(
    RULES.flatMap((r) => (typeof r.test === 'function' ? r.hint ?? [/[^]/] : Array.isArray(r.test) ? r.test : [r.test]))
      .map((x) => `(?:${x.source})`)
      .join('|'),
  );
  if (!anyRule.test(path)) return undefined;
  return RULES.find((r) => ruleMatches(r, path));
}

const rustAt = TOOLCHAIN_RULES.findIndex((r) => r.id === 'toolchain-rust');
/**
 * Every path rule in match order: by category, except that cargo's registry is claimed as a cache
 * before toolchain-rust claims the rest of ~/.cargo.
 */
export const RULES: Rule[] = [
  ...TOOLCHAIN_RULES.slice(0, rustAt),
  CARGO_CACHE_RULE,
  ...TOOLCHAIN_RULES.slice(rustAt),
  ...CACHE_RULES,
  ...SOURCE_RULES,
  ...LEFTOVER_RULES,
];

/** Toolchain files identified through the package database rather than by path. */
export const PACKAGE_RULE: Rule = {
  id: 'toolchain-packages',
  category: 'toolchain',
  severity: 'high',
  matches: 'files owned by compiler/build packages (build-essential, gcc, binutils, make, *-dev, ...) and the libraries only they need, per dpkg/apk database',
  why: 'the build toolchain is only needed to build; the final image needs only the program and its runtime libraries',
  fix: 'toolchain',
  test: () => false,
};

export const DEV_DEPS_RULE: Rule = {
  id: 'node-dev-dependencies',
  category: 'source',
  severity: 'medium',
  matches: "node_modules packages that package.json / node_modules/.package-lock.json mark as devDependencies",
  why: 'devDependencies (test runners, bundlers, type definitions) are not needed to run',
  fix: 'dev-deps',
  test: () => false,
};
