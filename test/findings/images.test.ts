import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Finding, FindingCategory } from '../../src/analysis/findings/types.js';
import { historyOrigins } from '../../src/analysis/attribution/index.js';
import type { LayerOrigin } from '../../src/analysis/origin.js';
import { findFindings, type FindingsResult } from '../../src/analysis/findings/find.js';
import { inspect as runPipeline, walkAndMerge } from '../../src/pipeline/inspect.js';
import type { InspectResult } from '../../src/pipeline/types.js';
import type { Image } from '../../src/source/types.js';
import { buildJsonReport } from '../../src/report/json.js';
import { renderText } from '../../src/report/text.js';
import { resolveImage } from '../../src/source/resolve.js';
import { findingsFixtures, type Planted } from './fixtures.js';

/**
 * Findings on real images built by buildah (test/fixtures/findings): a real gcc/binutils/make from
 * the host's Debian packages compiles hello.c in a RUN. Byte counts are checked against what each
 * Dockerfile planted (planted.json, computed by the builder from the files it put in the context).
 */

let fx: Awaited<ReturnType<typeof findingsFixtures>>;
let planted: Planted;

/** What the findings assertions read: the merge and the findings. */
type Inspection = Pick<InspectResult, 'analysis' | 'findings'>;

/** Inspects a fixture through the pipeline (history origins, as `msb inspect` without a Dockerfile). */
async function inspect(name: string): Promise<InspectResult> {
  const img = await resolveImage(fx.image(name));
  try {
    return await runPipeline(img);
  } finally {
    await img.close();
  }
}

/** The same walk, with findings computed for richer origins than the image history gives. */
async function inspectWith(name: string, origins: (img: Image) => LayerOrigin[]): Promise<Inspection> {
  const img = await resolveImage(fx.image(name));
  try {
    const w = await walkAndMerge(img);
    return { analysis: w.analysis, findings: findFindings({ analysis: w.analysis, contents: w.contents, origins: origins(w.image) }) };
  } finally {
    await img.close();
  }
}

const sum = (fs: Finding[]) => fs.reduce((s, f) => s + f.bytes, 0);
const byRule = (ins: Inspection, rule: string) => ins.findings.findings.filter((f) => f.rule === rule);
const byCat = (ins: Inspection, c: FindingCategory) => ins.findings.findings.filter((f) => f.category === c);
/** Findings about bytes (everything but hardening, which is about how the image runs). */
const build = (ins: Inspection) => ins.findings.findings.filter((f) => f.category !== 'hardening');

/** No byte counted twice: savings = Σ findings = Σ categories, and within what the image ships. */
function assertAccounting(ins: Inspection): void {
  const r = ins.findings;
  assert.equal(r.potentialSavingsBytes, sum(r.findings));
  assert.equal(r.potentialSavingsBytes, Object.values(r.bytesByCategory).reduce((a, b) => a + b, 0));
  assert.ok(r.potentialSavingsBytes <= ins.analysis.totalBytes);
  const wasteFindings = sum(byCat(ins, 'waste'));
  assert.equal(wasteFindings, ins.analysis.wastedBytes);
  assert.ok(r.potentialSavingsBytes - wasteFindings <= ins.analysis.finalBytes);
}

before(async () => {
  fx = await findingsFixtures();
  planted = fx.planted;
});

