/**
 * Which files are native extensions of a language library tree, and which tree each belongs to: the
 * walk keeps their ELF headers, and `msb fix` installs what they load where it copies that tree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXTENSION } from '../../src/analysis/findings/extensions.js';

test("an extension's tree is the first library dir on its path", () => {
  const cases: Array<[string, string]> = [
    ['usr/local/lib/python3.12/site-packages/psycopg2/_psycopg.cpython-312-x86_64-linux-gnu.so', 'usr/local/lib/python3.12/site-packages'],
    ['usr/local/lib/python3.11/dist-packages/yamlext.cpython-311-x86_64-linux-gnu.so', 'usr/local/lib/python3.11/dist-packages'],
    ['usr/local/lib/python3.12/site-packages/numpy.libs/libopenblas64_p-r0-0cf96a72.3.23.dev.so', 'usr/local/lib/python3.12/site-packages'],
    ['app/node_modules/bcrypt/lib/binding/napi-v3/bcrypt_lib.node', 'app/node_modules'],
    ['app/node_modules/a/node_modules/b/build/Release/b.node', 'app/node_modules'],
    ['var/lib/gems/3.1.0/extensions/x86_64-linux/3.1.0/pg-1.5.4/pg_ext.so', 'var/lib/gems'],
    ['usr/local/bundle/gems/nokogiri-1.16.0/lib/nokogiri/3.3/nokogiri.so', 'usr/local/bundle'],
    ['opt/venv/lib/python3.12/site-packages/lxml/etree.cpython-312-x86_64-linux-gnu.so.1', 'opt/venv/lib/python3.12/site-packages'],
  ];
  for (const [p, tree] of cases) assert.equal(EXTENSION.exec(p)?.[1], tree, p);
});

test('system libraries, programs and sources are not', () => {
  for (const p of [
    'usr/lib/x86_64-linux-gnu/libyaml-0.so.2',
    'usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so',
    'usr/local/lib/python3.12/site-packages/psycopg2/__init__.py',
    'app/node_modules/.bin/tsc',
    'app/node_modules/esbuild/bin/esbuild',
    'usr/local/lib/python3.12/site-packages',
  ]) {
    assert.equal(EXTENSION.test(p), false, p);
  }
});
