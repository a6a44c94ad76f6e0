/**
 * Where an interpreter loads installed libraries from, among the dirs the build's layers filled,
 * on trees merged from small explicit layer lists (the base in layer 0, the build above it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../src/analysis/merge.js';
import { libraryDirs } from '../../src/fix/libraries.js';
import type { FileEntry, LayerContents } from '../../src/walk/types.js';

const f = (path: string, size: number): FileEntry => ({ path, kind: 'file', size, mode: 0o644, uid: 0, gid: 0, mtime: 0 });
const layer = (index: number, entries: FileEntry[]): LayerContents => ({ index, entries, whiteouts: [], opaqueDirs: [], compression: 'none', verified: false });

test("pip's, gem's and npm's installs the build made are found on the interpreter's own search path; the base's are not counted", () => {
  const { root } = analyze([
    layer(0, [f('usr/lib/python3/dist-packages/six.py', 7), f('usr/local/lib/python3.11/dist-packages/base.py', 3)]),
    layer(1, [
      f('usr/local/lib/python3.11/dist-packages/greet/__init__.py', 100),
      f('usr/local/lib/python3.11/dist-packages/greet-1.0.dist-info/RECORD', 20),
      f('app/app.py', 10),
      f('var/lib/gems/3.1.0/gems/greeter-0.1.0/lib/greeter.rb', 50),
      f('srv/web/node_modules/left-pad/index.js', 30),
      f('srv/node_modules/other/index.js', 5),
      f('srv/web/server.js', 40),
    ]),
  ]);
  assert.deepEqual(libraryDirs(root, 1, 'python3.11', 'app/app.py'), [{ path: '/usr/local/lib/python3.11/dist-packages', files: 2, bytes: 120 }]);
  assert.deepEqual(libraryDirs(root, 1, 'ruby3.1', 'app/app.rb'), [{ path: '/var/lib/gems/3.1.0', files: 1, bytes: 50 }]);
  assert.deepEqual(libraryDirs(root, 1, 'node', 'srv/web/server.js'), [
    { path: '/srv/web/node_modules', files: 1, bytes: 30 },
    { path: '/srv/node_modules', files: 1, bytes: 5 },
  ]);
  // another interpreter, or none of its dirs filled by the build: nothing
  assert.deepEqual(libraryDirs(root, 1, 'perl', 'app/app.pl'), []);
  assert.deepEqual(libraryDirs(root, 2, 'python3.11', 'app/app.py'), []);
});
