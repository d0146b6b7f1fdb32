#!/usr/bin/env bash
# Memory and speed of `marquee import imdb` on generated IMDb datasets: a title.principals of
# 10 million rows beside title.basics, title.crew and name.basics in proportion (gzipped, as IMDb
# serves them). Two runs on a fresh SQLite store:
#   1. `import imdb --all`: the whole catalogue (feature and TV films, with genres and directors);
#   2. `import imdb` after 2,000 reviews of catalogue films were written without IMDb ids: their
#      runtime, genres, directors, writers and cast filled in.
# Each run prints the rows it read and rows/s; peak resident memory (GNU time's maximum RSS) is
# checked against the 200 MB bound.
#
#   bench/imdb.sh                          # MARQUEE_BIN defaults to target/release/marquee
#   BENCH_PRINCIPALS=1000000 bench/imdb.sh # a smaller run
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${MARQUEE_BIN:-$root/target/release/marquee}"
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
PRINCIPALS="${BENCH_PRINCIPALS:-10000000}"
LIMIT_KB=$((200 * 1024))
[ -x "$BIN" ] || { echo "imdb.sh: no marquee binary at $BIN (cargo build --release first)" >&2; exit 1; }
. "$root/scripts/apt.sh"
[ -x /usr/bin/time ] || apt_install time

tmp="$(mktemp -d "${TMPDIR:-/tmp}/marquee-imdb-bench.XXXXXX")"
# BENCH_KEEP=1 keeps the datasets and the store (for profiling); the folder is printed.
if [ -n "${BENCH_KEEP:-}" ]; then echo "keeping $tmp" >&2; else trap 'rm -rf "$tmp"' EXIT INT TERM; fi

echo "generating datasets with $PRINCIPALS title.principals rows…" >&2
python3 - "$tmp/imdb" "$tmp/reviews" "$PRINCIPALS" <<'PY'
import gzip, os, random, sys
out, reviews, principals = sys.argv[1], sys.argv[2], int(sys.argv[3])
random.seed(7)
os.makedirs(out); os.makedirs(reviews)
titles = principals // 6          # IMDb has about 8 principals rows per title
people = principals // 5
kinds = ["movie"] * 8 + ["tvMovie"] + ["short"] * 10 + ["tvEpisode"] * 70 + ["tvSeries"] * 5 + ["video"] * 6
genres = "Drama Comedy Thriller Horror Romance Documentary Western Musical Sci-Fi Crime Action".split()
def open_gz(name):
    return gzip.open(os.path.join(out, name), "wt", encoding="utf-8", compresslevel=1, newline="\n")
movies = []
with open_gz("title.basics.tsv.gz") as basics, open_gz("title.crew.tsv.gz") as crew:
    basics.write("tconst\ttitleType\tprimaryTitle\toriginalTitle\tisAdult\tstartYear\tendYear\truntimeMinutes\tgenres\n")
    crew.write("tconst\tdirectors\twriters\n")
    for n in range(1, titles + 1):
        kind = random.choice(kinds)
        year = 1900 + n % 125
        title = f"Title {n} Été"
        runtime = str(60 + n % 120) if n % 7 else "\\N"
        g = ",".join(random.sample(genres, 1 + n % 3))
        basics.write(f"tt{n:07d}\t{kind}\t{title}\t{title}\t{1 if n % 97 == 0 else 0}\t{year}\t\\N\t{runtime}\t{g}\n")
        directors = ",".join(f"nm{random.randint(1, people):07d}" for _ in range(1 + (n % 11 == 0)))
        writers = ",".join(f"nm{random.randint(1, people):07d}" for _ in range(n % 4)) or "\\N"
        crew.write(f"tt{n:07d}\t{directors}\t{writers}\n")
        if kind == "movie" and n % 97 and len(movies) < 2000 and random.random() < 0.1:
            movies.append((title, year))
with open_gz("title.principals.tsv.gz") as f:
    f.write("tconst\tordering\tnconst\tcategory\tjob\tcharacters\n")
    n, written = 1, 0
    categories = ["actor", "actress", "actor", "actress", "self", "director", "writer", "producer", "composer"]
    while written < principals:
        for ordering in range(1, 1 + min(10, principals - written)):
            category = random.choice(categories)
            characters = f'["Role {ordering}"]' if category in ("actor", "actress", "self") else "\\N"
            f.write(f"tt{n:07d}\t{ordering}\tnm{random.randint(1, people):07d}\t{category}\t\\N\t{characters}\n")
            written += 1
        n = n % titles + 1
with open_gz("name.basics.tsv.gz") as f:
    f.write("nconst\tprimaryName\tbirthYear\tdeathYear\tprimaryProfession\tknownForTitles\n")
    for n in range(1, people + 1):
        f.write(f"nm{n:07d}\tPerson {n} Ångström\t{1900 + n % 100}\t\\N\tactor,director\ttt{1 + n % titles:07d}\n")
for i, (title, year) in enumerate(movies):
    with open(os.path.join(reviews, f"r{i}.md"), "w") as f:
        f.write(f'+++\ntitle = "{title}"\nyear = {year}\nscore = 7\ndate = 2024-01-01\n+++\nSeen.\n')
PY
ls -l "$tmp/imdb" >&2

run() {
    local label="$1"; shift
    /usr/bin/time -f "%M %e" -o "$tmp/time" "$BIN" --data "$tmp/site" "$@" >"$tmp/out" 2>"$tmp/err" &
    local pid=$! anon=0 file=0
    # Resident memory split: the process's own (anonymous) and the database file mapped in.
    while kill -0 "$pid" 2>/dev/null; do
        child=$(pgrep -P "$pid" marquee || true)
        if [ -n "$child" ] && [ -r "/proc/$child/status" ]; then
            a=$(awk '/^RssAnon/ {print $2}' "/proc/$child/status" 2>/dev/null || echo 0)
            f=$(awk '/^RssFile/ {print $2}' "/proc/$child/status" 2>/dev/null || echo 0)
            [ "${a:-0}" -gt "$anon" ] && anon=$a
            [ "${f:-0}" -gt "$file" ] && file=$f
        fi
        sleep 0.2
    done
    wait "$pid" || { cat "$tmp/err" >&2; exit 1; }
    read -r rss seconds <"$tmp/time"
    echo "$label: $(grep -E '^(Imported|Read)' "$tmp/out" | tr '\n' ' ')"
    echo "$label: peak RSS $((rss / 1024)) MB (anonymous $((anon / 1024)) MB, mapped files $((file / 1024)) MB), $seconds s wall"
    if [ "$rss" -gt "$LIMIT_KB" ]; then
        echo "$label: peak RSS $((rss / 1024)) MB is over the 200 MB bound" >&2
        exit 1
    fi
}
"$BIN" --data "$tmp/site" migrate >/dev/null
run "import imdb --all" import imdb --all "$tmp/imdb"
"$BIN" --data "$tmp/site" import markdown "$tmp/reviews" >/dev/null 2>&1
run "import imdb (2,000 reviewed films)" import imdb "$tmp/imdb"
