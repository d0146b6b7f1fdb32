#!/usr/bin/env bash
# A soak test: a served store (`serve --demo`) under mixed traffic at a bounded rate for a set time
# (public pages, search, feeds, API reads and writes, sign-in attempts, an import every minute),
# sampling the server's memory and every answer. Passes when no request fails that should not
# and memory grows by no more than 10% after the warm-up (the first quarter). See bench/README.md.
#
#   bench/soak.sh                                   # 10 minutes at 100 requests/s
#   SOAK_SECONDS=120 SOAK_RATE=100 bench/soak.sh
#   MARQUEE_BIN=target/debug/marquee bench/soak.sh  # another binary
#
# Needs python3 (standard library only). Builds nothing: cargo build --release first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${MARQUEE_BIN:-$root/target/release/marquee}"
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
[ -x "$BIN" ] || { echo "soak.sh: no marquee binary at $BIN (cargo build --release, or set MARQUEE_BIN)" >&2; exit 1; }
exec python3 "$root/bench/soak.py" --bin "$BIN" --seconds "${SOAK_SECONDS:-600}" --rate "${SOAK_RATE:-100}" \
  --import-every "${SOAK_IMPORT_EVERY:-60}"
