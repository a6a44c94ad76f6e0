/**
 * The one order for names and paths in msb's output: UTF-16 code units, as `Array.prototype.sort`
 * and `LC_ALL=C ls` order them. Not `localeCompare`, which follows the user's locale (with
 * LANG=sv_SE.UTF-8, "ä" sorts after "z"; with en_US, beside "a"): two machines would write the
 * same image's report, baseline or golden in different orders. It is faster too (no ICU collation).
 */
export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
