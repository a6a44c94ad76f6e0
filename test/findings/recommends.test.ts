/**
 * recommendsOnly on real dpkg databases: /var/lib/dpkg/status of the debootstrap bookworm minbase and
 * of the same image after `apt-get install -y curl` (test/fixtures/fix/curl.Dockerfile), with apt's
 * extended_states from that install; and aptInstalls on the command lines that say what was asked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { aptInstalls, dpkgDatabase, recommendsOnly } from '../../src/analysis/findings/recommends.js';

const read = (f: string) => readFileSync(new URL(`../fixtures/fix/dpkg/${f}`, import.meta.url), 'utf8');
const minbase = read('minbase.status');
const curl = read('curl.status');
const ext = read('curl.extended_states');
const RECOMMENDS_ONLY = ['ca-certificates', 'krb5-locales', 'libldap-common', 'libsasl2-modules', 'openssl', 'publicsuffix'];

test('curl over the minbase: the six packages only Recommends brought in, and what pulled each in', () => {
  const db = dpkgDatabase([[0, minbase], [2, curl]], ext);
  const only = recommendsOnly(db, { layer: 2, requested: ['curl'] });
  assert.deepEqual(only.map((p) => p.name), RECOMMENDS_ONLY);
  const by = Object.fromEntries(only.map((p) => [p.name, p.recommendedBy]));
  // apt (in the base) and libcurl4 Recommend ca-certificates; openssl is only ca-certificates' Depends.
  assert.deepEqual(by['ca-certificates'], ['apt', 'libcurl4']);
  assert.deepEqual(by.openssl, ['ca-certificates']);
  assert.deepEqual(by.publicsuffix, ['libpsl5']);
  assert.deepEqual(by['libsasl2-modules'], ['libsasl2-2']);
  // curl's Depends closure stays: libcurl4, libssl3 (Depends of libcurl4 and of openssl), libsasl2-2.
  for (const kept of ['curl', 'libcurl4', 'libssl3', 'libsasl2-2', 'libpsl5', 'libkrb5-3']) assert.ok(!only.some((p) => p.name === kept), kept);
});

test('without extended_states the RUN arguments name the manual packages; the answer is the same', () => {
  const db = dpkgDatabase([[0, minbase], [2, curl]]);
  assert.deepEqual(recommendsOnly(db, { layer: 2, requested: ['curl'] }).map((p) => p.name), RECOMMENDS_ONLY);
});

test('a requested package keeps its Depends: asking for ca-certificates keeps openssl too', () => {
  const db = dpkgDatabase([[0, minbase], [2, curl]]);
  const only = recommendsOnly(db, { layer: 2, requested: ['curl', 'ca-certificates'] }).map((p) => p.name);
  assert.deepEqual(only, ['krb5-locales', 'libldap-common', 'libsasl2-modules', 'publicsuffix']);
  // Another layer's install leaves nothing out of this one; the base's own packages are never candidates.
  assert.deepEqual(recommendsOnly(db, { layer: 1, requested: [] }), []);
  assert.deepEqual(recommendsOnly(dpkgDatabase([[0, curl]]), { layer: 0, requested: [] }).length, 0);
});

test('alternatives resolve to the installed one and virtual names through Provides, for Depends and Recommends', () => {
  const status = [
    'Package: app\nStatus: install ok installed\nVersion: 1\nDepends: missing | libreal\nRecommends: virtual-helper, not-installed',
    'Package: libreal\nStatus: install ok installed\nVersion: 1',
    'Package: helper\nStatus: install ok installed\nVersion: 1\nProvides: virtual-helper (= 1)\nDepends: libhelper:amd64 (>= 2)',
    'Package: libhelper\nStatus: install ok installed\nVersion: 1',
    'Package: old\nStatus: deinstall ok config-files\nVersion: 1',
  ].join('\n\n');
  const db = dpkgDatabase([[0, ''], [1, status]]);
  assert.deepEqual(recommendsOnly(db, { layer: 1, requested: ['app'] }), [
    { name: 'helper', recommendedBy: ['app'] },
    { name: 'libhelper', recommendedBy: ['helper'] },
  ]);
});

test('aptInstalls: what each apt install asks for, and whether Recommends are kept out', () => {
  assert.deepEqual(aptInstalls('apt-get update && apt-get install -y curl'), { noRecommends: false, requested: ['curl'] });
  assert.deepEqual(aptInstalls('/bin/sh -c apt-get -q -y install --no-install-recommends a b=1.2 c/bookworm-backports d:amd64 && rm -rf /x'), {
    noRecommends: true,
    requested: ['a', 'b', 'c', 'd'],
  });
  assert.deepEqual(aptInstalls('apt-get -o APT::Install-Recommends=false install -t bookworm x'), { noRecommends: true, requested: ['x'] });
  assert.deepEqual(aptInstalls('apt install -y \\\n  curl \\\n  jq; echo done'), { noRecommends: false, requested: ['curl', 'jq'] });
  assert.equal(aptInstalls('apt-get update'), undefined);
  assert.equal(aptInstalls('echo apt-get'), undefined);
});
