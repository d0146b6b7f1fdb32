#!/usr/bin/env bash
# Time to export a generated site of 10,000 published reviews as static files with
# `marquee export site`, against Hugo (Debian's `hugo` package) building the same Markdown.
#
#   bench/static-site.sh                             # MARQUEE_BIN defaults to target/release/marquee
#   BENCH_REVIEWS=2000 bench/static-site.sh
#   BENCH_WORDS=300 BENCH_IMAGES=0 bench/static-site.sh   # the short reviews of earlier figures
#
# Generates the reviews with bench/long_reviews.py (about BENCH_WORDS=1100 words each, as critics
# write, with BENCH_IMAGES=3 captioned images each drawn from a pool of BENCH_IMAGE_POOL=300
# stills), as Markdown with TOML front matter that both read: Marquee imports them (not timed)
# and exports the site; Hugo builds them with a small theme written here
# that renders what Marquee's pages show (the review with its film facts, paginated lists of 12,
# genre, tag and director pages, RSS and a sitemap). Each build starts from an empty output
# folder; Marquee's second, incremental run (nothing changed) is timed too. Prints seconds and
# the ratio.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${MARQUEE_BIN:-$root/target/release/marquee}"
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
REVIEWS="${BENCH_REVIEWS:-10000}"
WORDS="${BENCH_WORDS:-1100}"
IMAGES="${BENCH_IMAGES:-3}"
POOL="${BENCH_IMAGE_POOL:-300}"
[ -x "$BIN" ] || { echo "static-site.sh: no marquee binary at $BIN (cargo build --release first)" >&2; exit 1; }
. "$root/scripts/apt.sh"
command -v hugo >/dev/null 2>&1 || apt_install hugo
[ -x /usr/bin/time ] || apt_install time

tmp="$(mktemp -d "${TMPDIR:-/tmp}/marquee-static-bench.XXXXXX")"
# BENCH_KEEP=1 keeps the generated site, store and exports (for profiling); the folder is printed.
if [ -n "${BENCH_KEEP:-}" ]; then echo "keeping $tmp" >&2; else trap 'rm -rf "$tmp"' EXIT INT TERM; fi

python3 "$root/bench/long_reviews.py" "$tmp/hugo/content/reviews" "$REVIEWS" --front toml \
  --words "$WORDS" --images "$IMAGES" --image-pool "$POOL"

# A theme for Hugo that renders the same parts of each page.
mkdir -p "$tmp/hugo/layouts/_default"
cat > "$tmp/hugo/hugo.toml" <<'TOML'
baseURL = "https://reviews.example/"
title = "Bench"
paginate = 12
[taxonomies]
genre = "genres"
tag = "tags"
director = "directors"
TOML
cat > "$tmp/hugo/layouts/_default/baseof.html" <<'HTML'
<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title>
<link rel="canonical" href="{{ .Permalink }}"><meta name="description" content="{{ .Params.summary }}"></head>
<body><header><a href="/">{{ .Site.Title }}</a></header><main>{{ block "main" . }}{{ end }}</main></body></html>
HTML
cat > "$tmp/hugo/layouts/_default/single.html" <<'HTML'
{{ define "main" }}<article><h1>{{ .Title }} ({{ .Params.year }})</h1>
<dl><dt>Runtime</dt><dd>{{ .Params.runtime }} minutes</dd>
<dt>Directed by</dt><dd>{{ range .GetTerms "directors" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</dd>
<dt>Starring</dt><dd>{{ delimit .Params.cast ", " }}</dd>
<dt>Genres</dt><dd>{{ range .GetTerms "genres" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</dd></dl>
<p>{{ .ReadingTime }}-minute read</p>{{ .Content }}<p>{{ .Params.score }} / 10</p><p>{{ .Params.summary }}</p>
<ul>{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
<section><h2>Keep exploring</h2>{{ range first 6 (.Site.RegularPages.Related .) }}<a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ end }}</section>
</article>{{ end }}
HTML
cat > "$tmp/hugo/layouts/_default/list.html" <<'HTML'
{{ define "main" }}<h1>{{ .Title }}</h1>{{ range .Paginator.Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p>{{ .Params.score }} / 10 · {{ .Params.summary }}</p></article>{{ end }}
{{ with .Paginator.Next }}<a href="{{ .URL }}">Next</a>{{ end }}{{ end }}
HTML
cp "$tmp/hugo/layouts/_default/list.html" "$tmp/hugo/layouts/index.html"
cat >> "$tmp/hugo/hugo.toml" <<'TOML'
[related]
includeNewer = true
threshold = 0
toLower = true
[[related.indices]]
name = "directors"
weight = 100
[[related.indices]]
name = "genres"
weight = 50
[[related.indices]]
name = "tags"
weight = 20
TOML

export MARQUEE_DATA="$tmp/marquee" MARQUEE_BASE_URL="https://reviews.example" MARQUEE_LOG=warn
echo "importing $REVIEWS reviews into Marquee (not timed)" >&2
"$BIN" import markdown "$tmp/hugo/content/reviews" >/dev/null 2>&1

seconds() { python3 -c 'import sys, time; print(f"{time.time() - float(sys.argv[1]):.2f}")' "$1"; }
now() { python3 -c 'import time; print(time.time())'; }

peak() { awk '{ printf "%.0f MB", $2 / 1024 }' "$1"; }
start="$(now)"; /usr/bin/time -f '%e %M' -o "$tmp/first.time" "$BIN" export site "$tmp/marquee-site" >/dev/null 2>&1; marquee="$(seconds "$start")"
start="$(now)"; "$BIN" export site "$tmp/marquee-site" >/dev/null 2>&1; again="$(seconds "$start")"
# One review changed (its text, through the importer, not timed): the export rewrites what shows it.
sed -i 's/^## /## Revised: /' "$tmp/hugo/content/reviews/review-7.md"
"$BIN" import markdown "$tmp/hugo/content/reviews" >/dev/null 2>&1
start="$(now)"; one_changed_out="$("$BIN" export site "$tmp/marquee-site" 2>/dev/null)"; one="$(seconds "$start")"
# Into another empty folder: the share images the first export drew are kept in the data
# folder (as on a site its server has been serving), the rest is written anew.
start="$(now)"; "$BIN" export site "$tmp/marquee-site-2" >/dev/null 2>&1; drawn="$(seconds "$start")"
start="$(now)"; hugo --quiet -s "$tmp/hugo" -d "$tmp/hugo-site" >/dev/null 2>&1; hugo="$(seconds "$start")"
marquee_files="$(find "$tmp/marquee-site" -type f | wc -l)"
hugo_files="$(find "$tmp/hugo-site" -type f | wc -l)"
echo "reviews:                 $REVIEWS"
echo "marquee export site:     ${marquee} s ($marquee_files files, share images drawn, peak memory $(peak "$tmp/first.time"))"
echo "marquee, nothing changed: ${again} s"
echo "marquee, one review changed: ${one} s ($(echo "$one_changed_out" | grep -o '[0-9]* written' || echo '? written'))"
echo "marquee, share images kept, empty folder: ${drawn} s"
echo "hugo (same Markdown):    ${hugo} s ($hugo_files files)"
python3 -c 'import sys; m, d, h = map(float, sys.argv[1:]); print(f"hugo / marquee:          {h / m:.2f}x (share images drawn), {h / d:.2f}x (kept)")' "$marquee" "$drawn" "$hugo"
