/**
 * Bounded lists for "no such X" messages: a handful of names is listed whole; more are cut to the
 * few closest to what was asked for, and a count of the rest, so an archive with thousands of tags
 * (or an index with thousands of platforms) never turns one error line into thousands.
 */

/** Names listed whole up to this many; beyond it, the closest SHOWN and a count. */
export const LIST_WHOLE = 8;
export const SHOWN = 5;
/** Names are compared on this many characters at most (the distance is quadratic in length). */
const COMPARE = 128;

/** Edit distance (Levenshtein), on the first COMPARE characters of each. */
export function distance(a: string, b: string): number {
  a = a.slice(0, COMPARE);
  b = b.slice(0, COMPARE);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** "a, b, c" for a few names; else the closest to `want` and "(and N more)". Names are deduplicated. */
export function closeMatches(want: string, names: string[]): string {
  const unique = [...new Set(names)];
  if (unique.length <= LIST_WHOLE) return unique.join(', ');
  const near = unique
    .map((name, i) => ({ name, i, d: distance(want, name) }))
    .sort((x, y) => x.d - y.d || x.i - y.i)
    .slice(0, SHOWN)
    .map((x) => (x.name.length > COMPARE ? `${x.name.slice(0, COMPARE)}…` : x.name));
  return `${near.join(', ')} (and ${unique.length - near.length} more)`;
}
