/**
 * msb fix's split of a single-stage native build, proven by rebuilding: test/fixtures/split builds a
 * C program and a Go program in place on the debootstrap bookworm minbase (Debian's gcc and Go
 * installed by apt-get in a RUN), and the Rust findings fixture builds its app with Debian's cargo. `msb fix --apply` makes the stage a build stage and appends a
 * runtime stage FROM the same base with the program alone; the image is rebuilt, the program still
 * prints its line, the saving is within 10% of msb's prediction, and msb fix on the rebuilt image
 * proposes nothing more. c-config's program opens a file of the build at run time (no ELF header
 * says so, and no rule calls it build-only): its split stays a suggestion naming that file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { Buildah, msbJson } from './buildah.js';
import { builtFixtures, rustFixtures } from '../findings/fixtures.js';

let W: string;
let bh: Buildah;
let fixture: { dir: string; image: (name: string) => string };
const DIR = path.join(ROOT, 'test/fixtures/split');
before(async () => {
  fixture = await builtFixtures('split', 'timing.txt');
  bh = new Buildah('msb-fix-split-');
  W = bh.dir;
  const env = { ...process.env, MSB_FIXTURE_CACHE: process.env.MSB_FIXTURE_CACHE ?? path.join(tmpdir(), 'msb-findings-fixtures') };
  const minbase = execFileSync('bash', [path.join(ROOT, 'test/fixtures/debian-minbase.sh')], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 900_000 }).trim();
  const ctx = path.join(W, 'base');
  mkdirSync(ctx);
  copyFileSync(minbase, path.join(ctx, 'base.tar'));
  bh.build(path.join(ROOT, 'test/fixtures/dockerfiles/debian-minbase.Dockerfile'), 'localhost/debian-base:latest', ctx);
  rmSync(ctx, { recursive: true, force: true });
});
after(() => bh?.remove());

type Rewrite = { rules: string[]; bytes: number; why: string; evidence?: string[] };
type Plan = { predictedSavingsBytes: number; hunks: Array<{ line: number; text: string; rewrites: Rewrite[] }>; suggestions: Rewrite[] };

/** Copies a fixture's Dockerfile and context to a fresh dir; the Dockerfile's path there. */
function workCopy(name: string, dir = DIR): string {
  const app = path.join(W, name);
  cpSync(path.join(dir, 'ctx'), app, { recursive: true });
  copyFileSync(path.join(dir, `${name}.Dockerfile`), path.join(app, 'Dockerfile'));
  return path.join(app, 'Dockerfile');
}

interface Case {
  name: string;
  dir: string;
  program: string;
  output: RegExp;
  image: () => Promise<{ tar: string; timing: string }>;
  /** Readies the copied context the way the fixture's build.sh does. */
  prepare?: (ctx: string) => void;
}
const split = async (name: string) => ({ tar: fixture.image(`${name}.tar`), timing: readFileSync(fixture.image('timing.txt'), 'utf8').trim() });
const CASES: Case[] = [
  { name: 'c-single', dir: DIR, program: '/src/hello', output: /^hello from a C build split in two$/m, image: () => split('c-single') },
  { name: 'go-single', dir: DIR, program: '/src/hello', output: /^hello from a Go build split in two \(go1\.\d+/m, image: () => split('go-single') },
  {
    name: 'rust-single',
    dir: path.join(ROOT, 'test/fixtures/findings-rust'),
    program: '/src/target/release/app',
    output: /^rust fixture ok 42$/m,
    image: async () => {
      const fx = await rustFixtures();
      return { tar: fx.image('rust-single.tar'), timing: readFileSync(fx.image('timing.txt'), 'utf8').trim() };
    },
    // cargo clones the git dependency from a real repository (findings-rust/build.sh makes it the same way)
    prepare: (ctx) => {
      const repo = path.join(ctx, 'app/itoa-git');
      const git = (...a: string[]) => execFileSync('git', ['-C', repo, ...a], { stdio: 'ignore' });
      git('init', '-q');
      git('add', '-A');
      git('-c', 'user.name=msb', '-c', 'user.email=msb@example.invalid', 'commit', '-qm', 'itoa-git 0.1.0');
    },
  },
];

for (const c of CASES) {
  test(`${c.name}: msb fix --apply splits the stage, the rebuilt image runs, the saving is what msb predicted`, { timeout: 1_500_000 }, async (t) => {
    const { tar: beforeTar, timing } = await c.image();
    const df = workCopy(c.name, c.dir);
    c.prepare?.(path.dirname(df));
    const plan: Plan = await msbJson(['fix', beforeTar, '--dockerfile', df, '--format', 'json', '--apply']);
    const rules = plan.hunks.flatMap((h) => h.rewrites.flatMap((r) => r.rules));
    assert.deepEqual(rules, ['split-stages'], JSON.stringify(plan, null, 1));
    const fixed = readFileSync(df, 'utf8');
    assert.ok(fixed.endsWith(`CMD ["${c.program}"]\n\nFROM localhost/debian-base:latest\nCOPY --from=build ${c.program} ${c.program}\nCMD ["${c.program}"]\n`), fixed);
    // Everything before the appended stage is the original file but for the FROM line.
    const original = readFileSync(path.join(c.dir, `${c.name}.Dockerfile`), 'utf8');
    assert.equal(fixed.slice(0, original.length + ' AS build'.length), original.replace(/^(FROM .*)$/m, '$1 AS build'));

    const buildAfter = bh.build(df, `localhost/${c.name}:after`, path.dirname(df), 1_400_000);
    const afterTar = bh.save(`localhost/${c.name}:after`, path.join(W, `${c.name}-after.tar`));
    assert.match(bh.run(`localhost/${c.name}:after`, [c.program]), c.output);
    const [b, a] = [await msbJson(['inspect', beforeTar, '--json']), await msbJson(['inspect', afterTar, '--json'])];
    const predicted = plan.predictedSavingsBytes;
    const actual = b.summary.totalBytes - a.summary.totalBytes;
    t.diagnostic(`${c.name}: before ${b.summary.totalBytes} B (build: ${timing}), predicted saving ${predicted} B, after ${a.summary.totalBytes} B (rebuild ${buildAfter.toFixed(0)} s), actual saving ${actual} B`);
    assert.ok(actual >= 0.9 * predicted && predicted <= 1.1 * actual, `predicted ${predicted}, actual ${actual}`);

    const again: Plan = await msbJson(['fix', afterTar, '--dockerfile', df, '--format', 'json']);
    assert.deepEqual(again.hunks, [], 'a fixed point: nothing more to rewrite');
    assert.ok(!again.suggestions.some((s) => s.rules.includes('split-stages')));
  });
}

test('c-config: the program opens a file of the build at run time, so the split is a suggestion naming it, never applied', async () => {
  const df = workCopy('c-config');
  const plan: Plan = await msbJson(['fix', fixture.image('c-config.tar'), '--dockerfile', df, '--format', 'json']);
  assert.ok(!plan.hunks.some((h) => h.rewrites.some((r) => r.rules.includes('split-stages'))));
  const split = plan.suggestions.find((s) => s.rules.includes('split-stages'));
  assert.ok(split, JSON.stringify(plan.suggestions));
  assert.match(split.why, /not applied: 1 file\(s\) of the build \(\d+ B\) are not known to be build-only, and the program may open them at run time: \/src\/greeting\.txt/);
  // The other rewrites still apply: the apt lists go in the install RUN.
  assert.ok(plan.hunks.some((h) => h.rewrites.some((r) => r.rules.includes('cache-apt-lists'))));
});
