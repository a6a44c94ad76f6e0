import { type Key, useInput, useStdout } from 'ink';
import { type MutableRefObject, useCallback, useEffect, useRef, useState } from 'react';
import type { Move } from './model/scroll.js';

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
 * Subscribes `handler.current` to the keyboard. ink re-subscribes useInput handlers in an effect;
 * keys that arrive before it runs would see the previous render's state, so the subscription calls
 * whatever handler the latest render made.
 */
export function useKeys(handler: MutableRefObject<(input: string, key: Key) => void>, editing: MutableRefObject<boolean>): void {
  useInput(
    useCallback((input: string, key: Key) => {
      // Keys typed faster than they are read arrive as one string ("jjj" while a frame renders, tmux
      // send-keys A B): replay plain characters one by one. Paths typed into the filter stay whole.
      if (input.length > 1 && !key.ctrl && !key.meta && !editing.current && /^[\x20-\x7e\t\r]+$/.test(input)) {
        for (const c of input) handler.current(c === '\t' || c === '\r' ? '' : c, { ...NO_KEY, tab: c === '\t', return: c === '\r' });
        return;
      }
      handler.current(input, key);
    }, []),
  );
}

/** The cursor move a key asks for: arrows, j/k, PgUp/PgDn, Home/End, g/G. */
export function moveOf(input: string, key: Key): Move | undefined {
  if (key.upArrow || input === 'k') return 'up';
  if (key.downArrow || input === 'j') return 'down';
  if (key.pageUp) return 'pageUp';
  if (key.pageDown) return 'pageDown';
  if (key.home || input === 'g') return 'home';
  if (key.end || input === 'G') return 'end';
  return undefined;
}

/** A key while a `/` filter is typed: Enter keeps it, Esc clears it. Returns whether typing goes on. */
export function editQuery(input: string, key: Key, setQuery: (f: (q: string) => string) => void): boolean {
  if (key.return) return false;
  if (key.escape) {
    setQuery(() => '');
    return false;
  }
  if (key.backspace || key.delete) setQuery((q) => q.slice(0, -1));
  else if (input && !key.ctrl && !key.meta && !key.tab) setQuery((q) => q + input);
  return true;
}

/** A ref holding this render's value; a key handler may update it ahead of the next render. */
export function useLatest<T>(value: T): MutableRefObject<T> {
  const ref = useRef(value);
  ref.current = value;
  return ref;
}
