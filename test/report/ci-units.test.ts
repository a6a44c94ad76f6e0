import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diveFlag, parseBytes, parseLimitFlag, parseRatio } from '../../src/cli/ci-config.js';
import { findingFingerprint, globRegExp, ignoredBy } from '../../src/report/ci.js';
import { failOnMatches, parseFailOn } from '../../src/report/gate.js';

/** The CI gate's parsing and matching, without images. */

test('sizes as dive reads them: decimal and binary units, plain bytes', () => {
  assert.equal(parseBytes('20MB'), 20_000_000);
  assert.equal(parseBytes('20MiB'), 20 * 1024 * 1024);
  assert.equal(parseBytes('20 M'), 20_000_000);
  assert.equal(parseBytes('1.5GiB'), 1.5 * 1024 ** 3);
  assert.equal(parseBytes(1200), 1200);
  assert.equal(parseBytes('1200'), 1200);
  assert.equal(parseBytes('lots'), undefined);
  assert.equal(parseBytes('20XB'), undefined);
  assert.equal(parseBytes(-1), undefined);
});

test('ratios and dive flags', () => {
  assert.equal(parseRatio('0.95'), 0.95);
  assert.equal(parseRatio('95%'), 0.95);
  assert.equal(parseRatio(1.5), undefined);
  assert.equal(diveFlag('lowestEfficiency', 'disabled'), 'disabled');
  assert.equal(diveFlag('highestWastedBytes', '2.8MiB'), Math.round(2.8 * 1024 * 1024));
  assert.throws(() => diveFlag('highestUserWastedPercent', '20%x'), /invalid --highestUserWastedPercent/);
  assert.deepEqual(parseLimitFlag('10%,5MB', '--max-growth'), { fraction: 0.1, bytes: 5_000_000 });
  assert.deepEqual(parseLimitFlag('5MB', '--max-growth'), { bytes: 5_000_000 });
  assert.throws(() => parseLimitFlag('big', '--max-growth'), /invalid --max-growth "big"/);
});

test('ignore globs: * within a segment, ** across, relative patterns at any depth', () => {
  assert.ok(globRegExp('/usr/share/doc/**').test('/usr/share/doc/libc6/copyright'));
  assert.ok(globRegExp('/usr/share/doc/**').test('/usr/share/doc'));
  assert.ok(!globRegExp('/usr/share/*/copyright').test('/usr/share/doc/libc6/copyright'));
  assert.ok(globRegExp('/usr/share/*/libc6').test('/usr/share/doc/libc6/copyright'));
  assert.ok(globRegExp('*.pem').test('/etc/ssl/x.pem'));
  assert.ok(!globRegExp('/etc/*.pem').test('/etc/ssl/x.pem'));
  assert.ok(globRegExp('/a?c').test('/abc'));
  assert.ok(!globRegExp('/a.c').test('/abc'), 'dots are literal');
});

test('a finding is ignored when its rule matches and every path matches', () => {
  const f = { rule: 'leftover-docs', paths: [{ path: '/usr/share/doc/a', bytes: 1, count: 1 }, { path: '/usr/share/man/b', bytes: 1, count: 1 }] };
  assert.equal(ignoredBy(f, [{ path: '/usr/share/doc/**', reason: 'x' }]), undefined);
  assert.equal(ignoredBy(f, [{ path: '/usr/share/**', reason: 'x' }])?.reason, 'x');
  assert.equal(ignoredBy(f, [{ rule: 'leftover-docs', reason: 'y' }])?.reason, 'y');
  assert.equal(ignoredBy(f, [{ rule: 'cache-apt', path: '/usr/**', reason: 'z' }]), undefined);
});

test('fingerprints depend on the rule and the set of paths, not their order', () => {
  const a = { rule: 'r', paths: [{ path: '/a', bytes: 1, count: 1 }, { path: '/b', bytes: 2, count: 1 }] };
  const b = { rule: 'r', paths: [{ path: '/b', bytes: 9, count: 1 }, { path: '/a', bytes: 1, count: 1 }] };
  assert.equal(findingFingerprint(a), findingFingerprint(b));
  assert.notEqual(findingFingerprint(a), findingFingerprint({ ...a, rule: 's' }));
});

test('--fail-on hardening: its own category; a severity alone never selects a hardening finding', () => {
  assert.deepEqual(parseFailOn('hardening,secret'), ['hardening', 'secret']);
  assert.throws(() => parseFailOn('harden'), /invalid --fail-on "harden".*hardening/);
  const root = { category: 'hardening', severity: 'medium' } as const;
  const key = { category: 'secret', severity: 'high' } as const;
  assert.equal(failOnMatches(root, ['hardening']), true);
  assert.equal(failOnMatches(root, ['medium']), false);
  assert.equal(failOnMatches(root, ['secret', 'high']), false);
  assert.equal(failOnMatches(key, ['high']), true);
  assert.equal(failOnMatches(key, ['hardening']), false);
});
