#!/usr/bin/env bash
# Start-up, the layer cache and msb scan, each measured side by side with what it is compared to in
# the same run (alternating runs, median of several), so a busy machine slows both sides alike.
#   bash bench/speed.sh [OUT_DIR]   (OUT_DIR from bench/make-big-image.ts: big.tar, layers via
#                                    docker-archive/, big-oci/; default bench/out)
# Prints: msb --version vs node -e 0; msb inspect --json vs tar -tvf of the same layers;
# first (cold cache) vs cached vs --no-cache inspect of the gzip OCI layout; msb scan of N images
# vs N separate inspects; peak RSS of each msb run.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench/out}
N=${N:-11}
[ -f dist/msb.js ] || npm run -s build
MSB="node bin/msb.js"
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { echo "scale=2; $1 / $2" | bc; }
rss() { local f; f=$(mktemp); /usr/bin/time -o "$f" -f '%M' "$@" >/dev/null 2>&1; awk '{printf "%d MB", $1/1024}' "$f"; rm -f "$f"; }
side() { # side N "cmd A" "cmd B": alternate, print medians "a b"
  local n=$1 a=() b=() i
  for ((i = 0; i < n; i++)); do a+=("$(ms sh -c "$2")"); b+=("$(ms sh -c "$3")"); done
  echo "$(printf '%s\n' "${a[@]}" | median) $(printf '%s\n' "${b[@]}" | median)"
}
echo "machine: $(nproc) cores, $(free -h | awk '/Mem:/ {print $2}') RAM, load $(cut -d' ' -f1-3 /proc/loadavg), node $(node --version)"

read -r a b <<<"$(side 31 'node -e 0' "$MSB --version")"
echo "start-up: node -e 0 ${a} ms, msb --version ${b} ms, ratio $(ratio "$b" "$a")"
read -r a b <<<"$(side 21 'node -e 0' "$MSB --help")"
echo "start-up: node -e 0 ${a} ms, msb --help ${b} ms, ratio $(ratio "$b" "$a")"

if [ -f "$OUT/big.tar" ]; then
  cat "$OUT/big.tar" >/dev/null
  read -r a b <<<"$(side "$N" "for f in $OUT/docker-archive/*.tar; do tar -tvf \$f; done" "$MSB inspect $OUT/big.tar --json --no-cache")"
  echo "uncompressed $(du -h "$OUT/big.tar" | cut -f1) archive: tar -tvf ${a} ms, msb inspect --json ${b} ms, ratio $(ratio "$b" "$a"), msb peak RSS $(rss $MSB inspect "$OUT/big.tar" --json --no-cache)"
fi

if [ -d "$OUT/big-oci" ]; then
  C=$(mktemp -d)
  trap 'rm -rf "$C"' EXIT
  first=$(ms env XDG_CACHE_HOME="$C/a" $MSB inspect "$OUT/big-oci" --json)
  read -r none cached <<<"$(side 3 "$MSB inspect $OUT/big-oci --json --no-cache" "XDG_CACHE_HOME=$C/a $MSB inspect $OUT/big-oci --json")"
  echo "gzip OCI layout: no cache ${none} ms, first run (fills the cache) ${first} ms ($(ratio "$first" "$none")x), cached ${cached} ms ($(ratio "$cached" "$none")x of no cache), cache $(du -sh "$C/a/msb/layers" | cut -f1)"
  echo "  peak RSS: no cache $(rss $MSB inspect "$OUT/big-oci" --json --no-cache), cached $(rss env XDG_CACHE_HOME="$C/a" $MSB inspect "$OUT/big-oci" --json)"
  node --import tsx bench/make-fleet.ts "$OUT/big-oci" "$C/fleet" 2>/dev/null
  imgs=("$C"/fleet/img*)
  t_sep=0
  for i in "${imgs[@]}"; do t_sep=$((t_sep + $(ms env XDG_CACHE_HOME="$C/sep" $MSB inspect "$i" --json --no-cache))); done
  t_scan=$(ms env XDG_CACHE_HOME="$C/scan" $MSB scan "${imgs[@]}" --json)
  t_scan2=$(ms env XDG_CACHE_HOME="$C/scan" $MSB scan "${imgs[@]}" --json)
  echo "fleet of ${#imgs[@]} images (image k = first k layers): ${#imgs[@]} inspects ${t_sep} ms, one msb scan ${t_scan} ms ($(ratio "$t_scan" "$t_sep")x), scan again (cached) ${t_scan2} ms ($(ratio "$t_scan2" "$t_sep")x)"
  echo "  peak RSS of scan: $(rss env XDG_CACHE_HOME="$C/scan2" $MSB scan "${imgs[@]}" --json)"
fi
