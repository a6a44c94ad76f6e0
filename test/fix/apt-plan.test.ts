/**
 * msb fix's apt rewrites on hand-made inspect results (the image's side reduced to what the planner
 * reads: each layer's Dockerfile line, the findings and the recommends-only evidence), for the
 * Dockerfile shapes the rebuild test does not build: what composes, and what stays a suggestion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planFixes } from '../../src/fix/plan.js';
import { applyPlan } from '../../src/report/fix.js';
import type { InspectResult } from '../../src/pipeline/types.js';

const LISTS = 40_000_000;
const REC = 5_000_000;

/** A result whose layer i was made by Dockerfile line lines[i] (FROM's line for the base layer); the lists in `listsLayer`, Recommends in `recLayer`. */
function result(lines: number[], listsLayer: number, recLayer?: number, runtimeNeeds: string[] = []): InspectResult {
  const layers = lines.map((line, index) => ({ index, origin: { index, instruction: '', line }, stats: { index, bytes: 1, files: 1, wastedBytes: 0, hidBytes: 0, changes: [] } }));
  const finding = { rule: 'cache-apt-lists', category: 'cache', severity: 'medium', bytes: LISTS, paths: [], layer: listsLayer, instruction: '', fix: 'add rm', why: '' };
  const aptRecommends = recLayer === undefined ? [] : [{ layer: recLayer, bytes: REC, files: 10, packages: [{ name: 'openssl', bytes: REC }], recommendsOnly: [{ name: 'openssl', recommendedBy: ['ca-certificates'] }], runtimeNeeds }];
  return { layers, analysis: { waste: [] }, findings: { findings: [finding], aptRecommends }, image: { config: {} } } as unknown as InspectResult;
}

test('update RUN, install RUN: joined, --no-install-recommends, the lists removed in the joined RUN', () => {
  const df = 'FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\nCMD ["curl"]\n';
  const plan = planFixes(result([1, 2, 3], 1, 2), df);
  assert.equal(applyPlan(df, plan), 'FROM debian\nRUN apt-get update \\\n && apt-get install --no-install-recommends -y curl \\\n && rm -rf /var/lib/apt/lists/*\nCMD ["curl"]\n');
  assert.equal(plan.bytes, LISTS + REC);
  assert.deepEqual(plan.suggestions, []);
});

test('an ENV, or a RUN that does not use apt, between the update and the install still joins; a RUN that uses apt or dpkg does not, and the lists stay (a suggestion)', () => {
  const env = 'FROM debian\nRUN apt update -q\nENV DEBIAN_FRONTEND=noninteractive\nRUN apt install -y jq\n';
  assert.equal(applyPlan(env, planFixes(result([1, 2, 4], 1), env)), 'FROM debian\nENV DEBIAN_FRONTEND=noninteractive\nRUN apt update -q \\\n && apt install -y jq \\\n && rm -rf /var/lib/apt/lists/*\n');
  const run = 'FROM debian\nRUN apt-get update\nRUN echo hi > /etc/motd\nRUN apt-get install -y jq\n';
  assert.equal(applyPlan(run, planFixes(result([1, 2, 3, 4], 1), run)), 'FROM debian\nRUN echo hi > /etc/motd\nRUN apt-get update \\\n && apt-get install -y jq \\\n && rm -rf /var/lib/apt/lists/*\n');
  for (const between of ['RUN apt-cache policy jq > /tmp/p', 'RUN dpkg --add-architecture i386', 'RUN ls /var/lib/apt/lists > /tmp/l']) {
    const df = `FROM debian\nRUN apt-get update\n${between}\nRUN apt-get install -y jq\n`;
    const plan = planFixes(result([1, 2, 3, 4], 1), df);
    // Removing the lists in line 2 would leave the install on line 4 with none: not applied.
    assert.deepEqual(plan.hunks, [], between);
    assert.deepEqual(plan.suggestions.map((s) => [s.line, s.rules]), [[2, ['cache-apt-lists']]]);
  }
  const copy = 'FROM debian\nRUN apt-get update\nCOPY extra.list /etc/apt/sources.list.d/\nRUN apt-get install -y jq\n';
  assert.deepEqual(planFixes(result([1, 2, 3, 4], 1), copy).hunks, [], 'a sources list copied in between changes what the update fetches');
});

test('a USER between them keeps them apart; an update-only RUN with no later install gets the cleanup itself', () => {
  const user = 'FROM debian\nRUN apt-get update\nUSER app\nRUN apt-get install -y jq\n';
  assert.deepEqual(planFixes(result([1, 2, 4], 1), user).hunks, []);
  const alone = 'FROM debian\nRUN apt-get update\nCMD ["sh"]\n';
  assert.equal(applyPlan(alone, planFixes(result([1, 2], 1), alone)), 'FROM debian\nRUN apt-get update \\\n && rm -rf /var/lib/apt/lists/*\nCMD ["sh"]\n');
});

test('Recommends the entrypoint needs, or an install that already keeps them out, are never rewritten', () => {
  const df = 'FROM debian\nRUN apt-get update && apt-get install -y curl\n';
  const needed = planFixes(result([1, 2], 1, 1, ['openssl']), df);
  assert.equal(applyPlan(df, needed), 'FROM debian\nRUN apt-get update && apt-get install -y curl \\\n && rm -rf /var/lib/apt/lists/*\n');
  assert.match(needed.suggestions.find((s) => s.rules.includes('apt-recommends'))?.why ?? '', /would drop openssl, which the entrypoint uses/);
  const opt = 'FROM debian\nRUN apt-get -o APT::Install-Recommends=false install -y curl\n';
  assert.deepEqual(planFixes(result([1, 2], 9, 1), opt).hunks.flatMap((h) => h.rewrites.map((r) => r.rules[0])), []);
});
