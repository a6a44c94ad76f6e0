import { type Key, useApp, useInput, useStdout } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Step } from './model/view.js';

/** Keyboard and terminal plumbing shared by the screens (inspect, diff). */

export const NO_KEY: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false,
};

export function useTerminalSize(fixedW?: number, fixedH?: number): [number, number] {
  const { stdout } = useStdout();
  const read = (): [number, number] => [stdout.columns || 80, (stdout.rows || 24) - 1];
  const [size, setSize] = useState(read);
  useEffect(() => {
    const on = () => setSize(read());
    stdout.on('resize', on);
    return () => {
      stdout.off('resize', on);
    };
  }, [stdout]);
  // One row less than the terminal: a frame as tall as the terminal makes ink clear the screen.
  return [fixedW ?? size[0], fixedH ?? size[1]];
}

/**
 * Subscribes `handler` to the keyboard. ink re-subscribes useInput handlers in an effect; keys that
 * arrive before it runs would see the previous render's state, so the subscription calls whatever
 * handler the latest render made.
 */
export function useKeys(handler: (input: string, key: Key) => void, typing: () => boolean): void {
  const latest = useRef(handler);
  latest.current = handler;
  const typingNow = useRef(typing);
  typingNow.current = typing;
  useInput(
    useCallback((input: string, key: Key) => {
      // Keys typed faster than they are read arrive as one string ("jjj" while a frame renders, tmux
      // send-keys A B): replay plain characters one by one. Paths typed into the filter stay whole.
      if (input.length > 1 && !key.ctrl && !key.meta && !typingNow.current() && /^[\x20-\x7e\t\r]+$/.test(input)) {
        for (const c of input) latest.current(c === '\t' || c === '\r' ? '' : c, { ...NO_KEY, tab: c === '\t', return: c === '\r' });
        return;
      }
      latest.current(input, key);
    }, []),
  );
}

/**
 * A screen's view state driven by keys. `step` (this render's, with the rows it drew) turns a key
 * into the next state. The newest state is kept in a ref as well, since several keys can arrive
 * before the next render and each must see the one before it.
 */
export function useView<S extends { editing: boolean }>(
  initial: () => S,
  step: (s: S, input: string, key: Key) => Step<S>,
  onQuit?: () => void,
): [S, (s: S) => void] {
  const { exit } = useApp();
  const [state, setState] = useState(initial);
  const latest = useRef(state);
  const set = useCallback((next: S) => {
    latest.current = next;
    setState(next);
  }, []);
  useKeys(
    (input, key) => {
      const r = step(latest.current, input, key);
      if (r.quit) (onQuit ?? exit)();
      else if (r.state !== latest.current) set(r.state);
    },
    () => latest.current.editing,
  );
  return [state, set];
}
