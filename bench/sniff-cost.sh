#!/usr/bin/env bash
# The secret sniff's cost: msb inspect of this tree vs the same tree with the content sniff turned
# off (capture.ts's small-file branch disabled in a temporary copy), run alternately (off on off on
# ...) on the same image, so machine drift hits both alike. Prints each one's median wall and CPU
# (user+sys) time and the median of the per-pair ratios.
#   bash bench/sniff-cost.sh IMAGE [RUNS=7] [extra msb args...]
# e.g. bash bench/sniff-cost.sh bench/out/big.tar 9 --json
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${1:?usage: bench/sniff-cost.sh IMAGE [RUNS] [msb args]}
RUNS=${2:-7}
shift 2 2>/dev/null || shift $#
ARGS=("$@")
[ ${#ARGS[@]} -gt 0 ] || ARGS=(--json)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/off"
cp -r src scripts package.json tsconfig.json "$T/off/"
ln -s "$PWD/node_modules" "$T/off/node_modules"
# The one line that makes a small file a sniff candidate; the copy never takes that branch.
grep -q 'if (size <= SNIFF_MAX' "$T/off/src/analysis/findings/capture.ts" || { echo "sniff branch not found in capture.ts" >&2; exit 2; }
sed -i 's/if (size <= SNIFF_MAX/if (false \&\& size <= SNIFF_MAX/' "$T/off/src/analysis/findings/capture.ts"
node scripts/build.mjs "$T/on" >/dev/null
(cd "$T/off" && node scripts/build.mjs "$T/off/dist" >/dev/null)
measure() { # prints "wall_s cpu_s" for one run
  /usr/bin/time -f '%e %U %S' -o "$T/t" nice node "$1" inspect "$IMAGE" --no-cache "${ARGS[@]}" >/dev/null
  awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$T/t"
}
measure "$T/on/msb.js" >/dev/null; measure "$T/off/dist/msb.js" >/dev/null   # warm the page cache
: > "$T/pairs"
for _ in $(seq "$RUNS"); do
  echo "$(measure "$T/off/dist/msb.js") $(measure "$T/on/msb.js")" >> "$T/pairs"
done
# columns: off_wall off_cpu on_wall on_cpu
awk '{ ow[NR]=$1; oc[NR]=$2; nw[NR]=$3; nc[NR]=$4; rw[NR]=$3/$1; rc[NR]=$4/$2 }
  function median(a, k,   i, j, t, m) { for (i = 1; i <= k; i++) m[i] = a[i];
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (m[j] < m[i]) { t = m[i]; m[i] = m[j]; m[j] = t }
    return (k % 2) ? m[(k + 1) / 2] : (m[k / 2] + m[k / 2 + 1]) / 2 }
  END { k = NR;
    printf "sniff off  median wall %6.2f s  cpu %6.2f s\n", median(ow, k), median(oc, k);
    printf "sniff on   median wall %6.2f s  cpu %6.2f s\n", median(nw, k), median(nc, k);
    printf "ratio on/off (median of %d pairs): wall %.3f  cpu %.3f\n", k, median(rw, k), median(rc, k) }' "$T/pairs"
