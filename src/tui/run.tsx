import { render, useApp, useInput, useStdout } from 'ink';
import React, { useEffect, useRef, useState } from 'react';
import { MsbError } from '../errors.js';
import type { Finding } from '../analysis/findings/types.js';
import { historyOrigins, type LayerOrigin } from '../analysis/origin.js';
import type { Inspection, InspectOptions } from '../inspect.js';
import type { Image } from '../source/types.js';
import { App } from './App.js';
import type { TuiData } from './data.js';
import { Loading } from './Loading.js';
import { type LoadingState, type ProgressEvent, initialLoading, reduceProgress } from './model/loading.js';
import { themeFor } from './theme.js';

/**
 * Opens the TUI: a loading screen with per-layer progress while the image is read, then the inspect
 * screen. Ctrl-C while loading aborts the read (the AbortSignal reaches inspectImage) and exits 130.
 * Only src/cli.ts imports this, lazily, so --json and --help never load ink.
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

type Phase = { kind: 'loading' } | { kind: 'ready'; data: TuiData };

/** Loading screen, then the inspect screen. `onDone` gets the error when loading failed or was cancelled. */
export function InspectScreen({ opts, onDone }: { opts: RunTuiOptions; onDone: (err?: unknown) => void }): React.ReactElement {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const theme = useRef(themeFor()).current;
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [size, setSize] = useState<[number, number]>([stdout.columns || 80, (stdout.rows || 24) - 1]);
  const progress = useRef<LoadingState>(initialLoading(Date.now(), opts.image.layers.map((l) => l.location?.size)));
  const [, setTick] = useState(0);
  const abort = useRef(new AbortController());

  useEffect(() => {
    const on = () => setSize([stdout.columns || 80, (stdout.rows || 24) - 1]);
    stdout.on('resize', on);
    return () => {
      stdout.off('resize', on);
    };
  }, [stdout]);

  useEffect(() => {
    // Progress arrives per chunk; the screen redraws on a 100 ms tick, not per event.
    const timer = setInterval(() => setTick((t) => t + 1), 100);
    const push = (e: ProgressEvent) => {
      progress.current = reduceProgress(progress.current, e);
    };
    const unsubscribe = opts.subscribeDownloads?.(push);
    (async () => {
      const ins = await opts.inspect({ signal: abort.current.signal, onProgress: (p) => push({ type: 'layer', ...p }) });
      const origins = (await opts.origins?.(ins)) ?? historyOrigins(ins.image.config, ins.image.layers.length);
      const findings = (await opts.findings?.(ins, origins)) ?? [];
      const c = ins.image.config;
      setPhase({
        kind: 'ready',
        data: { reference: ins.image.reference, platform: [c.os, c.architecture, c.variant].filter(Boolean).join('/'), analysis: ins.analysis, origins, findings },
      });
    })()
      .catch((e) => {
        onDone(abort.current.signal.aborted ? new MsbError('cancelled', 130) : e);
        exit();
      })
      .finally(() => {
        clearInterval(timer);
        unsubscribe?.();
      });
    return () => {
      clearInterval(timer);
      abort.current.abort();
    };
  }, []);

  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c') abort.current.abort();
    },
    { isActive: phase.kind === 'loading' },
  );

  if (phase.kind === 'loading') return <Loading reference={opts.image.reference} state={progress.current} now={Date.now()} width={size[0]} height={size[1]} theme={theme} />;
  return (
    <App
      data={phase.data}
      theme={theme}
      onQuit={() => {
        onDone();
        exit();
      }}
    />
  );
}

/** Alternate screen: the UI takes the whole terminal and leaves the scrollback as it was. */
const ENTER = '\u001B[?1049h\u001B[H';
const LEAVE = '\u001B[?1049l';

export async function runTui(opts: RunTuiOptions): Promise<void> {
  let failure: unknown;
  process.stdout.write(ENTER);
  try {
    const ink = render(<InspectScreen opts={opts} onDone={(e) => (failure = e)} />, {
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
