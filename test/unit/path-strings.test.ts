/**
 * The absolute paths a static program's bytes spell out, found chunk by chunk as a layer streams:
 * a run cut by a chunk boundary is found whole, Go's separator-less string packing is split into its
 * paths, and a mere name such as "runtime" is not taken for the /run directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RUNS, PathStrings } from '../../src/walk/path-strings.js';
import { namedInTree } from '../../src/fix/scratch.js';
import { mergeLayers } from '../../src/analysis/merge.js';
import type { FileEntry } from '../../src/walk/types.js';

const BYTES = Buffer.from('\x7fELF\x00\x01/etc/ssl/certs/ca-certificates.crt\x00Bad/dev/stdin/etc/hosts/etc/mdns.allow\x00x/runtime/run\x00/usr/share/zoneinfo/\x00', 'latin1');

test('every run is found, whatever the chunk size, and only once', () => {
  const want = ['/etc/ssl/certs/ca-certificates.crt', '/etc/hosts/etc/mdns.allow', '/run', '/usr/share/zoneinfo/'];
  for (const size of [1, 2, 3, 7, 16, 64, BYTES.length]) {
    const p = new PathStrings();
    for (let i = 0; i < BYTES.length; i += size) p.feed(BYTES.subarray(i, i + size));
    assert.deepEqual(p.end().sort(), [...want].sort(), `chunks of ${size}`);
  }
});

test('a name that only starts like a top-level directory is none ("runtime", "library", "/dev/stdin")', () => {
  const p = new PathStrings();
  p.feed(Buffer.from('/runtime/x /library/y /dev/stdin /proc/self/auxv /etcetera', 'latin1'));
  assert.deepEqual(p.end(), []);
});

test('the list stops at MAX_RUNS', () => {
  const p = new PathStrings();
  p.feed(Buffer.from(Array.from({ length: MAX_RUNS + 10 }, (_, i) => `/etc/f${i}`).join('\0'), 'latin1'));
  assert.equal(p.end().length, MAX_RUNS);
});

const entry = (path: string, kind: FileEntry['kind'] = 'file', linkname?: string): FileEntry => ({ path, kind, size: kind === 'file' ? 10 : 0, mode: 0o644, uid: 0, gid: 0, mtime: 0, ...(linkname ? { linkname } : {}) });
const ROOT = mergeLayers([
  {
    index: 0,
    compression: 'none',
    verified: false,
    whiteouts: [],
    opaqueDirs: [],
    entries: [
      entry('etc/debian_version'),
      entry('etc/hosts'),
      entry('etc/localtime', 'symlink', '/usr/share/zoneinfo/Etc/UTC'),
      entry('usr/share/zoneinfo/Etc/UTC'),
      entry('usr/lib/os-release'),
      entry('lib', 'symlink', 'usr/lib'),
    ],
  },
]).root;

test("a run names the image paths the tree walk reaches: Go's packed constants run on past a name, a directory's / into a number", () => {
  const cases: Array<[string, string[]]> = [
    ['/etc/localtime1907348632812595367431640625GC', ['/etc/localtime']],
    ['/etc/debian_version/usr/lib/locale/TZ/14901161193847656257450580596923828125', ['/etc/debian_version']],
    ['/usr/share/zoneinfo/37252902984619140625Egyptian_', ['/usr/share/zoneinfo']],
    ['/usr/share/zoneinfo/', ['/usr/share/zoneinfo']],
    ['/etc/hosts/etc/mdns.allow', ['/etc/hosts']],
    ['/lib/os-release', ['/lib/os-release']],
    // A longer path the image does not have names none of its directories.
    ['/usr/share/lib/zoneinfo/11641532182693481445312558207', []],
    ['/etc/pki/tls/certs/ca-bundle.crt', []],
  ];
  for (const [run, want] of cases) assert.deepEqual(namedInTree(ROOT, run).sort(), want, run);
});
