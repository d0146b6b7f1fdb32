#!/usr/bin/env bash
# Idle memory of a serving process: `marquee serve --demo` on a fresh data directory (it writes
# the sample films, draws their posters and stills, imports them and draws share images in the
# background), then a restart on the same data. Each case waits until the server answers, reads
# a few pages (home, a review, search, the feed) and reports the resident set (VmRSS) once it has
# been steady for BENCH_SETTLE seconds, and the peak (VmHWM).
#
#   bench/memory.sh                    # MARQUEE_BIN defaults to target/release/marquee
#   BENCH_MAX_MB=30 bench/memory.sh    # exit 1 when either idle figure is above 30 MB
#
# Environment:
#   MARQUEE_BIN     marquee binary (default: <repo>/target/release/marquee); built by the caller
#   BENCH_SETTLE    seconds the resident set must stay the same (default 5; at most 60 s waited)
#   BENCH_MAX_MB    if set, the limit for both idle figures
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${MARQUEE_BIN:-$root/target/release/marquee}"
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
SETTLE="${BENCH_SETTLE:-5}"

log() { printf '%s\n' "$*" >&2; }
die() { log "memory.sh: $*"; exit 1; }
[ -x "$BIN" ] || die "marquee binary not found at $BIN (build it first: cargo build --release, or set MARQUEE_BIN)"
command -v curl >/dev/null 2>&1 || { . "$root/scripts/apt.sh"; apt_install curl; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/marquee-memory.XXXXXX")"
pid=""
stop() {
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
}
cleanup() { local rc=$?; trap - EXIT; stop; rm -rf "$tmp"; exit "$rc"; }
trap cleanup EXIT

port=$(( 20000 + RANDOM % 30000 ))
kb() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$pid/status"; }

# Starts the server with the given flags, reads a few pages, waits for a steady resident set and
# prints "idle_kb peak_kb".
measure() {
  "$BIN" serve "$@" --data "$tmp/data" --listen "127.0.0.1:$port" >>"$tmp/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 600); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/" && break
    kill -0 "$pid" 2>/dev/null || die "the server stopped; its log: $tmp/server.log"
    sleep 0.1
  done
  local review
  review=$(curl -sf "http://127.0.0.1:$port/" | grep -o 'href="/reviews/[^"]*"' | head -1 | cut -d'"' -f2)
  for path in / "$review" "/search?q=night" /feed.xml; do curl -sf -o /dev/null "http://127.0.0.1:$port$path"; done
  local last="" same=0 now
  for _ in $(seq 60); do
    now=$(kb VmRSS)
    if [ "$now" = "$last" ]; then same=$((same + 1)); else same=0; last=$now; fi
    [ "$same" -ge "$SETTLE" ] && break
    sleep 1
  done
  echo "$last $(kb VmHWM)"
  stop
}

read -r fresh fresh_peak < <(measure --demo)
read -r again again_peak < <(measure)
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
printf '%-32s %10s %10s\n' "case" "idle MB" "peak MB"
printf '%-32s %10s %10s\n' "serve --demo, fresh data" "$(mb "$fresh")" "$(mb "$fresh_peak")"
printf '%-32s %10s %10s\n' "serve, restart on the same data" "$(mb "$again")" "$(mb "$again_peak")"
if [ -n "${BENCH_MAX_MB:-}" ]; then
  for k in "$fresh" "$again"; do
    [ "$k" -le $((BENCH_MAX_MB * 1024)) ] || die "idle memory $(mb "$k") MB is above ${BENCH_MAX_MB} MB"
  done
fi