describe('single-stage C build that keeps toolchain and caches', () => {
  let ins: InspectResult;
  before(async () => {
    ins = await inspect('single.tar');
  });

  it('counts every byte of the toolchain packages, from dpkg evidence, in the layer that installed them', () => {
    const tc = byCat(ins, 'toolchain');
    // /src/hello loads libc.so.6 alone (DT_NEEDED, every library resolved): gcc's runtime libraries,
    // which only libgcc-12-dev depends on, go with the toolchain, as apt's autoremove would have it.
    assert.equal(sum(tc), planted.toolchainPackageBytes + planted.gccRuntimeLibBytes);
    assert.deepEqual(
      tc.map((f) => [f.rule, f.layer]),
      [['toolchain-packages', 2]],
    );
    const names = ins.findings.toolchainPackages.map((p) => p.name);
    for (const n of ['build-essential', 'gcc-12', 'cpp-12', 'binutils-x86-64-linux-gnu', 'make', 'libc6-dev', 'libisl23']) assert.ok(names.includes(n), n);
    for (const n of ['libgomp1', 'libquadmath0', 'libitm1', 'libatomic1']) assert.ok(names.includes(n), n);
    // Runtime libraries from the base image are not toolchain even though gcc depends on them.
    for (const n of ['libc6', 'libgcc-s1', 'libstdc++6', 'zlib1g', 'gcc-12-base']) assert.ok(!names.includes(n), n);
    assert.ok(planted.gccRuntimeLibBytes > 0);
    assert.ok(ins.findings.toolchainPackages.every((p) => p.layer === 2));
    assert.equal(ins.findings.packageManager, 'dpkg');
    assert.match(tc[0].fix, /^layer 2 \(`RUN .*`\): this RUN installs a build toolchain \(cpp-12, .*separate stage/);
  });

  it('finds apt lists, downloaded .debs and the pip cache with their fixes', () => {
    const lists = byRule(ins, 'cache-apt-lists');
    assert.equal(sum(lists), planted.aptListsBytes);
    assert.match(lists[0].fix, /add `&& rm -rf \/var\/lib\/apt\/lists\/\*` to this RUN/);
    assert.equal(sum(byRule(ins, 'cache-apt')), planted.aptCacheBytes);
    assert.match(byRule(ins, 'cache-apt')[0].fix, /apt-get clean/);
    const pip = byRule(ins, 'cache-pip');
    assert.equal(sum(pip), 4_500_000);
    assert.equal(pip[0].layer, 3);
    assert.match(pip[0].fix, /pip install --no-cache-dir/);
    assert.equal(sum(byCat(ins, 'cache')), planted.aptListsBytes + planted.aptCacheBytes + 4_500_000);
  });

  it('finds the sources the COPY brought and the object file make left', () => {
    const copied = byCat(ins, 'source').filter((f) => f.layer === 4);
    assert.equal(sum(copied), planted.srcBytes);
    const paths = copied.flatMap((f) => f.paths.map((p) => p.path)).sort();
    assert.deepEqual(paths, ['/src/Makefile', '/src/greet.h', '/src/hello.c']);
    const objs = byRule(ins, 'source-objects');
    assert.deepEqual(objs.map((f) => [f.layer, f.paths[0].path]), [[5, '/src/hello.o']]);
    // The compiled program itself is not a finding.
    assert.ok(!ins.findings.findings.some((f) => f.paths.some((p) => p.path === '/src/hello')));
    // The dpkg status the toolchain install rewrote is the price of installing, not a mistake.
    const waste = byCat(ins, 'waste');
    assert.deepEqual(waste.map((f) => [f.rule, f.layer, f.paths[0].path]), [['waste-overwritten', 0, '/var/lib/dpkg/status']]);
    assert.match(waste[0].fix, /rewrites .* of package-manager state \(every install does\): install all packages in one RUN/);
    assertAccounting(ins);
  });

  it('leads the text report with what can go and the biggest fix', () => {
    const text = renderText(ins, 120);
    const lines = text.split('\n');
    assert.match(lines.find((l) => l.startsWith('Can go:')) ?? '', /^Can go: 1\d\d MB of 1\d\d MB \(9\d%\) · toolchain 9\d\.\d MB · caches/);
    const first = lines.findIndex((l) => /^ +1\. +9\d\.\d MB +layer 2/.test(l));
    assert.ok(first > 0, text);
    assert.ok(lines.findIndex((l) => /^ +2\. /.test(l)) > first);
  });

  it('names the stage when the final stage is built FROM the builder (richer origins)', async () => {
    const rich = await inspectWith('single.tar', (img) =>
      historyOrigins(img.config, img.layers.length).map((o, i) => ({ ...o, stage: i < 5 ? 'builder' : 'final', line: i + 1 })),
    );
    const tc = byRule(rich, 'toolchain-packages')[0];
    assert.equal(tc.stage, 'builder');
    assert.equal(tc.line, 3);
    assert.match(tc.fix, /^line 3, stage builder: this image's final stage is built `FROM builder`: the toolchain ships/);
    assert.match(byRule(rich, 'cache-apt-lists')[0].fix, /^line 3, stage builder: add `&& rm -rf \/var\/lib\/apt\/lists\/\*` to this RUN/);
  });
});

describe('multi-stage build that copies the whole build directory', () => {
  let ins: InspectResult;
  before(async () => {
    ins = await inspect('multi-dirty.tar');
  });

  it('finds sources, objects, cache and .git in the COPY layer and no toolchain', () => {
    assert.equal(byCat(ins, 'toolchain').length, 0);
    assert.equal(sum(byCat(ins, 'cache')), 2_000_000);
    assert.equal(sum(byRule(ins, 'source-vcs')), 1_000_000 + 'ref: refs/heads/main\n'.length);
    assert.equal(sum(byRule(ins, 'source-code')) + sum(byRule(ins, 'source-build-files')), planted.srcBytes);
    assert.equal(byRule(ins, 'source-objects')[0].paths[0].path, '/app/hello.o');
    assert.ok(build(ins).every((f) => f.layer === 2));
    // One fix for the whole COPY, naming the binary to copy instead.
    const fixes = new Set(build(ins).map((f) => f.fix));
    assert.equal(fixes.size, 1);
    assert.match([...fixes][0], /this COPY brings 3 MB of sources\/objects and cache; copy only `\/app\/hello`/);
    assertAccounting(ins);
  });

  it('phrases the fix with the COPY --from source when attribution knows it', async () => {
    const rich = await inspectWith('multi-dirty.tar', (img) => {
      const origins = historyOrigins(img.config, img.layers.length);
      origins[2] = { ...origins[2], stage: '1', line: 12, fromStage: 'builder', fromPath: '/build' };
      return origins;
    });
    assert.equal(
      rich.findings.findings[0].fix,
      'line 12, stage 1: `COPY --from=builder /build /app` copies 3 MB of sources/objects and cache; copy only `/build/hello`',
    );
  });
});

describe('clean images produce no findings', () => {
  for (const name of ['multi-clean.tar', 'busybox.tar']) {
    it(name, async () => {
      const ins = await inspect(name);
      assert.deepEqual(build(ins), []);
      // how it runs is another matter: as root, with busybox's shell its entrypoint does not use
      assert.deepEqual(ins.findings.findings.map((f) => f.rule).sort(), name === 'busybox.tar' ? ['hardening-root'] : ['hardening-root', 'hardening-shell']);
      assert.equal(ins.findings.potentialSavingsBytes, 0);
      const text = renderText(ins);
      assert.match(text, /Can go: nothing found/);
    });
  }

  it('a Debian-like runtime (libc6, libgcc_s, libstdc++, Python .py, CA cert, dpkg db) only has doc leftovers', async () => {
    const ins = await inspect('runtime.tar');
    assert.ok(build(ins).length > 0);
    for (const f of build(ins)) assert.equal(f.rule, 'leftover-docs', f.rule);
    assert.equal(sum(build(ins)), planted.docsBytes);
    assert.ok(build(ins).every((f) => f.severity === 'low'));
    assert.deepEqual(ins.findings.toolchainPackages, []);
  });
});

describe('planted credentials', () => {
  const TOKEN = 'msb-test-not-a-real-token-7f3a9c0d';
  for (const name of ['secrets.tar', 'secrets-oci']) {
    it(`${name}: reports the key, the npm token and the deleted key by path only`, async () => {
      const ins = await inspect(name);
      const secrets = byCat(ins, 'secret').map((f) => [f.rule, f.layer, f.paths[0].path, f.bytes]);
      assert.deepEqual(secrets, [
        ['secret-private-key', 2, '/root/.ssh/id_ed25519', planted.idEd25519Bytes],
        ['secret-npm-token', 3, '/root/.npmrc', 85],
        // Deleted by layer 6 but still shipped by layer 5; its bytes are counted as waste.
        ['secret-private-key', 5, '/etc/app/server.key', 0],
      ]);
      assert.match(byCat(ins, 'secret')[2].fix, /deleted by layer 6 but still ships in this layer/);
      // The .npmrc without a token and the CA certificate are not secrets.
      assert.ok(!ins.findings.findings.some((f) => f.paths.some((p) => p.path === '/app/.npmrc' || p.path.endsWith('.pem'))));
      const json = JSON.stringify(buildJsonReport(ins));
      const text = renderText(ins);
      for (const out of [json, text]) {
        assert.ok(!out.includes(TOKEN));
        assert.ok(!out.includes('PRIVATE KEY'));
      }
      assertAccounting(ins);
    });
  }
});

describe('Node.js app installed with devDependencies and the npm cache', () => {
  it('finds devDependencies from the lockfile, a package test folder and ~/.npm; express stays', async () => {
    const ins = await inspect('node.tar');
    const got = build(ins).map((f) => [f.rule, f.layer, f.bytes]);
    assert.deepEqual(got, [
      ['node-dev-dependencies', 3, 9_400_000],
      ['cache-npm', 3, 700_000],
      ['source-tests', 3, 30_000],
    ]);
    const dev = byRule(ins, 'node-dev-dependencies')[0];
    assert.deepEqual(dev.paths.map((p) => p.path).sort(), ['/app/node_modules/@types/node/index.d.ts', '/app/node_modules/typescript/lib/tsc.js']);
    assert.match(dev.fix, /npm ci --omit=dev/);
    assert.match(byRule(ins, 'cache-npm')[0].fix, /npm cache clean --force/);
    assertAccounting(ins);
  });
});
