import type { FindingCategory, Severity } from '../types.js';

/** The shapes of the catalog's rules, apart from the rules so that every category module can use them. */

/** How a fix is phrased; see fix.ts. */
export type FixKind =
  | 'toolchain'
  | 'apt-lists'
  | 'apt-cache'
  | 'apk-cache'
  | 'pip-cache'
  | 'npm-cache'
  | 'yarn-cache'
  | 'pnpm-store'
  | 'go-cache'
  | 'cargo-cache'
  | 'maven-cache'
  | 'gradle-cache'
  | 'gem-cache'
  | 'composer-cache'
  | 'cache'
  | 'build-output'
  | 'dev-deps'
  | 'docs'
  | 'leftover'
  | 'secret';

export interface Rule {
  id: string;
  category: FindingCategory;
  severity: Severity;
  /** What it matches, in words (for docs and --explain). */
  matches: string;
  /** One line: why it matters. */
  why: string;
  fix: FixKind;
  /** Patterns (any may match), or a function for rules with exclusions. */
  test: RegExp | RegExp[] | ((path: string) => boolean);
  /** For function rules: patterns every match also matches (feeds the quick pre-check). */
  hint?: RegExp[];
}

/** Secret rules: matched on every file of every layer, deleted or not (a deleted file still ships). */
export interface SecretRule {
  id: string;
  severity: Severity;
  matches: string;
  why: string;
  /** A path that may hold this kind of secret. */
  name: RegExp;
  /** Confirms from content; when absent the name alone is evidence. Never returns content. */
  confirm?: (content: string) => boolean;
  /** Content rules: recognises the secret from the file's first bytes, whatever its name. */
  sniff?: (bytes: Buffer, latin1: string) => boolean;
}
