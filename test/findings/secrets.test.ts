import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FindingsCapture } from '../../src/analysis/findings/capture.js';
import { REDACTED, redactConfig, scanConfig, secretName } from '../../src/analysis/findings/config-secrets.js';
import { findFindings } from '../../src/analysis/findings/find.js';
import { analyze } from '../../src/analysis/merge.js';
import type { ImageConfig } from '../../src/source/types.js';
import type { FileEntry, LayerContents } from '../../src/walk/types.js';

/** Secrets by content, package-owned keys, and secrets in the image config (hand-built layers). */

function layer(index: number, files: Array<[string, string | Buffer]>): LayerContents {
  const entries: FileEntry[] = files.map(([path, c]) => {
    const content = typeof c === 'string' ? Buffer.from(c) : c;
    return { path, kind: 'file', size: content.length, mode: 0o644, uid: 0, gid: 0, mtime: 0, content };
  });
  return { index, entries, whiteouts: [], opaqueDirs: [], compression: 'none', verified: false };
}

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n';
const origins = [{ index: 0, instruction: 'RUN apt-get install -y openjdk-17-jdk-headless' }, { index: 1, instruction: 'COPY . /app' }];

describe('secrets by content', () => {
  it('finds a key under an ordinary name and an AWS key id; a key a package ships is information only', () => {
    const status = 'Package: libfoo-java\nStatus: install ok installed\nVersion: 1\n';
    const layers = [
      layer(0, [
        ['var/lib/dpkg/status', status],
        ['var/lib/dpkg/info/libfoo-java.list', '/.\n/usr/share/foo/test/client.pem\n/etc/foo/test-key.pem\n'],
        ['etc/foo/test-key.pem', KEY],
      ]),
      layer(1, [
        ['app/config/deploy', KEY],
        ['app/settings.yaml', 'aws:\n  id: AKIAZZZZ7ZZZZZZZZZ2Z\n'],
        ['app/doc.yaml', 'example: AKIAIOSFODNN7EXAMPLE\n'],
        ['app/cert.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'],
      ]),
    ];
    const r = findFindings({ analysis: analyze(layers), contents: layers, origins });
    const got = r.findings.filter((f) => f.category === 'secret').map((f) => [f.rule, f.severity, f.paths[0].path, f.bytes]);
    assert.deepEqual(got.sort(), [
      ['secret-cloud-key', 'high', '/app/settings.yaml', 32],
      ['secret-packaged', 'low', '/etc/foo/test-key.pem', 0],
      ['secret-private-key', 'high', '/app/config/deploy', KEY.length],
    ]);
    const pk = r.findings.find((f) => f.rule === 'secret-packaged')!;
    assert.match(pk.fix, /libfoo-java ships this private key/);
    const key = r.findings.find((f) => f.rule === 'secret-private-key')!;
    assert.equal(key.evidence?.basis, 'content');
    // never the value
    assert.doesNotMatch(JSON.stringify(r), /b3BlbnNzaC1rZXkt|AKIAZZZZ/);
  });

  it('the capture sniffs small files where a key is plausible, not package trees or docs', () => {
    const c = new FindingsCapture();
    assert.equal(c.want('app/config/deploy', 3000, 0o644), 3000);
    assert.equal(c.want('home/u/notes', 50_000, 0o644), 4096);
    assert.equal(c.want('app/big.bin', 70_000, 0o644), false);
    assert.equal(c.want('usr/share/doc/x/key', 3000, 0o644), false);
    assert.equal(c.want('app/node_modules/x/test/key', 3000, 0o644), false);
    assert.equal(c.want('usr/bin/tool', 200_000, 0o755), 16 * 1024);
  });
});

