#!/usr/bin/env bash
# The 100,000-review scenario: builds a SQLite store of BENCH_REVIEWS long reviews (bench/
# long_reviews.py, imported with `marquee import markdown`) and BENCH_DIARY diary entries across
# BENCH_MEMBERS members with public diaries, serves it, and prints:
#   import time and peak memory; the store's size against its Markdown;
#   the server's idle memory; a review page's p50/p99 on a cold cache and a warm one;
#   search p50/p95; the home page, a year page and the sitemap (first answer, then cached);
#   review pages' p99 while a review is published every second against their p99 at rest;
#   the serving process's memory after all that (peak and now);
#   a static export's time and peak memory.
# Latencies come from bench/scale_probe.py (sequential requests on one connection).
#
#   bench/scale.sh                                   # 100,000 reviews, 1,000 members, 1,000,000 entries
#   BENCH_REVIEWS=10000 BENCH_DIARY=100000 bench/scale.sh
#
# Environment:
#   MARQUEE_BIN            marquee binary (default: <repo>/target/release/marquee); built by the caller
#   BENCH_REVIEWS          reviews (default 100000)
#   BENCH_MEMBERS          members with a public diary (default 1000)
#   BENCH_DIARY            diary entries across them (default 1000000)
#   BENCH_PUBLISH_SECONDS  how long reading is measured at rest and while publishing (default 30)
#   BENCH_KEEP=1           keep the folder (printed)
# The diary entries are written into the store with SQL (a million imports would measure the
# importer, not the site); everything else goes through Marquee's own commands and HTTP.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${MARQUEE_BIN:-$root/target/release/marquee}"
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
REVIEWS="${BENCH_REVIEWS:-100000}"
MEMBERS="${BENCH_MEMBERS:-1000}"
DIARY="${BENCH_DIARY:-1000000}"
[ -x "$BIN" ] || { echo "scale.sh: no marquee binary at $BIN (cargo build --release first)" >&2; exit 1; }
. "$root/scripts/apt.sh"
[ -x /usr/bin/time ] || apt_install time
command -v sqlite3 >/dev/null 2>&1 || apt_install sqlite3
command -v curl >/dev/null 2>&1 || apt_install curl
unset DATABASE_URL MARQUEE_CONFIG MARQUEE_DATA MARQUEE_LISTEN MARQUEE_BASE_URL

