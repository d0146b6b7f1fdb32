#!/usr/bin/env bash
# Time, peak memory and store size of `marquee import markdown` over folders of long reviews
# (bench/long_reviews.py: ~1,100 words each, YAML front matter with tags and genres, no images),
# for each size in BENCH_SIZES, each into a fresh SQLite store, one transaction each as always.
# Prints seconds, reviews per second, peak resident memory, and the store's size against the
# Markdown it was made from, so that growth with size shows.
#
#   bench/import.sh                          # sizes 2,000 and 10,000
#   BENCH_SIZES="10000 100000" bench/import.sh
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench bench/import.sh   # an empty database (dropped and made again per size)
#
# Environment:
#   MARQUEE_BIN     marquee binary (default: <repo>/target/release/marquee); built by the caller
#   BENCH_SIZES     numbers of reviews (default "2000 10000")
#   BENCH_KEEP=1    keep the generated folders and stores (the folder is printed)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${MARQUEE_BIN:-$root/target/release/marquee}"
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
SIZES="${BENCH_SIZES:-2000 10000}"
[ -x "$BIN" ] || { echo "import.sh: no marquee binary at $BIN (cargo build --release first)" >&2; exit 1; }
. "$root/scripts/apt.sh"
[ -x /usr/bin/time ] || apt_install time
command -v sqlite3 >/dev/null 2>&1 || apt_install sqlite3
if [ -n "${DATABASE_URL:-}" ]; then command -v psql >/dev/null 2>&1 || apt_install postgresql-client; fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/marquee-import-bench.XXXXXX")"
if [ -n "${BENCH_KEEP:-}" ]; then echo "keeping $tmp" >&2; else trap 'rm -rf "$tmp"' EXIT INT TERM; fi

largest=0
for n in $SIZES; do if [ "$n" -gt "$largest" ]; then largest=$n; fi; done
echo "writing $largest reviews…" >&2
python3 "$root/bench/long_reviews.py" "$tmp/all" "$largest" --images 0
text_bytes() { find "$1" -name '*.md' -printf '%s\n' | awk '{ s += $1 } END { print s }'; }

printf '%-9s %9s %9s %10s %11s %10s %7s\n' reviews seconds "per s" "peak MB" "Markdown MB" "store MB" "store/md"
for n in $SIZES; do
  dir="$tmp/reviews-$n"
  mkdir -p "$dir"
  # The first n reviews of the largest folder, as hard links (no second copy on disk).
  for ((i = 0; i < n; i++)); do ln "$tmp/all/review-$i.md" "$dir/"; done
  data="$tmp/data-$n"
  if [ -n "${DATABASE_URL:-}" ]; then
    python3 - "$DATABASE_URL" <<'PY'
import subprocess, sys, urllib.parse
url = urllib.parse.urlparse(sys.argv[1]); db = url.path.lstrip("/")
admin = url._replace(path="/postgres").geturl()
for sql in (f'DROP DATABASE IF EXISTS "{db}"', f'CREATE DATABASE "{db}"'):
    subprocess.run(["psql", admin, "-qc", sql], check=True)
PY
  fi
  /usr/bin/time -f '%e %M' -o "$tmp/time-$n" "$BIN" --data "$data" import markdown "$dir" >"$tmp/out-$n" 2>&1 \
    || { cat "$tmp/out-$n" >&2; exit 1; }
  read -r seconds peak_kb <"$tmp/time-$n"
  md=$(text_bytes "$dir")
  if [ -n "${DATABASE_URL:-}" ]; then
    store=$(psql "$DATABASE_URL" -Atc "SELECT pg_database_size(current_database())")
  else
    # After the checkpoint the server would make: the database file alone holds everything.
    sqlite3 "$data/marquee.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
    store=$(stat -c %s "$data/marquee.db")
  fi
  awk -v n="$n" -v s="$seconds" -v p="$peak_kb" -v m="$md" -v st="$store" 'BEGIN {
    printf "%-9d %9.1f %9.0f %10.0f %11.1f %10.1f %6.2fx\n", n, s, n / s, p / 1024, m / 1048576, st / 1048576, st / m }'
done
