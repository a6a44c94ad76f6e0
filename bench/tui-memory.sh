#!/usr/bin/env bash
# Peak RSS and time to first frame of the terminal UI on a large image, side by side with
# `msb inspect --json` on the same image (not a test: prints numbers).
#   bash bench/tui-memory.sh [IMAGE] [ROUNDS]   (default bench/out/big.tar from
#                                               bench/make-big-image.ts, 3 rounds)
#   FIRST_FRAME=1 bash bench/tui-memory.sh ...  (the UI quits as soon as its first frame is drawn)
#   BASE=DIR bash bench/tui-memory.sh ...        (also runs the UI of another build's dist/ each round,
#                                                alternating, and prints both)
# Each round runs --json, then the UI, alternating, so a busy machine slows both alike. The UI runs
# as a user sees it: the built CLI in tmux (a real pty, 80x24, private socket). Once the inspect
# screen is drawn it gets the keys a person would press: the Files pane, moves and folds, one
# layer's changes, wasted-only, the Map and a directory in it, the findings and a jump, then q.
# Peak RSS is the process's own (GNU time's %M, i.e. getrusage's ru_maxrss); time to first frame
# is from start until the inspect screen is on the pane (polled every 20 ms).
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${1:-bench/out/big.tar}
ROUNDS=${2:-3}
[ -f dist/msb.js ] || npm run -s build
[ -e "$IMAGE" ] || { echo "no image at $IMAGE (bench/make-big-image.ts makes one)" >&2; exit 2; }
TMP=$(mktemp -d)
SOCK="$TMP/tmux.sock"
trap 'tmux -S "$SOCK" kill-server 2>/dev/null || true; rm -rf "$TMP"' EXIT
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
screen() { tmux -S "$SOCK" capture-pane -p -t msb 2>/dev/null || true; }
# Waits until the pane shows `re` (ERE); fails after `secs`.
until_shows() {
  local re=$1 secs=$2 i
  for ((i = 0; i < secs * 50; i++)); do
    if screen | grep -Eq "$re"; then return 0; fi
    sleep 0.02
  done
  echo "timed out waiting for /$re/; the screen:" >&2
  screen >&2
  return 1
}
keys() { local k; for k in "$@"; do tmux -S "$SOCK" send-keys -t msb "$k"; sleep 0.3; done; }

json_run() { # prints "peakKiB ms"
  local s e
  s=$(now)
  /usr/bin/time -o "$TMP/json.time" -f '%M' node bin/msb.js inspect "$IMAGE" --json --no-cache >/dev/null
  e=$(now)
  echo "$(tail -1 "$TMP/json.time") $(((e - s) / 1000000))"
}

tui_run() { # tui_run [DIST]: prints "peakKiB first-frame-ms" (DIST: another build's dist/, else this one's)
  local s e bin=${1:-bin}/msb.js
  rm -f "$TMP/tui.time"
  s=$(now)
  # NO_COLOR keeps the captured text plain; CI is unset so the UI opens (as for a person).
  tmux -S "$SOCK" new-session -d -s msb -x 80 -y 24 \
    "env -u CI NO_COLOR=1 /usr/bin/time -o '$TMP/tui.time' -f '%M' node $bin inspect '$IMAGE' --no-cache"
  until_shows '· [0-9,]+ files? ·' 300
  e=$(now)
  if [ -z "${FIRST_FRAME:-}" ]; then
    keys Tab Down Down Space Space End Home PgDn c c w w
    keys m Enter Down Enter Left Escape
    keys Tab Down Enter
  fi
  keys q
  for ((i = 0; i < 500; i++)); do [ -s "$TMP/tui.time" ] && break; sleep 0.02; done
  tmux -S "$SOCK" kill-server 2>/dev/null || true
  echo "$(tail -1 "$TMP/tui.time") $(((e - s) / 1000000))"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), node $(node --version); image $IMAGE ($(du -h "$IMAGE" | cut -f1))"
cat "$IMAGE" >/dev/null 2>&1 || true # warm the page cache for both
jr=() jt=() tr=() tt=() br=() bt=()
for ((r = 0; r < ROUNDS; r++)); do
  read -r a b <<<"$(json_run)"; jr+=("$a"); jt+=("$b")
  read -r a b <<<"$(tui_run)"; tr+=("$a"); tt+=("$b")
  line="round $((r + 1)): --json $((${jr[-1]} / 1024)) MB peak, ${jt[-1]} ms; UI $((${tr[-1]} / 1024)) MB peak, first frame ${tt[-1]} ms"
  if [ -n "${BASE:-}" ]; then read -r a b <<<"$(tui_run "$BASE")"; br+=("$a"); bt+=("$b"); line+="; base UI $((a / 1024)) MB peak, first frame $b ms"; fi
  echo "$line"
done
if [ -n "${BASE:-}" ]; then
  echo "median base UI: peak RSS $(($(printf '%s\n' "${br[@]}" | median) / 1024)) MB, first frame $(printf '%s\n' "${bt[@]}" | median) ms"
fi
J=$(printf '%s\n' "${jr[@]}" | median); T=$(printf '%s\n' "${tr[@]}" | median)
JT=$(printf '%s\n' "${jt[@]}" | median); TT=$(printf '%s\n' "${tt[@]}" | median)
echo "median: --json peak RSS $((J / 1024)) MB in ${JT} ms; UI peak RSS $((T / 1024)) MB, first frame ${TT} ms; UI/--json RSS ratio $(echo "scale=2; $T / $J" | bc)"
