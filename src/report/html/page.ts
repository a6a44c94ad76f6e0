import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { DiffResult, InspectResult } from '../../pipeline/types.js';
import { diffReportData } from './diff-model.js';
import { CLIENT_JS } from './client.js';
import { safeJson } from '../../safe-text.js';
import { type ReportData, reportData } from './model.js';

/**
 * `--format html`: one self-contained file that opens offline in any browser. The styles, the
 * page's script and d3-hierarchy (the treemap layout) are inlined; the data sits in a JSON script
 * element, escaped so no string from the image can close it.
 */

/** d3-hierarchy's browser build, read once from the installed package. */
let d3Source: string | undefined;
function d3Hierarchy(): string {
  if (d3Source === undefined) {
    const require = createRequire(import.meta.url);
    // The package's main entry is src/index.js; its browser build sits beside it in dist/.
    const root = path.dirname(path.dirname(require.resolve('d3-hierarchy')));
    d3Source = readFileSync(path.join(root, 'dist', 'd3-hierarchy.min.js'), 'utf8');
  }
  return d3Source;
}

/** JSON that is safe inside <script>: no "</script>", no "<!--", no line separators. */
export function scriptJson(value: unknown): string {
  return safeJson(JSON.stringify(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const CSS = `
:root { --bg: #fff; --fg: #1d1f21; --dim: #666; --line: #ddd; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; padding: 16px 24px; color: var(--fg); background: var(--bg); }
h1 { font-size: 18px; margin: 0 0 8px; word-break: break-all; }
h2 { font-size: 16px; margin: 24px 0 8px; }
#summary { display: flex; flex-wrap: wrap; gap: 8px 24px; margin-bottom: 8px; }
.fact .k { color: var(--dim); margin-right: 6px; } .fact .v { font-weight: 600; }
.note { width: 100%; color: var(--dim); }
#legend { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0; color: var(--dim); }
.sw { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; border: 1px solid #0003; }
#crumbs { margin: 4px 0; } .crumb { border: 0; background: none; color: #1565c0; cursor: pointer; padding: 0; font: inherit; }
#map { position: relative; width: 100%; height: 560px; border: 1px solid var(--line); background: #fafafa; overflow: hidden; }
.cell { position: absolute; overflow: hidden; cursor: pointer; border: 1px solid #fff8; }
.cell.group { background: #e9ecef; border-color: #adb5bd; }
.cell .label { display: block; padding: 1px 3px; font-size: 11px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.cell.group > .label { font-weight: 600; } .cell.d2.group { background: #f1f3f5; }
.c-n { background: #9ccc65; } .c-w { background: #e57373; } .c-t { background: #ffb74d; } .c-c { background: #ba68c8; }
.c-s { background: #64b5f6; } .c-l { background: #bdbdbd; } .c-x { background: #d32f2f; color: #fff; }
.c-a { background: #ef9a9a; } .c-g { background: #ffcc80; }
#tip { position: absolute; display: none; max-width: 320px; padding: 6px 8px; background: #263238; color: #fff; font-size: 12px; white-space: pre-wrap; word-break: break-all; pointer-events: none; border-radius: 4px; z-index: 10; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; border-bottom: 1px solid var(--line); padding: 4px 6px; vertical-align: top; }
td { word-break: break-word; }
`;

export function renderHtml(result: InspectResult): string {
  return page(reportData(result), '');
}

export function renderDiffHtml(result: DiffResult): string {
  return page(diffReportData(result), ' diff');
}

function page(data: ReportData, kind: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>msb report</title>
<style>${CSS}</style>
</head>
<body>
<h1>msb${kind} · <span id="title"></span></h1>
<div id="summary"></div>
<h2>Where the bytes are</h2>
<div id="legend"></div>
<div id="crumbs"></div>
<div id="map" data-testid="map"></div>
<div id="tip"></div>
<div id="tables"></div>
<script id="msb-data" type="application/json">${scriptJson(data)}</script>
<script>${d3Hierarchy()}</script>
<script>${CLIENT_JS}</script>
</body>
</html>
`;
}
