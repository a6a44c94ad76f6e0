import { render, useApp, useInput } from 'ink';
import React, { useEffect, useRef, useState } from 'react';
import { MsbError } from '../errors.js';
import type { Finding } from '../analysis/findings/types.js';
import { historyOrigins } from '../analysis/attribution/index.js';
import type { LayerOrigin } from '../analysis/origin.js';
import type { Comparison } from '../compare.js';
import type { Inspection, InspectOptions } from '../inspect.js';
import type { Image } from '../source/types.js';
import { App } from './App.js';
import type { DiffData, TuiData } from './data.js';
import { DiffApp } from './DiffApp.js';
import { useTerminalSize } from './input.js';
import { Loading } from './Loading.js';
import type { Side } from './model/diff.js';
import { type LoadingState, type ProgressEvent, initialLoading, reduceProgress } from './model/loading.js';
import { type Theme, themeFor } from './theme.js';

/**
 * Opens the TUI: a loading screen with per-layer progress while the image(s) are read, then the
 * inspect or the diff screen. Ctrl-C while loading aborts the read (the AbortSignal reaches
 * inspectImage) and exits 130. Only src/cli.ts imports this, lazily, so --json and --help never load ink.
 */

export interface RunTuiOptions {
  image: Image;
  /** Runs the pipeline; gets the abort signal and the layer progress callback. */
  inspect: (opts: Pick<InspectOptions, 'signal' | 'onProgress'>) => Promise<Inspection>;
  /** Attribution for each layer; defaults to the image history. */
  origins?: (ins: Inspection) => LayerOrigin[] | Promise<LayerOrigin[]>;
  findings?: (ins: Inspection, origins: LayerOrigin[]) => Finding[] | Promise<Finding[]>;
  /** Hook for sources that download (registry pulls): call with download progress events. */
  subscribeDownloads?: (emit: (e: ProgressEvent) => void) => () => void;
}

export interface RunDiffTuiOptions {
  before: Image;
  after: Image;
  /** Runs the diff pipeline (compareImages) with one set of options per image, for their progress. */
  compare: (before: Pick<InspectOptions, 'signal' | 'onProgress'>, after: Pick<InspectOptions, 'signal' | 'onProgress'>) => Promise<Comparison>;
  /** Attribution for each layer of either image; defaults to the image history. */
  origins?: (side: Side, ins: Inspection) => LayerOrigin[] | Promise<LayerOrigin[]>;
}

type Load<T> = (signal: AbortSignal, push: (image: number, e: ProgressEvent) => void) => Promise<T>;

/**
 * Runs `load` once with progress per image, redrawing on a 100 ms tick (progress arrives per chunk,
 * far more often). Ctrl-C aborts it; failure or cancel end the screen through `onDone`.
 */
function useLoad<T>(images: Image[], load: Load<T>, onDone: (err?: unknown) => void): { data?: T; progress: LoadingState[]; size: [number, number]; theme: Theme; quit: () => void } {
  const { exit } = useApp();
  const theme = useRef(themeFor()).current;
  const [data, setData] = useState<{ value: T }>();
  const size = useTerminalSize();
  const progress = useRef<LoadingState[]>(images.map((img) => initialLoading(Date.now(), img.layers.map((l) => l.location?.size))));
  const [, setTick] = useState(0);
  const abort = useRef(new AbortController());

  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), 100);
    const push = (i: number, e: ProgressEvent) => {
      progress.current[i] = reduceProgress(progress.current[i], e);
    };
    load(abort.current.signal, push)
      .then((value) => setData({ value }))
      .catch((e) => {
        onDone(abort.current.signal.aborted ? new MsbError('cancelled', 130) : e);
        exit();
      })
      .finally(() => clearInterval(timer));
    return () => {
      clearInterval(timer);
      abort.current.abort();
    };
  }, []);

  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c') abort.current.abort();
    },
    { isActive: !data },
  );
  const quit = () => {
    onDone();
    exit();
  };
  return { data: data?.value, progress: progress.current, size, theme, quit };
}

