import { render, useApp, useInput } from 'ink';
import React, { useEffect, useRef, useState } from 'react';
import { MsbError } from '../errors.js';
import type { DiffResult, InspectOptions, InspectResult } from '../pipeline/types.js';
import { isImageStream, type AnyImage } from '../source/types.js';
import { App } from './App.js';
import { type DiffData, type FixView, type TuiData, diffData, releaseContents, tuiData } from './data.js';
import { DiffApp } from './DiffApp.js';
import { collectOnce } from './heap.js';
import { useTerminalSize } from './input.js';
import { Loading } from './Loading.js';
import { type LoadingState, type ProgressEvent, initialLoading, reduceProgress } from './model/loading.js';
import { type Theme, themeFor } from './theme.js';

/**
 * Opens the TUI: a loading screen with per-layer progress while the image(s) are read, then the
 * inspect or the diff screen. Ctrl-C while loading aborts the read (the AbortSignal reaches
 * pipeline) and exits 130. Only src/cli/ imports this, lazily, so --json and --help never load ink.
 */

export interface RunTuiOptions {
  image: AnyImage;
  /** Runs the pipeline; gets the abort signal and the layer progress callback. */
  inspect: (opts: Pick<InspectOptions, 'signal' | 'onProgress'>) => Promise<InspectResult>;
  /** `msb fix`'s patch for the result, for the Fix view (absent: the view says why there is none). */
  fix?: (result: InspectResult) => Promise<FixView>;
  /** Hook for sources that download (registry pulls): call with download progress events. */
  subscribeDownloads?: (emit: (e: ProgressEvent) => void) => () => void;
}

export interface RunDiffTuiOptions {
  before: AnyImage;
  after: AnyImage;
  /** Runs the pipeline on both images and compares them, with one set of options per image, for their progress. */
  compare: (before: Pick<InspectOptions, 'signal' | 'onProgress'>, after: Pick<InspectOptions, 'signal' | 'onProgress'>) => Promise<DiffResult>;
}

type Load<T> = (signal: AbortSignal, push: (image: number, e: ProgressEvent) => void) => Promise<T>;

/**
 * Runs `load` once with progress per image, redrawing on a 100 ms tick (progress arrives per chunk,
 * far more often). Ctrl-C aborts it; failure or cancel end the screen through `onDone`.
 */
function useLoad<T>(images: AnyImage[], load: Load<T>, onDone: (err?: unknown) => void): { data?: T; progress: LoadingState[]; size: [number, number]; theme: Theme; quit: () => void } {
  const { exit } = useApp();
  const theme = useRef(themeFor()).current;
  const [data, setData] = useState<{ value: T }>();
  const size = useTerminalSize();
  const progress = useRef<LoadingState[]>(images.map((img) => initialLoading(Date.now(), isImageStream(img) ? [] : img.layers.map((l) => l.location?.size))));
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
        const result = await opts.inspect({ signal, onProgress: (p) => push(0, { type: 'layer', ...p }) });
        const data = { ...tuiData(result), ...(opts.fix ? { fix: await opts.fix(result) } : {}) };
        releaseContents(result.analysis.root);
        collectOnce();
        return data;
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
      const data = diffData(c);
      collectOnce();
      return data;
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
