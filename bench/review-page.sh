#!/usr/bin/env bash
# Throughput of Marquee's review page against nginx serving the same bytes from disk, measured
# the pinned way: each server on CPU 0 (`taskset -c 0`; nginx with one worker), the load
# generator on CPU 1 (`taskset -c 1 wrk -t1`), rounds alternated between the two servers so that
# both see the same machine. Three kinds of request, each a ratio of Marquee to nginx:
#   plain       GET of the page
#   compressed  GET with `Accept-Encoding: gzip, br` (nginx: gzip_static of a .gz beside the file)
#   304         GET with the server's own ETag in `If-None-Match`
# Marquee logs one line per request, as it does by default; nginx writes its access log buffered.
#
#   bench/review-page.sh                       # MARQUEE_BIN defaults to target/release/marquee
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench bench/review-page.sh   # on PostgreSQL
#
# Environment:
#   MARQUEE_BIN         marquee binary (default: <repo>/target/release/marquee); built by the caller
#   BENCH_SECONDS       duration of each measured wrk run (default 10)
#   BENCH_WARMUP        duration of each warm-up wrk run, seconds (default 2)
#   BENCH_ROUNDS        rounds, each measuring both servers in turn (default 3)
#   BENCH_CONNECTIONS   wrk connections (default 64)
#   BENCH_MIN_RATIO     if set (e.g. 1.0), exit 1 when the median plain ratio is below it
#
# Installs nginx-light and wrk with apt-get when they are missing. Builds nothing.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${MARQUEE_BIN:-$root/target/release/marquee}"
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
SECS="${BENCH_SECONDS:-10}"
WARMUP="${BENCH_WARMUP:-2}"
ROUNDS="${BENCH_ROUNDS:-3}"
CONNS="${BENCH_CONNECTIONS:-64}"

log() { printf '%s\n' "$*" >&2; }
die() { log "review-page.sh: $*"; exit 1; }

[ -x "$BIN" ] || die "marquee binary not found at $BIN (build it first: cargo build --release, or set MARQUEE_BIN)"
[ "$(nproc --all)" -ge 2 ] || die "the pinned measurement needs two CPUs"

# --- tools -------------------------------------------------------------------
PATH="$PATH:/usr/sbin:/sbin"
. "$root/scripts/apt.sh"
missing=()
command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ "${#missing[@]}" -gt 0 ]; then
  if ! (apt_install "${missing[@]}"); then
    # nginx-light is gone from newer Debian releases: fall back to plain nginx
    apt_install "${missing[@]/nginx-light/nginx}"
  fi
fi

# --- cleanup -----------------------------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/marquee-bench.XXXXXX")"
marquee_pid=""
nginx_pid=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in $nginx_pid $marquee_pid; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $nginx_pid $marquee_pid; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A port nobody answers on (bash /dev/tcp: no python/ss needed).
free_port() {
  local p
  for _ in $(seq 200); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}

wait_http() { # url pid name
  local url=$1 pid=$2 name=$3
  for _ in $(seq 600); do
    kill -0 "$pid" 2>/dev/null || return 1
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)" = 200 ]; then return 0; fi
    sleep 0.2
  done
  log "$name did not answer 200 on $url in 120 s"
  return 1
}

# --- marquee -----------------------------------------------------------------
mport=$(free_port)
taskset -c 0 "$BIN" serve --demo --data "$tmp/data" --listen "127.0.0.1:$mport" >"$tmp/marquee.log" 2>&1 &
marquee_pid=$!
if ! wait_http "http://127.0.0.1:$mport/healthz" "$marquee_pid" marquee; then
  tail -n 30 "$tmp/marquee.log" >&2 || true
  die "marquee did not start"
fi

home="$(curl -fsS "http://127.0.0.1:$mport/")" || die "GET / failed"
# The longest review the home page links to: the kind of page the product is for.
review_path=""
largest=0
for path in $(printf '%s' "$home" | grep -oE 'href="[^"]*/reviews/[^"#?]+' | sed -E 's#^href="(https?://[^/]+)?##' | sort -u); do
  size=$(curl -fsS "http://127.0.0.1:$mport$path" | wc -c)
  if [ "$size" -gt "$largest" ]; then largest=$size; review_path=$path; fi
done
[ -n "$review_path" ] || die "no /reviews/ link on the home page"
log "review page: $review_path ($largest bytes)"

# --- nginx serving the same bytes ----------------------------------------------
docroot="$tmp/docroot"
file="$docroot$review_path"
case "$file" in */) file="${file}index.html" ;; esac
mkdir -p "$(dirname "$file")" "$tmp/nginx-temp"
curl -fsS -o "$file" "http://127.0.0.1:$mport$review_path" || die "GET $review_path failed"
gzip -6 -k "$file"
# nginx workers may run as an unprivileged user: make the tree readable
chmod -R a+rX "$tmp"

nport=$(free_port)
while [ "$nport" = "$mport" ]; do nport=$(free_port); done
nginx_v="$(nginx -V 2>&1)"
temp_paths="client_body_temp_path $tmp/nginx-temp/body;"
for m in proxy fastcgi uwsgi scgi; do
  case "$nginx_v" in *"--without-http_${m}_module"*) ;; *) temp_paths="$temp_paths ${m}_temp_path $tmp/nginx-temp/$m;" ;; esac
