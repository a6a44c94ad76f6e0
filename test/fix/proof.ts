import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { ROOT } from '../helpers/cli.js';
import { type Buildah, msbJson } from './buildah.js';

/**
 * The rebuild proof every `msb fix` fixture goes through: `msb fix --apply` on the image built from
 * the fixture's Dockerfile, the rewrites expected and no others, a rebuild with buildah, the app
 * still giving its output, the saving within the bounds (at least 90% of the prediction, the
 * prediction at most 10% over), and a second `msb fix` on the rebuilt image with nothing more to
 * rewrite (a fixed point).
 */

export type Rewrite = { rules: string[]; bytes: number; why: string; evidence?: string[] };
export type Plan = { predictedSavingsBytes: number; hunks: Array<{ line: number; text: string; rewrites: Rewrite[] }>; suggestions: Rewrite[] };

export interface Proof {
  name: string;
  /** The fixture's Dockerfile. */
  dockerfile: string;
  /** The image built from it, and how long the fixture's build took. */
  image: () => Promise<{ tar: string; timing: string }>;
  /** Writes the build context into the (empty) dir given. */
  context: (ctx: string) => void;
  /** The rules of the rewrites applied, sorted. */
  rules: string[];
  /** Checks the rewritten Dockerfile. */
  check: (fixed: string, original: string) => void;
  run: string[];
  output: RegExp;
}

/** localhost/debian-base:latest in `bh`'s store: the debootstrap minbase every Debian fixture builds FROM. */
export function buildDebianBase(bh: Buildah): void {
  const env = { ...process.env, MSB_FIXTURE_CACHE: process.env.MSB_FIXTURE_CACHE ?? path.join(tmpdir(), 'msb-findings-fixtures') };
  const minbase = execFileSync('bash', [path.join(ROOT, 'test/fixtures/debian-minbase.sh')], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 900_000 }).trim();
  const ctx = path.join(bh.dir, 'base');
  mkdirSync(ctx);
  copyFileSync(minbase, path.join(ctx, 'base.tar'));
  bh.build(path.join(ROOT, 'test/fixtures/dockerfiles/debian-minbase.Dockerfile'), 'localhost/debian-base:latest', ctx);
  rmSync(ctx, { recursive: true, force: true });
}

/** Runs the proof; returns the plan and both inspect results for checks of the fixture's own. */
export async function prove(t: TestContext, bh: Buildah, c: Proof) {
  const { tar: beforeTar, timing } = await c.image();
  const ctx = path.join(bh.dir, c.name);
  mkdirSync(ctx, { recursive: true });
  c.context(ctx);
  const df = path.join(ctx, 'Dockerfile');
  copyFileSync(c.dockerfile, df);
  const plan: Plan = await msbJson(['fix', beforeTar, '--dockerfile', df, '--format', 'json', '--apply']);
  assert.deepEqual(plan.hunks.flatMap((h) => h.rewrites.flatMap((r) => r.rules)).sort(), c.rules, JSON.stringify(plan, null, 1));
  c.check(readFileSync(df, 'utf8'), readFileSync(c.dockerfile, 'utf8'));

  const tag = `localhost/${c.name}:after`;
  const rebuild = bh.build(df, tag, ctx, 1_400_000);
  const afterTar = bh.save(tag, path.join(bh.dir, `${c.name}-after.tar`));
  assert.match(bh.run(tag, c.run), c.output);
  const [before, after] = [await msbJson(['inspect', beforeTar, '--json']), await msbJson(['inspect', afterTar, '--json', '--files'])];
  const predicted = plan.predictedSavingsBytes;
  const actual = before.summary.totalBytes - after.summary.totalBytes;
  t.diagnostic(`${c.name}: before ${before.summary.totalBytes} B (build: ${timing}), predicted saving ${predicted} B, after ${after.summary.totalBytes} B (rebuild ${rebuild.toFixed(0)} s), actual saving ${actual} B`);
  assert.ok(actual >= 0.9 * predicted && predicted <= 1.1 * actual, `predicted ${predicted}, actual ${actual}`);

  const again: Plan = await msbJson(['fix', afterTar, '--dockerfile', df, '--format', 'json']);
  assert.deepEqual(again.hunks, [], 'a fixed point: nothing more to rewrite');
  return { plan, again, before, after };
}

/** The image and build time of a fixture set's `name`.tar (its timing.txt). */
export function fixtureImage(image: (n: string) => string, name: string) {
  return { tar: image(`${name}.tar`), timing: readFileSync(image('timing.txt'), 'utf8').trim() };
}
