#!/usr/bin/env bash
# Offline by tag: re-inspecting a registry tag whose blobs are cached, with the registry up, with
# --offline, and with the registry down (the manifest record is used), alternating runs, medians.
#   bash bench/offline.sh [IMAGE_ARCHIVE]   (default test/fixtures/images/delete.tar; RUNS=N, default 7)
# Needs docker-registry and skopeo. A registry on a free loopback port serves the image; a second
# one on the same storage is started once (to write its tag's record) and stopped: that port is "down".
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${1:-test/fixtures/images/delete.tar}
RUNS=${RUNS:-7}
[ -f dist/msb.js ] || npm run -s build
MSB="node bin/msb.js"
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { echo "scale=2; $1 / $2" | bc; }
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
W=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT
serve() { # serve PORT: a docker-registry on 127.0.0.1:PORT over $W/storage; prints its PID
  printf 'version: 0.1\nstorage: { filesystem: { rootdirectory: %s } }\nhttp: { addr: 127.0.0.1:%s }\nlog: { level: error }\n' "$W/storage" "$1" >"$W/reg-$1.yml"
  docker-registry serve "$W/reg-$1.yml" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$1/v2/" >/dev/null && break; sleep 0.1; done
  echo "$pid"
}
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), node $(node --version), image $IMAGE ($(du -h "$IMAGE" | cut -f1))"
UP=$(port)
pid_up=$(serve "$UP"); PIDS+=("$pid_up")
skopeo copy -q --dest-tls-verify=false "docker-archive:$IMAGE" "docker://127.0.0.1:$UP/bench:1"
DOWN=$(port)
pid_down=$(serve "$DOWN"); PIDS+=("$pid_down")
C="$W/cache"
first=$(ms $MSB inspect "127.0.0.1:$UP/bench:1" --json --cache-dir "$C")
$MSB inspect "127.0.0.1:$DOWN/bench:1" --json --cache-dir "$C" >/dev/null
kill "$pid_down"; wait "$pid_down" 2>/dev/null || true
if $MSB inspect "127.0.0.1:$DOWN/bench:1" --json --no-cache >/dev/null 2>&1; then echo "the down registry still answers" >&2; exit 1; fi
up=() off=() down=()
for ((i = 0; i < RUNS; i++)); do
  up+=("$(ms $MSB inspect "127.0.0.1:$UP/bench:1" --json --cache-dir "$C")")
  off+=("$(ms $MSB inspect "127.0.0.1:$UP/bench:1" --json --cache-dir "$C" --offline)")
  down+=("$(ms $MSB inspect "127.0.0.1:$DOWN/bench:1" --json --cache-dir "$C")")
done
u=$(printf '%s\n' "${up[@]}" | median); o=$(printf '%s\n' "${off[@]}" | median); d=$(printf '%s\n' "${down[@]}" | median)
echo "first inspect (empty cache) ${first} ms; re-inspect, medians of $RUNS: registry up ${u} ms, --offline ${o} ms ($(ratio "$o" "$u")x), registry down ${d} ms ($(ratio "$d" "$u")x)"
$MSB inspect "127.0.0.1:$DOWN/bench:1" --json --cache-dir "$C" 2>&1 >/dev/null | sed 's/^/registry down prints: /'
