/**
 * When a static program's runtime stage may run FROM scratch (scratch.ts), on merged trees of
 * in-memory entries: what its bytes name decides what is copied, and what keeps it on its base.
 * The real thing is proven by rebuilding in split.test.ts; these are the branches its fixtures do not
 * reach.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile } from '../../src/analysis/attribution/dockerfile.js';
import { mergeLayers } from '../../src/analysis/merge.js';
import type { TreeNode } from '../../src/analysis/types.js';
import { resolvePath } from '../../src/analysis/findings/tree.js';
import { scratchPlan } from '../../src/fix/scratch.js';
import type { InspectResult } from '../../src/pipeline/types.js';
import type { FileEntry } from '../../src/walk/types.js';

const e = (path: string, kind: FileEntry['kind'] = 'file', linkname?: string, size = 10): FileEntry => ({ path, kind, size: kind === 'file' ? size : 0, mode: /(?:^|\/)(?:bin|sbin)\/|\/prog$|\/go$/.test(path) ? 0o755 : 0o644, uid: 0, gid: 0, mtime: 0, ...(linkname ? { linkname } : {}) });

/** A base layer (0) with `base`, the build's layer (1) with the program naming `named`. */
function plan(base: FileEntry[], named: string[], config: { Env?: string[]; User?: string } = {}, dockerfile = 'FROM debian\nCOPY app /app\nCMD ["/app/prog"]\n') {
  const prog = { ...e('app/prog', 'file', undefined, 2_000_000), named };
  const layers = [base, [prog]].map((entries, index) => ({ index, entries, whiteouts: [], opaqueDirs: [], compression: 'none' as const, verified: false }));
  const root: TreeNode = mergeLayers(layers).root;
  const result = { analysis: { root }, image: { config: { config } } } as unknown as InspectResult;
  const stage = parseDockerfile(dockerfile).stages[0];
  return scratchPlan(result, resolvePath(root, 'app/prog')!, stage, 1);
}

test('a file named is copied; a link as the file it points to; a path the image lacks is nothing', () => {
  const p = plan([e('etc/nsswitch.conf'), e('etc/localtime', 'symlink', '/usr/share/zoneinfo/Etc/UTC'), e('usr/share/zoneinfo/Etc/UTC')], ['/etc/nsswitch.conf', '/etc/localtime', '/etc/pki/tls/certs/ca-bundle.crt']);
  assert.deepEqual(p.problems, []);
  assert.deepEqual(p.copies, [
    ['/usr/share/zoneinfo/Etc/UTC', '/etc/localtime'],
    ['/etc/nsswitch.conf', '/etc/nsswitch.conf'],
  ]);
  assert.equal(p.bytes, 20);
});

test("a directory whose links point out of it to what is not copied keeps the program on its base", () => {
  const base = [e('etc/ssl/certs/ca-certificates.crt'), e('etc/ssl/certs/abc.pem', 'symlink', '/usr/share/ca-certificates/mozilla/abc.crt'), e('usr/share/ca-certificates/mozilla/abc.crt')];
  const p = plan(base, ['/etc/ssl/certs/ca-certificates.crt\x00', '/etc/ssl/certs']);
  assert.equal(p.problems.length, 1);
  assert.match(p.problems[0], /^it names \/etc\/ssl\/certs, a directory with links out of it \(\/etc\/ssl\/certs\/abc\.pem → \/usr\/share\/ca-certificates\/mozilla\/abc\.crt\), which FROM scratch would leave dangling$/);
});

test('a program of the base it names (/bin/sh) keeps it on the base', () => {
  const p = plan([e('usr/bin/dash'), e('bin', 'symlink', 'usr/bin'), e('usr/bin/sh', 'symlink', 'dash')], ['/bin/sh\x00-c']);
  assert.match(p.problems.join(), /^it names \/bin\/sh, a program of the FROM image it may run/);
  assert.deepEqual(p.copies, []);
});

test('/tmp, a user by name: kept on the base; numeric users and the environment are carried', () => {
  assert.match(plan([e('tmp', 'dir')], ['/tmp']).problems.join(), /it names \/tmp/);
  assert.match(plan([], [], { User: 'app' }).problems.join(), /runs as user "app" by name/);
  const p = plan([e('srv/data/a')], [], { User: '1000:1000', Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'DATA=/srv/data', 'MODE=prod'] });
  assert.deepEqual(p.problems, []);
  assert.deepEqual(p.env, ['DATA=/srv/data', 'MODE=prod']);
  // A path in the FROM image's environment counts as named.
  assert.deepEqual(p.copies, [['/srv/data', '/srv/data']]);
  // The stage's own ENV is its own to repeat.
  assert.deepEqual(plan([], [], { Env: ['MODE=prod'] }, 'FROM debian\nENV MODE=prod\nCMD ["/app/prog"]\n').env, []);
});

test("a Go toolchain's root the program records as its GOROOT is not copied, but for zoneinfo.zip", () => {
  const goroot = [e('usr/local/go/bin/go'), e('usr/local/go/src/runtime/proc.go'), e('usr/local/go/pkg/tool/linux_amd64/compile', 'file', undefined, 30_000_000)];
  const bare = plan(goroot, ['/usr/local/go']);
  assert.deepEqual([bare.problems, bare.copies], [[], []]);
  assert.ok(bare.evidence.some((x) => /^it names \/usr\/local\/go, the Go toolchain it was built with \(its GOROOT\): not copied \(it has no lib\/time\/zoneinfo\.zip/.test(x)), bare.evidence.join('\n'));
  const zip = plan([...goroot, e('usr/local/go/lib/time/zoneinfo.zip', 'file', undefined, 400_000)], ['/usr/local/go']);
  assert.deepEqual(zip.copies, [['/usr/local/go/lib/time/zoneinfo.zip', '/usr/local/go/lib/time/zoneinfo.zip']]);
});

test('compiler records of source files and runtime mounts are not paths the program opens; an unread program is not known', () => {
  const p = plan([e('usr/local/go/src/fmt/print.go'), e('etc/hosts'), e('etc/resolv.conf')], ['/usr/local/go/src/fmt/print.go', '/etc/hosts', '/etc/resolv.conf']);
  assert.deepEqual([p.problems, p.copies], [[], []]);
  const root = mergeLayers([{ index: 0, entries: [e('app/prog')], whiteouts: [], opaqueDirs: [], compression: 'none', verified: false }]).root;
  const unread = scratchPlan({ analysis: { root }, image: { config: {} } } as unknown as InspectResult, resolvePath(root, 'app/prog')!, parseDockerfile('FROM x\n').stages[0], 0);
  assert.match(unread.problems.join(), /were not read/);
});
