/**
 * The golden cases: msb command lines on the committed fixture images whose whole output (exit code,
 * stdout, stderr) is pinned in test/golden/cli/*.golden. Paths are relative to the repo root, so the
 * output does not depend on where the checkout lives. A deliberate change to a golden is its own
 * commit, with the reason: `UPDATE_GOLDENS=1 node --import tsx --test test/golden/*.test.ts*`.
 */
const img = (n: string) => `test/fixtures/images/${n}`;
const att = (n: string) => `test/fixtures/attribution/out/${n}`;
const DEMO = 'examples/demo-app.tar';
const DEMO_DF = ['--dockerfile', 'examples/demo-app/Dockerfile'];
const MULTI_DF = ['--dockerfile', 'test/fixtures/attribution/multistage.Dockerfile'];

export interface GoldenCase {
  name: string;
  args: string[];
}

const images: Array<[string, string, string[]]> = [
  ['demo', DEMO, []],
  ['demo-dockerfile', DEMO, DEMO_DF],
  ['delete', img('delete.tar'), []],
  ['delete-docker-save', img('delete.docker-save.tar'), []],
  ['delete-oci-tar', img('delete.oci.tar'), []],
  ['delete-oci', img('delete-oci'), []],
  ['delete-zstd', img('delete-zstd'), []],
  ['overwrite', img('overwrite.tar'), []],
  ['chmod', img('chmod.tar'), []],
  ['hardlink', img('hardlink.tar'), []],
  ['opaque', img('opaque.tar'), []],
  ['multistage', img('multistage.tar'), []],
  ['multistage-buildkit', img('multistage.buildkit.tar'), []],
  ['multistage-legacy', img('multistage.docker-legacy.tar'), []],
  ['multiarch-arm64', img('multiarch-oci'), ['--platform', 'linux/arm64']],
  ['buildah-final-dockerfile', att('buildah-final.tar'), MULTI_DF],
  ['buildkit-final', att('buildkit-final.tar'), []],
  ['docker-final', att('docker-final.tar'), []],
  ['buildah-final-oci', att('buildah-final-oci'), []],
];

export const CASES: GoldenCase[] = [
  ...images.flatMap(([name, ref, flags]): GoldenCase[] => [
    { name: `inspect-${name}.json`, args: ['inspect', ref, '--json', ...flags] },
    { name: `inspect-${name}.txt`, args: ['inspect', ref, '--text', ...flags] },
  ]),
  { name: 'inspect-demo-files.json', args: ['inspect', DEMO, '--json', '--files', ...DEMO_DF] },
  { name: 'inspect-demo-verify.json', args: ['inspect', DEMO, '--json', '--verify'] },
  // The CI gate: passing, failing, and every kind of limit.
  { name: 'gate-pass.txt', args: ['inspect', DEMO, '--text', '--max-size', '10MB', '--max-waste', '50%', '--min-efficiency', '0.5'] },
  { name: 'gate-fail.txt', args: ['inspect', DEMO, '--text', '--max-waste', '10%', '--min-efficiency', '0.95', '--max-size', '1MB'] },
  { name: 'gate-fail-on.txt', args: ['inspect', DEMO, '--text', '--fail-on', 'secret,high', '--max-savings', '1MB', ...DEMO_DF] },
  { name: 'gate-fail.json', args: ['inspect', DEMO, '--json', '--max-waste', '2.8MB', '--fail-on', 'toolchain'] },
  { name: 'gate-clean.txt', args: ['inspect', img('multistage.tar'), '--text', '--fail-on', 'secret,high'] },
  // msb in CI: dive's rules, the report formats for code scanning, merge requests and PR comments.
  { name: 'ci-dive-defaults.txt', args: ['inspect', DEMO, '--ci'] },
  { name: 'ci-dive-flags-pass.txt', args: ['inspect', img('multistage.tar'), '--ci', '--lowestEfficiency', '0.9', '--highestWastedBytes', '20MB', '--highestUserWastedPercent', 'disabled'] },
  { name: 'ci-msb-flags.txt', args: ['inspect', DEMO, '--ci', '--max-waste', '10%', '--fail-on', 'secret', ...DEMO_DF] },
  { name: 'ci-demo.json', args: ['inspect', DEMO, '--format', 'json', '--ci', '--max-size', '10MB', ...DEMO_DF] },
  { name: 'ci-demo.sarif', args: ['inspect', DEMO, '--format', 'sarif', ...DEMO_DF] },
  { name: 'ci-demo-nodockerfile.sarif', args: ['inspect', DEMO, '--format', 'sarif'] },
  { name: 'ci-demo.md', args: ['inspect', DEMO, '--format', 'markdown', '--ci', '--max-waste', '10%', ...DEMO_DF] },
  { name: 'ci-demo.codeclimate.json', args: ['inspect', DEMO, '--format', 'codeclimate', ...DEMO_DF] },
  { name: 'ci-multistage.md', args: ['inspect', img('multistage.tar'), '--format', 'markdown'] },
  { name: 'ci-dive-config.txt', args: ['inspect', DEMO, '--ci-config', 'test/fixtures/ci/dive-ci.yml', ...DEMO_DF] },
  { name: 'ci-msb-config.txt', args: ['inspect', DEMO, '--config', 'test/fixtures/ci/msb.yml', ...DEMO_DF] },
  { name: 'ci-msb-config.sarif', args: ['inspect', DEMO, '--config', 'test/fixtures/ci/msb.yml', '--format', 'sarif', ...DEMO_DF] },
  { name: 'error-config.txt', args: ['inspect', DEMO, '--config', 'test/fixtures/ci/bad-msb.yml'] },
  { name: 'error-format.txt', args: ['inspect', DEMO, '--format', 'pdf'] },
  // msb diff.
  { name: 'diff-multistage-demo.txt', args: ['diff', img('multistage.tar'), DEMO, '--text'] },
  { name: 'diff-multistage-demo.json', args: ['diff', img('multistage.tar'), DEMO, '--json'] },
  { name: 'diff-overwrite-chmod.txt', args: ['diff', img('overwrite.tar'), img('chmod.tar'), '--text'] },
  { name: 'diff-overwrite-chmod.json', args: ['diff', img('overwrite.tar'), img('chmod.tar'), '--json'] },
  { name: 'diff-same-formats.txt', args: ['diff', img('delete.docker-save.tar'), img('delete.oci.tar'), '--text'] },
  // Bad input and usage: one line, exit 2.
  { name: 'error-missing.txt', args: ['inspect', img('nope.tar'), '--json'] },
  { name: 'error-platform.txt', args: ['inspect', img('multiarch-oci'), '--platform', 'linux/s390x', '--json'] },
  { name: 'error-tag.txt', args: ['inspect', `${img('delete-oci')}:nope`, '--json'] },
  { name: 'error-size.txt', args: ['inspect', DEMO, '--max-size', 'big'] },
  { name: 'error-target.txt', args: ['inspect', DEMO, '--json', '--target', 'x'] },
  { name: 'error-diff-missing.txt', args: ['diff', img('delete.tar'), img('nope.tar')] },
  { name: 'usage-no-image.txt', args: ['inspect'] },
  { name: 'usage-unknown-command.txt', args: ['frob'] },
];