tmp="$(mktemp -d "${TMPDIR:-/tmp}/marquee-scale.XXXXXX")"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -z "${BENCH_KEEP:-}" ]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT INT TERM
[ -n "${BENCH_KEEP:-}" ] && echo "keeping $tmp" >&2
data="$tmp/data"
db="$data/marquee.db"
started=$(date +%s)
figure() { printf '%-34s %s\n' "$1" "$2"; }
rss_mb() { awk -v k="$2" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

echo "writing $REVIEWS reviews…" >&2
python3 "$root/bench/long_reviews.py" "$tmp/reviews" "$REVIEWS" --images 0
markdown=$(find "$tmp/reviews" -name '*.md' -printf '%s\n' | awk '{ s += $1 } END { print s }')

echo "importing…" >&2
/usr/bin/time -f '%e %M' -o "$tmp/import.time" "$BIN" --data "$data" import markdown "$tmp/reviews" >"$tmp/import.log" 2>&1 \
  || { tail -20 "$tmp/import.log" >&2; exit 1; }
read -r import_s import_kb <"$tmp/import.time"

echo "writing $DIARY diary entries for $MEMBERS members…" >&2
now=$(date +%s)
films=$(sqlite3 "$db" "SELECT COUNT(*) FROM films")
sqlite3 "$db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE m(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM m WHERE i < $MEMBERS)
INSERT INTO users (slug, display_name, role, created_at, diary_public)
SELECT 'scale-member-' || i, 'Scale Member ' || i, 'member', $now, 1 FROM m;
CREATE TEMP TABLE film_ids (n INTEGER PRIMARY KEY, id INTEGER NOT NULL);
INSERT INTO film_ids SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, id FROM films;
CREATE TEMP TABLE member_ids (n INTEGER PRIMARY KEY, id INTEGER NOT NULL);
INSERT INTO member_ids SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, id FROM users WHERE slug LIKE 'scale-member-%';
WITH RECURSIVE e(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM e WHERE i < $DIARY - 1)
INSERT INTO diary_entries (user_id, film_id, watched_on, rating_tenths, rewatch, liked, tags, review_text, created_at, updated_at)
SELECT m.id, f.id, date('2016-01-01', '+' || (e.i % 3650) || ' days'), ((e.i * 31) % 10 + 1) * 10, 0, e.i % 5 = 0, '', '',
       $now, $now
FROM e JOIN member_ids m ON m.n = e.i % $MEMBERS JOIN film_ids f ON f.n = (e.i * 7919) % $films;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
store=$(stat -c %s "$db")

printf 'scale-bench-password\n' | "$BIN" --data "$data" user add --email bench@example.com --name "Scale Bench" --role editor --password-stdin >/dev/null
token=$("$BIN" --data "$data" user token bench@example.com --name scale --scope write)

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
MARQUEE_LOG=warn "$BIN" serve --data "$data" --listen "127.0.0.1:$port" >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$base/healthz" >/dev/null || { tail -20 "$tmp/serve.log" >&2; exit 1; }
sleep 5
idle=$(rss_mb "$pid" VmRSS:)

sqlite3 "$db" "SELECT slug FROM reviews WHERE status = 'published' ORDER BY (id * 2654435761) % 1000003 LIMIT 500" >"$tmp/slugs"
sqlite3 "$db" "SELECT title FROM films ORDER BY (id * 40503) % 99991 LIMIT 300" | tr ' ' '\n' | awk 'length($0) > 3' >"$tmp/words"
year=$(sqlite3 "$db" "SELECT f.year FROM reviews r JOIN films f ON f.id = r.film_id WHERE f.year IS NOT NULL GROUP BY f.year ORDER BY COUNT(*) DESC LIMIT 1")
echo "probing…" >&2
python3 "$root/bench/scale_probe.py" "$base" "$tmp/slugs" "$tmp/words" "$year" "$token" >"$tmp/probe"
serving_peak=$(rss_mb "$pid" VmHWM:)
serving_now=$(rss_mb "$pid" VmRSS:)
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""

echo "exporting the static site…" >&2
/usr/bin/time -f '%e %M' -o "$tmp/export.time" "$BIN" --data "$data" export site "$tmp/site" >"$tmp/export.log" 2>&1 \
  || { tail -20 "$tmp/export.log" >&2; exit 1; }
read -r export_s export_kb <"$tmp/export.time"

echo
figure "reviews" "$REVIEWS"
figure "members, diary entries" "$MEMBERS, $DIARY"
figure "import" "$(awk -v s="$import_s" -v n="$REVIEWS" 'BEGIN { printf "%.1f s (%.0f reviews/s)", s, n / s }'), peak $(awk -v k="$import_kb" 'BEGIN { printf "%.0f", k / 1024 }') MB"
figure "store" "$(awk -v s="$store" -v m="$markdown" 'BEGIN { printf "%.0f MB for %.0f MB of Markdown (%.2fx)", s / 1048576, m / 1048576, s / m }')"
figure "server idle" "$idle MB"
while read -r name value unit; do figure "$name" "$value $unit"; done <"$tmp/probe"
figure "server after the probes" "$serving_now MB (peak $serving_peak MB)"
figure "static export" "$(awk -v s="$export_s" 'BEGIN { printf "%.1f s", s }'), peak $(awk -v k="$export_kb" 'BEGIN { printf "%.0f", k / 1024 }') MB"
figure "whole run" "$(( $(date +%s) - started )) s"
