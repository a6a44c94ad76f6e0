/**
 * Screenshots of the real TUI: renders the app's actual frames (ink, real pipeline on IMAGE) into a
 * headless terminal emulator (@xterm/headless) and writes what the emulator's screen holds as SVG.
 *   node --import tsx scripts/screenshots.ts IMAGE [OUT_DIR=screenshots] [COLSxROWS=100x30]
 *   node --import tsx scripts/screenshots.ts --diff A B [OUT_DIR=screenshots] [COLSxROWS=100x30]
 *   node --import tsx scripts/screenshots.ts --html IMAGE [DOCKERFILE] [OUT_DIR=screenshots]
 * The second form renders the `msb diff A B` screen (diff*.svg). Nothing is drawn by hand: every
 * cell comes from the emulator's buffer.
 */
import { EventEmitter } from 'node:events';
import { FakeStdin } from './fake-stdin.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import xterm from '@xterm/headless';

const args = process.argv.slice(2);
if (args[0] === '--html') {
  // The HTML report as a browser shows it: headless Chromium's own screenshot of the page.
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, writeFileSync, mkdirSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { resolveImage } = await import('../src/source/resolve.js');
  const { inspect } = await import('../src/pipeline/inspect.js');
  const { renderHtml } = await import('../src/report/html/page.js');
  const [ref, dockerfile, out = 'screenshots'] = args.slice(1);
  const image = await resolveImage(ref, {});
  const tmp = mkdtempSync(path.join(tmpdir(), 'msb-shot-'));
  const file = path.join(tmp, 'report.html');
  writeFileSync(file, renderHtml(await inspect(image, dockerfile ? { dockerfile } : {})));
  await image.close();
  mkdirSync(out, { recursive: true });
  const png = path.resolve(out, 'report.png');
  execFileSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${path.join(tmp, 'profile')}`, '--window-size=1200,1100', `--screenshot=${png}`, `file://${file}`], { stdio: 'ignore' });
  process.stdout.write(`${png}\n`);
  process.exit(0);
}
const diffMode = args[0] === '--diff';
const [image, other] = diffMode ? args.slice(1, 3) : [args[0], undefined];
const [outDir = 'screenshots', size = '100x30'] = args.slice(diffMode ? 3 : 1);
if (!image || (diffMode && !other)) {
  process.stderr.write('usage: scripts/screenshots.ts IMAGE [OUT_DIR] [COLSxROWS]\n       scripts/screenshots.ts --diff A B [OUT_DIR] [COLSxROWS]\n');
  process.exit(2);
}
const [cols, rows] = size.split('x').map(Number);

// Colour on (the emulator is a colour terminal) and React's production build, before ink loads.
process.env.FORCE_COLOR = '3';
delete process.env.NO_COLOR;
process.env.NODE_ENV ??= 'production';
const React = (await import('react')).default;
const { render } = await import('ink');
const { App } = await import('../src/tui/App.js');
const { Loading } = await import('../src/tui/Loading.js');
const { themeFor } = await import('../src/tui/theme.js');
const { initialLoading, reduceProgress } = await import('../src/tui/model/loading.js');
const { resolveImage: resolveAny } = await import('../src/source/resolve.js');
const { isImageStream } = await import('../src/source/types.js');
/** Screenshots are taken of image files and registries; a daemon's stream would have to be walked first. */
const resolveImage = async (ref: string, o: Parameters<typeof resolveAny>[1]) => {
  const x = await resolveAny(ref, o);
  if (isImageStream(x)) throw new Error(`${ref}: screenshots need an image file or registry, not a daemon`);
  return x;
};
const { inspect } = await import('../src/pipeline/inspect.js');
const { tuiData, diffData } = await import('../src/tui/data.js');

