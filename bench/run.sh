#!/usr/bin/env bash
# Benchmarks msb inspect against `tar -tvf` on the same layer files (issue 2's targets):
#   uncompressed docker-archive: msb --json within 3x of tar -tvf, process start included;
#   gzip OCI layout: msb vs tar -tzvf; peak RSS of msb under 1 GB.
# Usage: bash bench/run.sh [OUT_DIR] [SCALE]   (SCALE 1.0 = ~2 GB, ~200k files)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench/out}
SCALE=${2:-1}
[ -f dist/msb.js ] || npm run -s build
if [ ! -f "$OUT/big.tar" ]; then node --import tsx bench/make-big-image.ts "$OUT" --scale "$SCALE"; fi
DA="$OUT/docker-archive"
best() { # best of 3 wall-clock seconds of a command
  local b=999
  for _ in 1 2 3; do
    local s e
    s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    b=$(echo "$e - $s" | bc -l | awk -v b="$b" '{print ($1<b)?$1:b}')
  done
  echo "$b"
}
cat "$OUT/big.tar" > /dev/null  # warm the page cache for both contenders
# --no-cache: the walk itself (a cached re-inspect reads no layer bytes at all; bench/speed.sh has it).
tar_t=$(best sh -c "for f in $DA/*.tar; do tar -tvf \$f; done")
msb_t=$(best node bin/msb.js inspect "$OUT/big.tar" --json --no-cache)
rss=$( { /usr/bin/time -f '%M' node bin/msb.js inspect "$OUT/big.tar" --json --no-cache >/dev/null; } 2>&1 | tail -1)
echo "uncompressed: tar -tvf ${tar_t}s, msb ${msb_t}s, ratio $(echo "$msb_t / $tar_t" | bc -l | cut -c1-4), msb peak RSS $((rss / 1024)) MB"
if [ -d "$OUT/big-oci" ]; then
  tarz_t=$(best sh -c "for f in $OUT/big-oci/blobs/sha256/*; do if [ \$(head -c2 \$f | od -An -tx1 | tr -d ' ') = 1f8b ]; then tar -tzvf \$f; fi; done")
  msbz_t=$(best node bin/msb.js inspect "$OUT/big-oci" --json --no-cache)
  rssz=$( { /usr/bin/time -f '%M' node bin/msb.js inspect "$OUT/big-oci" --json --no-cache >/dev/null; } 2>&1 | tail -1)
  echo "gzip: tar -tzvf ${tarz_t}s, msb ${msbz_t}s, ratio $(echo "$msbz_t / $tarz_t" | bc -l | cut -c1-4), msb peak RSS $((rssz / 1024)) MB"
fi
node bin/msb.js inspect "$OUT/big.tar" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);console.log("summary:",JSON.stringify(r.summary))})'
