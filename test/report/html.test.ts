/**
 * The HTML report in a real browser (Debian's chromium, driven by playwright-core): the size map
 * renders from the pipeline's result, a click zooms in, hovering explains a cell, and a hostile file
 * name with markup shows as text. Skipped with a reason when no chromium is installed (.ci/run
 * installs it).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { resolveImage } from '../../src/source/resolve.js';
import { inspect } from '../../src/pipeline/inspect.js';
import { renderDiffHtml, renderHtml } from '../../src/report/html/page.js';
import { diffResults } from '../../src/pipeline/diff.js';
import { dockerArchive, tarBuffer } from '../helpers/handmade.js';
import { ROOT } from '../helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : 'chromium is not installed (apt-get install chromium)';

let dir: string;
let browser: Browser;
before(async () => {
  if (skip) return;
  dir = mkdtempSync(path.join(tmpdir(), 'msb-html-'));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function report(ref: string, dockerfile?: string): Promise<string> {
  const image = await resolveImage(ref, {});
  try {
    const file = path.join(dir, `${path.basename(ref)}.html`);
    writeFileSync(file, renderHtml(await inspect(image, dockerfile ? { dockerfile } : {})));
    return pathToFileURL(file).href;
  } finally {
    await image.close();
  }
}

describe('the HTML report', { skip }, () => {
  test('the size map renders stages, zooms in on a click and explains a cell on hover', async () => {
    const url = await report(path.join(ROOT, 'examples/demo-app.tar'), path.join(ROOT, 'examples/demo-app/Dockerfile'));
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    assert.deepEqual(await page.locator('#map .cell.d1').evaluateAll((els) => els.map((e) => e.getAttribute('data-name'))), ['stage 1', 'base image localhost/busybox-base']);
    // The biggest finding, the 2.1 MB deleted download, is a wasted cell on the map.
    assert.equal(await page.locator('#map .cell[data-category="w"][data-bytes="2097152"]').count(), 1);
    assert.match(await page.locator('#title').textContent() ?? '', /demo-app\.tar \(linux\/amd64\)/);
    assert.equal(await page.locator('#findings tr').count(), 1 + 11, 'a head row and the 11 findings (hardening ones included)');
    // Hover: path, bytes, layer with its Dockerfile line.
    await page.locator('#map .cell[data-category="w"][data-bytes="2097152"]').hover();
    assert.match(await page.locator('#tip').textContent() ?? '', /2\.10 MB · wasted\nlayer 4 · Dockerfile line 47 · stage 1: RUN head -c 2097152/);
    // Click the stage: its layers become the top level; the breadcrumb goes back.
    await page.locator('#map .cell.d1[data-name="stage 1"] > .label').click();
    assert.equal(await page.locator('#crumbs .crumb').count(), 2);
    const layers = await page.locator('#map .cell.d1').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));
    assert.ok(layers.length >= 4 && layers.every((n) => /^L[1-6] /.test(n ?? '')), layers.join(', '));
    await page.locator('#crumbs .crumb[data-depth="0"]').click();
    assert.equal(await page.locator('#map .cell.d1').count(), 2);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a hostile file name with markup shows as text and runs nothing (HAND-BUILT image)', async () => {
    const evil = ['<img src=x onerror="window.pwned=1">.txt', '</script><script>window.pwned=2</script>', '"><svg onload="window.pwned=3">'];
    const f = await dockerArchive(path.join(dir, 'evil.tar'), [await tarBuffer(evil.map((name) => ({ name, data: 'x'.repeat(50_000) })))]);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(await report(f));
    assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
    assert.equal(await page.locator('img, svg').count(), 0);
    const names = await page.locator('#map .cell').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));
    // Names are path components on the map: the ones without a slash show whole, as text.
    for (const n of evil.filter((x) => !x.includes('/'))) assert.ok(names.includes(n), `${n} is on the map as text`);
    assert.ok(names.includes('<'), 'the </script> name is there too, split at its slashes');
    await page.close();
  });

  test('msb diff as HTML: where the second image grew, by stage and directory', async () => {
    const [a, b] = [await resolveImage(path.join(ROOT, 'test/fixtures/images/multistage.tar'), {}), await resolveImage(path.join(ROOT, 'examples/demo-app.tar'), {})];
    const file = path.join(dir, 'diff.html');
    const d = await diffResults(await inspect(a), await inspect(b));
    writeFileSync(file, renderDiffHtml(d));
    const grown = d.diff.items.reduce((t, i) => t + Math.max(0, i.afterBytes - i.beforeBytes), 0);
    await a.close();
    await b.close();
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(pathToFileURL(file).href);
    assert.match(await page.locator('h1').textContent() ?? '', /^msb diff · .*multistage\.tar → .*demo-app\.tar$/);
    // Only the build's own layers grew: the shared base image is no area on the map.
    assert.deepEqual(await page.locator('#map .cell.d1').evaluateAll((els) => els.map((e) => e.getAttribute('data-name'))), ['build']);
    assert.equal(await page.locator('#map .cell.d1').getAttribute('data-bytes'), String(grown), 'the map is every added and grown byte');
    assert.ok(grown > 1_000_000);
    const stages = await page.locator('#stages tr').evaluateAll((rows) => rows.map((r) => r.textContent));
    assert.ok(stages.some((t) => /^base image localhost\/busybox-base:latest1\.98 MB1\.98 MB±0 B$/.test(t ?? '')), stages.join(' | '));
    assert.ok(stages.some((t) => /^build300 kB4\.69 MB\+4\.39 MB$/.test(t ?? '')), stages.join(' | '));
    assert.ok(await page.locator('#directories tr').count() > 3);
    await page.close();
  });

  test('a 200,000-file image gives a report of a few hundred kB (small files folded per directory)', async () => {
    const big = path.join(ROOT, 'bench/out/big.tar');
    if (!existsSync(big)) return; // generated by bench/make-big-image.ts; not part of the suite
    const url = await report(big);
    const size = (await import('node:fs')).statSync(new URL(url)).size;
    assert.ok(size < 3_000_000, `${size} bytes`);
  });
});

describe('msb writes the HTML reports', () => {
  test('inspect --format html -o, -o report.html alone, and diff --format html -o: one whole page each, written atomically', async () => {
    const { runMsb } = await import('../helpers/cli.js');
    const { readFileSync, mkdtempSync: mk, readdirSync } = await import('node:fs');
    const out = mk(path.join(tmpdir(), 'msb-html-cli-'));
    try {
      const a = await runMsb(['inspect', 'examples/demo-app.tar', '--format', 'html', '-o', path.join(out, 'a.html')]);
      assert.equal(a.code, 0, a.stderr);
      const b = await runMsb(['inspect', 'examples/demo-app.tar', '-o', path.join(out, 'report.html')]);
      assert.equal(b.code, 0, b.stderr);
      const d = await runMsb(['diff', 'test/fixtures/images/multistage.tar', 'examples/demo-app.tar', '--format', 'html', '-o', path.join(out, 'diff.html')]);
      assert.equal(d.code, 0, d.stderr);
      for (const f of ['a.html', 'report.html', 'diff.html']) {
        const html = readFileSync(path.join(out, f), 'utf8');
        assert.match(html, /^<!doctype html>/);
        assert.match(html, /<\/html>\n$/);
        assert.doesNotMatch(html, /<script src=|<link /, 'nothing is loaded from anywhere');
      }
      assert.match(readFileSync(path.join(out, 'diff.html'), 'utf8'), /<h1>msb diff · /);
      assert.deepEqual(readdirSync(out).sort(), ['a.html', 'diff.html', 'report.html'], 'no temp files left');
      const bad = await runMsb(['diff', 'test/fixtures/images/multistage.tar', 'examples/demo-app.tar', '--format', 'pdf']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /unknown --format "pdf": expected one of text, json, html/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
