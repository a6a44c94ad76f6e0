import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Finding } from '../../src/analysis/findings/types.js';
import { inspect as runPipeline } from '../../src/pipeline/inspect.js';
import type { InspectResult } from '../../src/pipeline/types.js';
import { resolveImage } from '../../src/source/resolve.js';
import { phpFixtures, type PhpTruth } from './fixtures.js';

/**
 * Findings on a real PHP image (test/fixtures/findings-php): a debootstrap'ed Debian with Debian's
 * php-cli and composer installed by apt-get in a RUN, `composer install` of one dependency from a
 * local artifact repository (packagist disabled), `CMD php /app/index.php`. composer keeps the
 * dependency's zip in its cache; truth.json says where and how many bytes.
 */

let fx: Awaited<ReturnType<typeof phpFixtures>>;
let truth: PhpTruth;
const OUTPUT = 'php fixture ok 42\n';
const sum = (fs: Finding[]) => fs.reduce((s, f) => s + f.bytes, 0);

before(async () => {
  fx = await phpFixtures();
  truth = fx.truth;
});

describe('single-stage PHP image (php-cli + composer from Debian, composer install in place)', () => {
  let ins: InspectResult;
  before(async () => {
    const img = await resolveImage(fx.image('php-single.tar'));
    try {
      ins = await runPipeline(img, {});
    } finally {
      await img.close();
    }
  });

  it("finds composer's cache exactly, on the composer install line, and never vendor/ or php", () => {
    assert.ok(truth.cacheBytes > 0 && truth.cacheFiles.some((f) => f.endsWith('.zip')), truth.cacheFiles.join(' '));
    const c = ins.findings.findings.filter((f) => f.rule === 'cache-composer');
    assert.equal(sum(c), truth.cacheBytes);
    assert.match(c[0].instruction, /composer install/);
    assert.match(c[0].fix, /--no-cache/);
    const paths = ins.findings.findings.filter((f) => ['toolchain', 'cache', 'source'].includes(f.category)).flatMap((f) => f.paths.map((p) => p.path));
    for (const p of paths) assert.doesNotMatch(p, /^\/app\/(?:vendor|index\.php)|^\/usr\/bin\/php|^\/usr\/lib\/php/, p);
    const rt = ins.findings.runtime;
    assert.equal(rt.resolved, true, rt.note);
    assert.ok(rt.files.includes('app/index.php'), rt.files.join(' '));
    assert.ok(rt.packages.some((p) => /^php[\d.]*-cli$/.test(p)), rt.packages.join(' '));
  });

  it('the app still runs with the cache removed', { skip: process.getuid?.() !== 0 && 'needs root (chroot)' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'msb-php-rootfs-'));
    try {
      const root = join(dir, 'root');
      mkdirSync(root);
      const tar = fx.image('php-single.tar');
      const [manifest] = JSON.parse(execFileSync('tar', ['-xOf', tar, 'manifest.json'], { encoding: 'utf8' })) as Array<{ Layers: string[] }>;
      for (const l of manifest.Layers) execFileSync('bash', ['-c', 'tar -xOf "$1" "$2" | tar --numeric-owner -xf - -C "$3"', 'unpack', tar, l, root]);
      rmSync(join(root, truth.cacheDir), { recursive: true, force: true });
      const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };
      assert.equal(execFileSync('chroot', [root, 'php', '/app/index.php'], { encoding: 'utf8', env }), OUTPUT);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