class Out extends EventEmitter {
  isTTY = true;
  columns = cols;
  rows = rows;
  constructor(private readonly term: InstanceType<typeof xterm.Terminal>) {
    super();
  }
  write = (s: string) => {
    this.term.write(s);
    return true;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A dark palette for the 16 ANSI colours.
const PALETTE = ['#1d1f21', '#cc6666', '#b5bd68', '#f0c674', '#81a2be', '#b294bb', '#8abeb7', '#c5c8c6', '#666666', '#d54e53', '#b9ca4a', '#e7c547', '#7aa6da', '#c397d8', '#70c0b1', '#eaeaea'];
const FG = '#c5c8c6';
const BG = '#1d1f21';

function colour(mode: 'fg' | 'bg', cell: ReturnType<NonNullable<ReturnType<InstanceType<typeof xterm.Terminal>['buffer']['active']['getLine']>>['getCell']>): string | undefined {
  if (!cell) return undefined;
  const rgb = mode === 'fg' ? cell.isFgRGB() : cell.isBgRGB();
  const pal = mode === 'fg' ? cell.isFgPalette() : cell.isBgPalette();
  const c = mode === 'fg' ? cell.getFgColor() : cell.getBgColor();
  if (rgb) return `#${c.toString(16).padStart(6, '0')}`;
  if (pal) return c < 16 ? PALETTE[c] : undefined;
  return undefined;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The emulator's screen as SVG: one <text> run per stretch of cells with the same style. */
function toSvg(term: InstanceType<typeof xterm.Terminal>, title: string): string {
  const cw = 8.4;
  const ch = 18;
  const pad = 12;
  const buf = term.buffer.active;
  const parts: string[] = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buf.getLine(buf.viewportY + y);
    if (!line) continue;
    let x = 0;
    while (x < term.cols) {
      const cell = line.getCell(x)!;
      let fg = colour('fg', cell) ?? FG;
      let bg = colour('bg', cell);
      const bold = !!cell.isBold();
      const dim = !!cell.isDim();
      if (cell.isInverse()) {
        [fg, bg] = [bg ?? BG, fg];
      }
      let text = cell.getChars() || ' ';
      let x2 = x + 1;
      for (; x2 < term.cols; x2++) {
        const c = line.getCell(x2)!;
        let f = colour('fg', c) ?? FG;
        let b = colour('bg', c);
        if (c.isInverse()) [f, b] = [b ?? BG, f];
        if (f !== fg || b !== bg || !!c.isBold() !== bold || !!c.isDim() !== dim) break;
        text += c.getChars() || ' ';
      }
      const px = pad + x * cw;
      const py = pad + y * ch;
      if (bg) parts.push(`<rect x="${px}" y="${py}" width="${((x2 - x) * cw).toFixed(1)}" height="${ch}" fill="${bg}"/>`);
      if (text.trim()) {
        parts.push(
          `<text x="${px}" y="${py + ch - 5}" fill="${fg}"${bold ? ' font-weight="bold"' : ''}${dim ? ' opacity="0.6"' : ''} textLength="${((x2 - x) * cw).toFixed(1)}" lengthAdjust="spacingAndGlyphs">${esc(text)}</text>`,
        );
      }
      x = x2;
    }
  }
  const w = Math.ceil(pad * 2 + term.cols * cw);
  const h = Math.ceil(pad * 2 + term.rows * ch);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14" xml:space="preserve">
<title>${esc(title)}</title>
<rect width="100%" height="100%" fill="${BG}" rx="6"/>
${parts.join('\n')}
</svg>
`;
}

await mkdir(outDir, { recursive: true });
const theme = themeFor({});
const DOWN = '\u001B[B';
const UP = '\u001B[A';

async function shoot(name: string, title: string, el: React.ReactElement, keys: string[] = []): Promise<void> {
  // convertEol: a pty turns \n into \r\n (onlcr); ink relies on it.
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true, convertEol: true });
  const out = new Out(term);
  const inp = new FakeStdin();
  const ink = render(el, { stdout: out as unknown as NodeJS.WriteStream, stdin: inp as unknown as NodeJS.ReadStream, exitOnCtrlC: false, patchConsole: false });
  await sleep(150);
  for (const k of keys) {
    inp.write(k);
    await sleep(80);
  }
  await sleep(150);
  await new Promise<void>((r) => term.write('', r));
  await writeFile(join(outDir, `${name}.svg`), toSvg(term, title));
  ink.unmount();
  term.dispose();
  process.stdout.write(`${join(outDir, `${name}.svg`)}\n`);
}

if (diffMode) {
  // msb diff: the real comparison, layers attributed as the CLI does.
  const { diffResults } = await import('../src/pipeline/diff.js');
  const { DiffApp } = await import('../src/tui/DiffApp.js');
  const a = await resolveImage(image, {});
  const b = await resolveImage(other!, {});
  const data = diffData(await diffResults(await inspect(a), await inspect(b)));
  const app = () => React.createElement(DiffApp, { data, theme });
  await shoot('diff', `msb diff: ${image} → ${other}, largest changes first`, app(), ['s', DOWN, DOWN]);
  await shoot('diff-layers', 'msb diff: both images\' layers, shared ones marked =', app(), ['\t', DOWN]);
  await a.close();
  await b.close();
  process.exit(0);
}

const img = await resolveImage(image, {});
const events: Parameters<typeof reduceProgress>[1][] = [];
const result = await inspect(img, { onProgress: (p) => events.push({ type: 'layer', ...p }) });
const data = tuiData(result);
const ins = result;
// Loading: the real progress events of this image, replayed to the point where half the bytes were read.
let state = initialLoading(0, img.layers.map((l) => l.location?.size));
const total = img.layers.reduce((s, l) => s + (l.location?.size ?? 0), 0);
for (const e of events) {
  state = reduceProgress(state, e);
  if (state.layers.reduce((s, l) => s + l.bytesRead, 0) >= total / 2) break;
}
await shoot('loading', 'msb inspect: reading layers', React.createElement(Loading, { reference: image, state, now: 40, width: cols, height: rows - 1, theme }));

const app = () => React.createElement(App, { data, theme });
const wasteLayer = ins.analysis.layers.reduce((b, l) => (l.wastedBytes > ins.analysis.layers[b].wastedBytes ? l.index : b), 0);
await shoot('layers', 'msb inspect: layers', app(), Array(ins.analysis.layers.length - 1 - wasteLayer).fill(UP));
await shoot('layer-instruction', 'msb inspect: full instruction of a layer', app(), [...Array(ins.analysis.layers.length - 1 - wasteLayer).fill(UP), '\r']);
await shoot('files', 'msb inspect: files of the image, history of a file', app(), ['\t', '/', ...'bin/'.split(''), '\r', DOWN, DOWN, DOWN]);
await shoot('files-wasted', 'msb inspect: only wasted bytes', app(), ['\t', 'w', 's']);
await shoot('files-layer', "msb inspect: one layer's changes", app(), [...Array(ins.analysis.layers.length - 1 - wasteLayer).fill(UP), 'c', '\t', DOWN, DOWN]);
await shoot('findings', 'msb inspect: findings and the jump to a file', app(), ['\t', '\t']);
await shoot('findings-jump', 'msb inspect: after Enter on a finding', app(), ['\t', '\t', '\r']);
await shoot('evidence', 'msb inspect: why msb believes a finding, and what the entrypoint keeps', app(), ['\t', '\t', 'e']);
await shoot('help', 'msb inspect: keys', app(), ['?']);
await shoot('map', 'msb inspect: the Map, bytes by stage, layer and directory', app(), ['m']);
await shoot('map-app', 'msb inspect: the Map, drilled into /app', app(), ['m', DOWN, '\r']);
await img.close();
process.exit(0);
