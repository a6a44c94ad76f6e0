#!/usr/bin/env node
/**
 * Builds the CLI that bin/msb.js runs: src/cli/main.ts bundled by esbuild into dist/msb.js, with
 * every lazily imported part (each command, the pipeline, reports, the terminal UI) split into
 * chunks of its own, so `msb --version` loads one small file and `--json` never loads the UI.
 * ink and react are bundled into the UI's chunk: loaded from node_modules they cost ~290 ms before
 * the first frame (dozens of files opened one by one, and Node's CommonJS export scan of react's
 * and the reconciler's sources), the bundled chunk ~85 ms. dockerode stays outside (imported at run
 * time by the Docker daemon source only; its ssh2 dependency has optional native parts), and so
 * does react-devtools-core, which ink imports only when DEV is set and msb does not install.
 *
 *   node scripts/build.mjs [OUT_DIR]     (default dist; npm install runs it through "prepare")
 */
import { build } from 'esbuild';
import { renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * commander requires node:child_process when it loads, for executable subcommands (msb has none);
 * with it come dgram and child_process's internals, ~0.8% of `inspect --json`'s instructions.
 * Its copy gets a stand-in that requires the real module on first use.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    const commander = `${path.sep}node_modules${path.sep}commander${path.sep}`;
    b.onResolve({ filter: /^node:child_process$/ }, (a) => (a.importer.includes(commander) ? { path: 'child_process', namespace: 'lazy' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:child_process'))[k] });",
      loader: 'js',
    }));
  },
};
const outdir = path.resolve(root, process.argv[2] ?? 'dist');
// Chunk names carry content hashes: clear out the last build's.
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { msb: 'src/cli/main.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir,
  chunkNames: 'chunks/[name]-[hash]',
  // .mjs: Node knows these are ES modules from the name, without looking for a package.json up the
  // tree for every import between chunks (94 on the inspect path).
  outExtension: { '.js': '.mjs' },
  external: ['react-devtools-core', 'dockerode'],
  jsx: 'automatic',
  legalComments: 'none',
  plugins: [lazyChildProcess],
  logLevel: 'warning',
  // Bundled CommonJS packages (commander, tar-stream) call require() for Node's own modules.
  banner: { js: "import { createRequire as __msbCreateRequire } from 'node:module'; const require = __msbCreateRequire(import.meta.url);" },
});
// The entry keeps its name (bin/msb.js and the packaging load dist/msb.js); no chunk imports it.
renameSync(path.join(outdir, 'msb.mjs'), path.join(outdir, 'msb.js'));
