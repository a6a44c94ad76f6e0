import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiHost, formatReference, isLoopback, manifestRef, parseReference } from '../../src/source/reference.js';
import { MsbError } from '../../src/errors.js';

const D = 'sha256:' + 'a'.repeat(64);

test('normalises references the way Docker does', () => {
  const cases: Array<[string, string]> = [
    ['alpine', 'docker.io/library/alpine:latest'],
    ['alpine:3.19', 'docker.io/library/alpine:3.19'],
    ['library/alpine', 'docker.io/library/alpine:latest'],
    ['user/app', 'docker.io/user/app:latest'],
    ['docker.io/alpine', 'docker.io/library/alpine:latest'],
    ['index.docker.io/alpine:1', 'docker.io/library/alpine:1'],
    ['ghcr.io/o/r/deep:v1.2-rc_3', 'ghcr.io/o/r/deep:v1.2-rc_3'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/app:dev', 'localhost:5000/app:dev'],
    ['127.0.0.1:5000/a/b', '127.0.0.1:5000/a/b:latest'],
    ['[::1]:5000/app', '[::1]:5000/app:latest'],
    [`alpine@${D}`, `docker.io/library/alpine@${D}`],
    [`alpine:3@${D}`, `docker.io/library/alpine:3@${D}`],
    ['my-reg.example.com:443/team/app', 'my-reg.example.com:443/team/app:latest'],
    ['a__b/c.d-e', 'docker.io/a__b/c.d-e:latest'],
    ['localhost:5000', 'docker.io/library/localhost:5000'],
  ];
  for (const [input, want] of cases) assert.equal(formatReference(parseReference(input)), want, input);
});

test('splits registry, repository, tag and digest', () => {
  assert.deepEqual(parseReference('localhost:5000/a/b:t'), { registry: 'localhost:5000', repository: 'a/b', tag: 't', digest: undefined });
  const pinned = parseReference(`x/y:t@${D}`);
  assert.equal(manifestRef(pinned), D, 'a digest wins over the tag');
  assert.equal(manifestRef(parseReference('x')), 'latest');
  assert.equal(parseReference(`x@${D}`).tag, undefined, 'no implicit latest when pinned');
});

test('a first component with uppercase is a host, as in Docker', () => {
  assert.equal(parseReference('Example/app').registry, 'Example');
});

test('rejects malformed references with a clear message', () => {
  for (const bad of ['', 'Alpine', 'alpine:', 'alpine:-x', 'a//b', 'a/B', '/a', 'a/', 'alpine@sha256:abc', `alpine@sha256:${'A'.repeat(64)}`, 'a:b:c', 'bad_host:x/y', `a:${'t'.repeat(129)}`, 'a..b']) {
    assert.throws(() => parseReference(bad), (e: unknown) => e instanceof MsbError && /invalid image reference/.test(e.message), bad);
  }
});

test('Docker Hub API host and loopback detection', () => {
  assert.equal(apiHost('docker.io'), 'registry-1.docker.io');
  assert.equal(apiHost('ghcr.io'), 'ghcr.io');
  assert.ok(isLoopback('localhost:5000'));
  assert.ok(isLoopback('127.0.0.1:5000'));
  assert.ok(isLoopback('127.1.2.3'));
  assert.ok(isLoopback('[::1]:5000'));
  assert.ok(!isLoopback('docker.io'));
  assert.ok(!isLoopback('localhost.example.com'));
});
