import prettyBytes from 'pretty-bytes';

/** Number formatting shared by the text report and the TUI. */
export function bytes(n: number): string {
  return prettyBytes(n);
}

export function percent(x: number): string {
  if (x > 0 && x < 0.001) return '<0.1%';
  return `${(x * 100).toFixed(x >= 0.1 || x === 0 ? 0 : 1)}%`;
}

/** Cuts `s` to `width` columns with an ellipsis. */
export function truncate(s: string, width: number): string {
  const one = s.replace(/\s+/g, ' ');
  if (width <= 0) return '';
  return one.length <= width ? one : `${one.slice(0, Math.max(0, width - 1))}…`;
}

export function padEnd(s: string, w: number): string {
  return s.length >= w ? s : s + ' '.repeat(w - s.length);
}

export function padStart(s: string, w: number): string {
  return s.length >= w ? s : ' '.repeat(w - s.length) + s;
}