/** Loading screen, then the inspect screen. `onDone` gets the error when loading failed or was cancelled. */
export function InspectScreen({ opts, onDone }: { opts: RunTuiOptions; onDone: (err?: unknown) => void }): React.ReactElement {
  const { data, progress, size, theme, quit } = useLoad<TuiData>(
    [opts.image],
    async (signal, push) => {
      const unsubscribe = opts.subscribeDownloads?.((e) => push(0, e));
      try {
        const ins = await opts.inspect({ signal, onProgress: (p) => push(0, { type: 'layer', ...p }) });
        const origins = (await opts.origins?.(ins)) ?? historyOrigins(ins.image.config, ins.image.layers.length);
        const findings = (await opts.findings?.(ins, origins)) ?? [];
        const c = ins.image.config;
        return { reference: ins.image.reference, platform: [c.os, c.architecture, c.variant].filter(Boolean).join('/'), analysis: ins.analysis, origins, findings };
      } finally {
        unsubscribe?.();
      }
    },
    onDone,
  );
  if (!data) return <Loading reference={opts.image.reference} state={progress[0]} now={Date.now()} width={size[0]} height={size[1]} theme={theme} />;
  return (
    <App
      data={data}
      theme={theme}
      onQuit={quit}
    />
  );
}

/** Loading screen for both images (one above the other), then the diff screen. */
export function DiffScreen({ opts, onDone }: { opts: RunDiffTuiOptions; onDone: (err?: unknown) => void }): React.ReactElement {
  const { data, progress, size, theme, quit } = useLoad<DiffData>(
    [opts.before, opts.after],
    async (signal, push) => {
      const c = await opts.compare(
        { signal, onProgress: (p) => push(0, { type: 'layer', ...p }) },
        { signal, onProgress: (p) => push(1, { type: 'layer', ...p }) },
      );
      const origins = async (side: Side, ins: Inspection) => (await opts.origins?.(side, ins)) ?? historyOrigins(ins.image.config, ins.image.layers.length);
      return {
        before: { reference: c.before.image.reference, analysis: c.before.analysis, origins: await origins('before', c.before) },
        after: { reference: c.after.image.reference, analysis: c.after.analysis, origins: await origins('after', c.after) },
        diff: c.diff,
      };
    },
    onDone,
  );
  if (!data) {
    const top = Math.floor(size[1] / 2);
    return (
      <>
        <Loading reference={opts.before.reference} state={progress[0]} now={Date.now()} width={size[0]} height={top} theme={theme} hint={false} />
        <Loading reference={opts.after.reference} state={progress[1]} now={Date.now()} width={size[0]} height={size[1] - top} theme={theme} />
      </>
    );
  }
  return (
    <DiffApp
      data={data}
      theme={theme}
      onQuit={quit}
    />
  );
}

/** Alternate screen: the UI takes the whole terminal and leaves the scrollback as it was. */
const ENTER = '\u001B[?1049h\u001B[H';
const LEAVE = '\u001B[?1049l';

async function runScreen(screen: (onDone: (err?: unknown) => void) => React.ReactElement): Promise<void> {
  let failure: unknown;
  process.stdout.write(ENTER);
  try {
    const ink = render(screen((e) => (failure = e)), {
      exitOnCtrlC: false,
      // ink 6.8's incremental mode lands one line low after a frame ending in a newline (seen in
      // tmux); full redraws are written in one synchronized update (DEC 2026) instead.
      incrementalRendering: false,
      patchConsole: true,
    });
    await ink.waitUntilExit();
  } finally {
    process.stdout.write(LEAVE);
  }
  if (failure) throw failure;
}

export async function runTui(opts: RunTuiOptions): Promise<void> {
  await runScreen((onDone) => <InspectScreen opts={opts} onDone={onDone} />);
}

export async function runDiffTui(opts: RunDiffTuiOptions): Promise<void> {
  await runScreen((onDone) => <DiffScreen opts={opts} onDone={onDone} />);
}
