#!/usr/bin/env bash
# msb inspect at this checkout vs at another revision (e.g. before a refactor), side by side in one
# run: the two builds alternate (A B A B ...) on the same image, so machine drift hits both alike.
# Prints each one's median wall time and peak RSS, and the median of the per-pair ratios.
#   bash bench/vs-rev.sh REV IMAGE [RUNS=5] [extra msb args...]
# e.g. bash bench/vs-rev.sh a753c48 bench/out/big.tar 5 --json
# FRESH_CACHE=1: every run gets an empty --cache-dir of its own (a first inspect that fills the cache).
set -euo pipefail
cd "$(dirname "$0")/.."
REV=${1:?usage: bench/vs-rev.sh REV IMAGE [RUNS] [msb args]}
IMAGE=${2:?usage: bench/vs-rev.sh REV IMAGE [RUNS] [msb args]}
RUNS=${3:-5}
shift 3 2>/dev/null || shift $#
ARGS=("$@")
[ ${#ARGS[@]} -gt 0 ] || ARGS=(--json)
OLD=$(mktemp -d)
trap 'git worktree remove --force "$OLD/src-tree" >/dev/null 2>&1 || true; rm -rf "$OLD"' EXIT
git worktree add --detach -q "$OLD/src-tree" "$REV"
ln -s "$PWD/node_modules" "$OLD/src-tree/node_modules"
# bin/msb.js runs the esbuild bundle (dist/msb.js) since scripts/build.mjs exists; tsc before that.
build() { if [ -f scripts/build.mjs ]; then node scripts/build.mjs >/dev/null; else npx tsc -p tsconfig.json; fi; }
(cd "$OLD/src-tree" && build)
build
new_bin=bin/msb.js
old_bin=$OLD/src-tree/bin/msb.js
measure() { # prints "seconds peakKB" for one run
  local cache=()
  if [ -n "${FRESH_CACHE:-}" ]; then rm -rf "$OLD/cache"; cache=(--cache-dir "$OLD/cache"); fi
  /usr/bin/time -f '%e %M' -o "$OLD/t" node "$1" inspect "$IMAGE" "${ARGS[@]}" "${cache[@]}" >/dev/null
  rm -rf "$OLD/cache"
  cat "$OLD/t"
}
measure "$new_bin" >/dev/null; measure "$old_bin" >/dev/null   # warm the page cache
: > "$OLD/pairs"
for _ in $(seq "$RUNS"); do
  echo "$(measure "$old_bin") $(measure "$new_bin")" >> "$OLD/pairs"
done
# columns: old_s old_kb new_s new_kb
awk '{ o[NR]=$1; om[NR]=$2; n[NR]=$3; nm[NR]=$4; r[NR]=$3/$1 }
  function median(a, k,   i, j, t, m) { for (i = 1; i <= k; i++) m[i] = a[i];
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (m[j] < m[i]) { t = m[i]; m[i] = m[j]; m[j] = t }
    return (k % 2) ? m[(k + 1) / 2] : (m[k / 2] + m[k / 2 + 1]) / 2 }
  END { k = NR;
    printf "%-10s median %6.2f s  peak RSS %5.0f MB\n", "'"$REV"'", median(o, k), median(om, k) / 1024;
    printf "%-10s median %6.2f s  peak RSS %5.0f MB\n", "this tree", median(n, k), median(nm, k) / 1024;
    printf "ratio this/before (median of %d pairs): %.3f\n", k, median(r, k) }' "$OLD/pairs"