describe('secrets in the image config', () => {
  const config: ImageConfig = {
    config: {
      Env: ['PATH=/usr/bin', 'NPM_TOKEN=npm_abcdefghijklmnopqrstuvwxyz0123456789', 'PASSWORD_FILE=/run/secrets/pw', 'GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D'],
      Labels: { 'org.example.api-token': 's3cr3t-value-123', maintainer: 'me' },
      Cmd: ['node', 'server.js'],
    },
    history: [
      { created_by: '/bin/sh -c #(nop) ADD file:abc in / ' },
      { created_by: 'ARG GITHUB_TOKEN=ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', empty_layer: true },
      { created_by: '|1 GITHUB_TOKEN=ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa /bin/sh -c npm ci' },
      { created_by: '/bin/sh -c #(nop)  ENV DB_PASSWORD=hunter22', empty_layer: true },
      { created_by: 'RUN /bin/sh -c make # buildkit' },
    ],
  };

  it('names say which variables hold secrets', () => {
    for (const n of ['NPM_TOKEN', 'DB_PASSWORD', 'AWS_SECRET_ACCESS_KEY', 'API_KEY', 'GITHUB_TOKEN', 'client_secret']) assert.ok(secretName(n), n);
    for (const n of ['PATH', 'PWD', 'PASSWORD_FILE', 'GPG_KEY', 'TOKEN_URL', 'KEYBOARD', 'BYPASS_CACHE']) assert.ok(!secretName(n), n);
  });

  it('finds ENV, label and build-arg secrets, and redacts every value keeping the structure', () => {
    const scan = scanConfig(config);
    assert.deepEqual(
      scan.secrets.map((s) => [s.where, s.name, s.historyIndex]),
      [
        ['env', 'NPM_TOKEN', undefined],
        ['label', 'org.example.api-token', undefined],
        ['history', 'GITHUB_TOKEN', 1],
        ['history', 'GITHUB_TOKEN', 2],
        ['history', 'DB_PASSWORD', 3],
      ],
    );
    const red = redactConfig(config, scan);
    assert.equal(red.history![2].created_by, `|1 GITHUB_TOKEN=${REDACTED} /bin/sh -c npm ci`);
    assert.equal(red.history![3].created_by, `/bin/sh -c #(nop)  ENV DB_PASSWORD=${REDACTED}`);
    assert.deepEqual(red.config!.Env, ['PATH=/usr/bin', `NPM_TOKEN=${REDACTED}`, 'PASSWORD_FILE=/run/secrets/pw', 'GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D']);
    assert.equal(red.config!.Labels!['org.example.api-token'], REDACTED);
    assert.doesNotMatch(JSON.stringify(red), /npm_abc|ghp_a|hunter22|s3cr3t/);
    // the original is untouched, and a config without secrets comes back as the same object
    assert.match(config.history![2].created_by!, /ghp_a/);
    const clean: ImageConfig = { config: { Env: ['PATH=/bin'] }, history: [{ created_by: '/bin/sh -c make' }] };
    assert.equal(redactConfig(clean), clean);
  });

  it('reports them as findings on the layer of the step, values never printed', () => {
    const layers = [layer(0, [['bin/sh', 'x']]), layer(1, [['app/x', 'y']]), layer(2, [['app/y', 'z']])];
    const scan = scanConfig(config);
    const r = findFindings({ analysis: analyze(layers), contents: layers, origins: [0, 1, 2].map((index) => ({ index, instruction: '' })), config: redactConfig(config, scan), configSecrets: scan.secrets });
    const s = r.findings.filter((f) => f.category === 'secret').map((f) => [f.rule, f.layer, f.paths[0].path]);
    assert.deepEqual(s, [
      ['secret-build-arg', 1, 'config history[1] GITHUB_TOKEN'],
      ['secret-build-arg', 1, 'config history[2] GITHUB_TOKEN'],
      ['secret-build-arg', 2, 'config history[3] DB_PASSWORD'],
      ['secret-config-env', 2, 'config Env NPM_TOKEN'],
      ['secret-config-label', 2, 'config Labels org.example.api-token'],
    ]);
    assert.equal(r.potentialSavingsBytes, 0);
  });
});

describe('keys in the history', () => {
  it('a key with its body is a secret; the markers around a command that makes one are not', () => {
    const body = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW';
    const withKey: ImageConfig = { history: [{ created_by: `/bin/sh -c printf '-----BEGIN OPENSSH PRIVATE KEY-----\\n${body}\\n-----END OPENSSH PRIVATE KEY-----\\n' > /root/.ssh/id_rsa` }] };
    const scan = scanConfig(withKey);
    assert.equal(scan.secrets.length, 1);
    assert.doesNotMatch(redactConfig(withKey, scan).history![0].created_by!, new RegExp(body.slice(0, 20)));
    const maker: ImageConfig = { history: [{ created_by: "/bin/sh -c { echo '-----BEGIN OPENSSH PRIVATE KEY-----'; head -c 1200 /dev/urandom | base64; echo '-----END OPENSSH PRIVATE KEY-----'; } > k" }] };
    assert.equal(scanConfig(maker).secrets.length, 0);
  });
});