done
cat >"$tmp/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
events { worker_connections 4096; }
http {
  # like marquee, which logs one line per request
  access_log $tmp/nginx-access.log combined buffer=64k flush=1s;
  $temp_paths
  default_type text/html;
  charset utf-8;
  sendfile on;
  gzip_static on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nport;
    root $docroot;
    location / { try_files \$uri =404; }
  }
}
EOF
taskset -c 0 nginx -p "$tmp" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" >"$tmp/nginx.out" 2>&1 &
nginx_pid=$!
if ! wait_http "http://127.0.0.1:$nport$review_path" "$nginx_pid" nginx; then
  cat "$tmp/nginx.out" "$tmp/nginx-error.log" >&2 2>/dev/null || true
  die "nginx did not start"
fi
if ! cmp -s "$file" <(curl -fsS "http://127.0.0.1:$nport$review_path"); then
  die "nginx does not serve the same bytes as marquee"
fi
bytes=$(wc -c <"$file")

# --- measure -------------------------------------------------------------------
# p99 from wrk --latency output, in ms
p99_ms() {
  awk '$1 == "99%" {
    v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1;
    printf "%.2f", v * f; exit }'
}
rps() { awk '$1 == "Requests/sec:" { print $2; exit }'; }

etag_of() { # url
  curl -fsS -D - -o /dev/null "$1" | awk 'tolower($1) == "etag:" { sub(/\r$/, "", $2); print $2 }'
}
m_etag=$(etag_of "http://127.0.0.1:$mport$review_path")
n_etag=$(etag_of "http://127.0.0.1:$nport$review_path")
[ -n "$m_etag" ] && [ -n "$n_etag" ] || die "a server sent no ETag"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $m_etag" "http://127.0.0.1:$mport$review_path")" = 304 ] ||
  die "marquee does not answer its own ETag with 304"
for server in "marquee $mport" "nginx $nport"; do
  set -- $server
  enc=$(curl -fsS -D - -o /dev/null -H 'Accept-Encoding: gzip, br' "http://127.0.0.1:$2$review_path" |
    awk 'tolower($1) == "content-encoding:" { sub(/\r$/, "", $2); print $2 }')
  [ -n "$enc" ] || die "$1 sent the page uncompressed to a client that accepts gzip and br"
  log "$1 compresses with $enc"
done

run_wrk() { # name url [header]
  local name=$1 url=$2 out
  local args=(-t1 -c"$CONNS")
  [ $# -ge 3 ] && args+=(-H "$3")
  taskset -c 1 wrk "${args[@]}" -d"${WARMUP}s" "$url" >/dev/null
  out="$(taskset -c 1 wrk "${args[@]}" -d"${SECS}s" --latency "$url")"
  printf '%s\n' "$out" >>"$tmp/wrk-$name.txt"
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    die "$name: $(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ')"
  fi
  printf '%s %s\n' "$(rps <<<"$out")" "$(p99_ms <<<"$out")"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

log "each server pinned to CPU 0, wrk -t1 -c$CONNS -d${SECS}s pinned to CPU 1; $ROUNDS rounds alternated; page $bytes bytes"
printf '%-11s %5s %14s %9s %14s %9s %7s\n' request round 'marquee req/s' 'p99 ms' 'nginx req/s' 'p99 ms' ratio
declare -A ratios
for kind in plain compressed 304; do
  for round in $(seq "$ROUNDS"); do
    case $kind in
      plain) m_h=""; n_h="" ;;
      compressed) m_h="Accept-Encoding: gzip, br"; n_h="Accept-Encoding: gzip, br" ;;
      304) m_h="If-None-Match: $m_etag"; n_h="If-None-Match: $n_etag" ;;
    esac
    # Alternate which server goes first from round to round.
    if [ $((round % 2)) -eq 1 ]; then
      read -r m_rps m_p99 < <(run_wrk "marquee-$kind" "http://127.0.0.1:$mport$review_path" ${m_h:+"$m_h"})
      read -r n_rps n_p99 < <(run_wrk "nginx-$kind" "http://127.0.0.1:$nport$review_path" ${n_h:+"$n_h"})
    else
      read -r n_rps n_p99 < <(run_wrk "nginx-$kind" "http://127.0.0.1:$nport$review_path" ${n_h:+"$n_h"})
      read -r m_rps m_p99 < <(run_wrk "marquee-$kind" "http://127.0.0.1:$mport$review_path" ${m_h:+"$m_h"})
    fi
    [ -n "$m_rps" ] && [ -n "$n_rps" ] || die "could not parse wrk output"
    ratio=$(awk -v m="$m_rps" -v n="$n_rps" 'BEGIN { printf "%.2f", (n > 0 ? m / n : 0) }')
    ratios[$kind]="${ratios[$kind]:-} $ratio"
    printf '%-11s %5s %14s %9s %14s %9s %7s\n' "$kind" "$round" "$m_rps" "$m_p99" "$n_rps" "$n_p99" "$ratio"
  done
done
for kind in plain compressed 304; do
  printf 'median ratio marquee/nginx, %s: %s\n' "$kind" "$(tr ' ' '\n' <<<"${ratios[$kind]}" | grep . | median)"
done
plain=$(tr ' ' '\n' <<<"${ratios[plain]}" | grep . | median)
if [ -n "${BENCH_MIN_RATIO:-}" ]; then
  if awk -v r="$plain" -v min="$BENCH_MIN_RATIO" 'BEGIN { exit !(r < min) }'; then
    die "median plain ratio $plain is below BENCH_MIN_RATIO=$BENCH_MIN_RATIO"
  fi
fi
