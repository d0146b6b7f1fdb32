#!/usr/bin/env bash
# Median search time over a generated site of 10,000 published reviews.
#
#   bench/search.sh                                  # MARQUEE_BIN defaults to target/release/marquee
#   BENCH_REVIEWS=2000 MARQUEE_BIN=target/debug/marquee bench/search.sh
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench bench/search.sh   # an empty PostgreSQL database
#
# Generates the reviews as Markdown files (python3), imports them with `marquee import markdown`,
# serves them, and times BENCH_QUERIES requests to /search (one- and two-word queries, a typo, a
# narrowed query) with curl, after one warm-up pass. Prints the median and the 95th percentile.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${MARQUEE_BIN:-$root/target/release/marquee}"
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
REVIEWS="${BENCH_REVIEWS:-10000}"
QUERIES="${BENCH_QUERIES:-300}"
[ -x "$BIN" ] || { echo "search.sh: no marquee binary at $BIN (cargo build --release first)" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/marquee-search-bench.XXXXXX")"
pid=""
cleanup() {
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

python3 - "$tmp/content" "$REVIEWS" <<'PY'
import os, random, sys
out, n = sys.argv[1], int(sys.argv[2])
random.seed(7)
os.makedirs(out)
words = ("train night harbour lighthouse winter summer city river mountain letter garden hotel mirror "
         "station ferry storm orchard ballroom archive radio desert island theatre museum factory").split()
first = "Ada Lev Mina Paul Oskar Liv Teodor Walter Saoirse Corin Dario Solene Jean Amelie Hana Yuki Rafael Ines".split()
last = "Moreau Orlov Sato Grant Vennholm Haugland Vasko Grennan Mallan Haddleston Quent Ravier Dupont Nakamura".split()
genres = "Drama Comedy Thriller Horror Romance Documentary Western Musical".split()
prose = ("The film moves with patience through rooms and seasons. A camera waits in doorways, listening. "
         "Performances are quiet and exact; the score arrives late and stays. ").split()
# A vocabulary of 6,000 made-up words, drawn with a long tail as real prose is, so a query word
# matches a realistic share of reviews rather than nearly all of them.
syllables = "ka lo mi ren tor sa vel dun ost ria ben cha fil gor hum ix jal kem lun mar nof pel qui sor tem".split()
vocabulary = sorted({"".join(random.choice(syllables) for _ in range(3)) for _ in range(8000)})[:6000]
weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
for i in range(n):
    title = f"{random.choice(words).title()} {random.choice(words).title()} {i}"
    year = random.randint(1920, 2025)
    director = f"{random.choice(first)} {random.choice(last)}"
    cast = [f"{random.choice(first)} {random.choice(last)}" for _ in range(3)]
    body = " ".join(random.choices(vocabulary, weights, k=300) + random.choices(prose, k=30) + random.sample(words, 3))
    with open(os.path.join(out, f"r{i}.md"), "w") as f:
        f.write(f'+++\ntitle = "{title}"\nyear = {year}\ndirectors = ["{director}"]\n'
                f'cast = {cast!r}\ngenres = ["{random.choice(genres)}"]\nscore = {random.randint(10, 100) / 10}\n'
                f'date = 2024-01-01T00:00:00Z\n+++\n\n## Notes\n\n{body}\n')
PY

data="$tmp/data"
echo "importing $REVIEWS reviews…" >&2
start=$(date +%s)
"$BIN" --data "$data" import markdown "$tmp/content" >/dev/null
echo "imported in $(( $(date +%s) - start )) s" >&2

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MARQUEE_LOG=warn "$BIN" --data "$data" --listen "127.0.0.1:$port" serve >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 200); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

queries=(q=harbour q=night+train q=lighthouse+winter q=orlov q=vennholm q=amelie q=ballrom "q=storm&genre=drama"
         "q=river&year=1990s" q=patience+doorways q=isl q=teodor+vasko q=museum q=quiet+exact "q=garden&band=masterpiece")
run() {
  local i=0
  while [ "$i" -lt "$1" ]; do
    q="${queries[$((i % ${#queries[@]}))]}"
    curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/search?$q"
    i=$((i + 1))
  done
}
run "${#queries[@]}" >/dev/null
run "$QUERIES" | sort -n >"$tmp/times"
awk -v reviews="$REVIEWS" '{a[NR]=$1} END {
  printf "search over %s reviews, %d queries: median %.1f ms, 95th percentile %.1f ms\n",
    reviews, NR, a[int((NR+1)/2)] * 1000, a[int(NR*0.95)] * 1000 }' "$tmp/times"
