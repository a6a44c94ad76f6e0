/** Cursor and scroll arithmetic shared by every list (virtualized: only `height` rows render). */

export function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, n));
}

/** The first visible row that keeps `cursor` in view with the least movement from `offset`. */
export function follow(offset: number, cursor: number, height: number, count: number): number {
  if (height <= 0) return 0;
  let o = offset;
  if (cursor < o) o = cursor;
  if (cursor >= o + height) o = cursor - height + 1;
  return clamp(o, 0, Math.max(0, count - height));
}

export type Move = 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end';

export function move(cursor: number, m: Move, page: number, count: number): number {
  if (count === 0) return 0;
  const step = { up: -1, down: 1, pageUp: -Math.max(1, page), pageDown: Math.max(1, page), home: -Infinity, end: Infinity }[m];
  return clamp(cursor + step, 0, count - 1);
}
