import type React from 'react';
import { render } from 'ink-testing-library';

/**
 * Drives a screen under ink-testing-library key by key. ink redraws at most every 34 ms (30 fps),
 * so each key waits past that and then until no new frame arrives (slow CI machines).
 */

export const KEY = { up: '\u001B[A', down: '\u001B[B', right: '\u001B[C', left: '\u001B[D', tab: '\t', shiftTab: '\u001B[Z', enter: '\r', esc: '\u001B', pgDn: '\u001B[6~', pgUp: '\u001B[5~', home: '\u001B[H', end: '\u001B[F', bs: '\u007F', ctrlC: '\u0003' };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function settle(frames: string[]): Promise<void> {
  await sleep(45);
  for (let i = 0; i < 100; i++) {
    const n = frames.length;
    await sleep(20);
    if (frames.length === n) return;
  }
}

/** Renders `screen(onQuit)`; `press` sends keys one by one and returns the last frame. */
export async function drive(screen: (onQuit: () => void) => React.ReactElement) {
  let quit = 0;
  const r = render(screen(() => quit++));
  await settle(r.frames);
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      r.stdin.write(k);
      await settle(r.frames);
    }
    return r.lastFrame() ?? '';
  };
  return { r, press, frame: () => r.lastFrame() ?? '', quits: () => quit };
}
