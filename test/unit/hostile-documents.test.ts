import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MsbError } from '../../src/errors.js';
import { checkConfig, checkIndex, checkManifest, checkSaveManifest, resolveManifest } from '../../src/source/manifest.js';

/**
 * HOSTILE INPUT, hand-made: image documents of the wrong shape are refused at the source boundary
 * (src/source/manifest.ts) with one MsbError line naming the document and the field, never a crash
 * further down.
 */

const D = (n: string) => `sha256:${n.repeat(64)}`;
const oneLine = (e: unknown) => e instanceof MsbError && !e.message.includes('\n');

function refuses(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => oneLine(e) && re.test((e as Error).message));
}

const config = (history: unknown, diffIds: unknown = [D('a')]) => ({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds }, history });

test('a config whose history has a non-string created_by is refused, naming the entry', () => {
  refuses(() => checkConfig('img.tar: c.json', config([{ created_by: 'ok' }, { created_by: 42 }]), 1), /^img\.tar: c\.json: image config: history\[1\]\.created_by is a number, expected a string$/);
  refuses(() => checkConfig('x', config([{ comment: ['a'] }]), 1), /history\[0\]\.comment is an array/);
  refuses(() => checkConfig('x', config([{ created: {} }]), 1), /history\[0\]\.created is an object/);
  refuses(() => checkConfig('x', config([{ empty_layer: 'yes' }]), 1), /history\[0\]\.empty_layer is a string, expected true or false/);
  refuses(() => checkConfig('x', config(['RUN x']), 1), /history\[0\] is a string, expected an object/);
  refuses(() => checkConfig('x', config({}), 1), /history is an object, expected a list/);
  refuses(() => checkConfig('x', config([], [7]), 1), /rootfs\.diff_ids\[0\] is a number/);
  refuses(() => checkConfig('x', { ...config([]), config: { Env: 'PATH=/bin' } }, 1), /config\.Env is a string, expected a list of strings/);
  refuses(() => checkConfig('x', { ...config([]), config: { Labels: { a: 1 } } }, 1), /config\.Labels\["a"\] is a number/);
  refuses(() => checkConfig('x', 'config', 1), /^x: image config is not a JSON object$/);
  // Well-formed (nulls where Docker writes them) passes and gives the diff_ids.
  const ok = checkConfig('x', { ...config([{ created_by: 'RUN a', empty_layer: true }]), config: { Cmd: null, Labels: null } }, 1);
  assert.deepEqual(ok.diffIds, [D('a')]);
});

test('a manifest whose layers is not an array is refused', () => {
  const m = { schemaVersion: 2, config: { digest: D('c'), size: 2 }, layers: { digest: D('l') } };
  refuses(() => checkManifest('reg/app:1: manifest sha256:abc', m), /^reg\/app:1: manifest sha256:abc: layers is an object, expected a list of descriptors$/);
  refuses(() => checkManifest('m', { ...m, layers: [{ digest: D('l'), size: '12' }] }), /layers\[0\]\.size is a string, expected a byte count/);
  refuses(() => checkManifest('m', { ...m, layers: [{ digest: '../../etc/passwd' }] }), /layers\[0\] has an invalid digest/);
  refuses(() => checkManifest('m', { layers: [] }), /^m has no config$/);
  refuses(() => checkManifest('m', [1]), /^m is not a JSON object$/);
});

test('an index whose manifests are not objects is refused', () => {
  refuses(() => checkIndex('x: index.json', { schemaVersion: 2, manifests: ['sha256:abc', 3] }), /^x: index\.json: manifests\[0\] is a string, expected a descriptor object$/);
  refuses(() => checkIndex('x: index.json', { manifests: [{ digest: D('a'), platform: 'linux' }] }), /manifests\[0\]\.platform is a string/);
  refuses(() => checkIndex('x: index.json', { manifests: {} }), /^x: index\.json has no manifests list$/);
  // Through the resolver too: the bad index is caught before any platform is chosen.
  return assert.rejects(
    resolveManifest({ doc: { mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [null] }, digest: D('f') }, { label: 'reg/app', fetch: () => assert.fail('no fetch') }),
    /^MsbError: reg\/app: index sha256:ffffffffffff: manifests\[0\] is null, expected a descriptor object$/,
  );
});

test("docker save's manifest.json of the wrong shape", () => {
  refuses(() => checkSaveManifest('a.tar', { hello: 1 }), /^a\.tar: manifest\.json is not a non-empty list of images$/);
  refuses(() => checkSaveManifest('a.tar', [{ Config: 'c.json', Layers: [1] }]), /^a\.tar: manifest\.json entry lacks Config or Layers$/);
  refuses(() => checkSaveManifest('a.tar', [{ Config: 'c.json', Layers: [], RepoTags: 'app:1' }]), /RepoTags is a string, expected a list of strings/);
});
