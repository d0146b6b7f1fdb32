#!/usr/bin/env bash
# Throughput of Marquee's review page against nginx serving the same bytes from disk.
#
#   bench/review-page.sh                       # MARQUEE_BIN defaults to target/release/marquee
#   MARQUEE_BIN=target/debug/marquee BENCH_SECONDS=5 bench/review-page.sh
#
# Environment:
#   MARQUEE_BIN         marquee binary (default: <repo>/target/release/marquee); built by the caller
#   BENCH_SECONDS       duration of each measured wrk run (default 10)
#   BENCH_WARMUP        duration of each warm-up wrk run, seconds (default 2)
#   BENCH_THREADS       wrk threads (default 2)
#   BENCH_CONNECTIONS   wrk connections (default 50)
#   NGINX_WORKERS       nginx worker_processes (default auto)
#   BENCH_MIN_RATIO     if set (e.g. 0.5), exit 1 when marquee/nginx requests/s is below it
#
# Installs nginx-light and wrk with apt-get when they are missing. Builds nothing.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${MARQUEE_BIN:-$root/target/release/marquee}"
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
SECS="${BENCH_SECONDS:-10}"
WARMUP="${BENCH_WARMUP:-2}"
THREADS="${BENCH_THREADS:-2}"
CONNS="${BENCH_CONNECTIONS:-50}"
WORKERS="${NGINX_WORKERS:-auto}"

log() { printf '%s\n' "$*" >&2; }
die() { log "review-page.sh: $*"; exit 1; }

[ -x "$BIN" ] || die "marquee binary not found at $BIN (build it first: cargo build --release, or set MARQUEE_BIN)"

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
"$BIN" serve --demo --data "$tmp/data" --listen "127.0.0.1:$mport" >"$tmp/marquee.log" 2>&1 &
marquee_pid=$!
if ! wait_http "http://127.0.0.1:$mport/healthz" "$marquee_pid" marquee; then
  tail -n 30 "$tmp/marquee.log" >&2 || true
  die "marquee did not start"
fi

home="$(curl -fsS "http://127.0.0.1:$mport/")" || die "GET / failed"
review_path="$(printf '%s' "$home" | grep -oE 'href="[^"]*/reviews/[^"#?]+' | head -n 1 | sed -E 's#^href="(https?://[^/]+)?##')" || true
[ -n "$review_path" ] || die "no /reviews/ link on the home page"
log "review page: $review_path"

# --- nginx serving the same bytes ----------------------------------------------
docroot="$tmp/docroot"
file="$docroot$review_path"
case "$file" in */) file="${file}index.html" ;; esac
mkdir -p "$(dirname "$file")" "$tmp/nginx-temp"
curl -fsS -o "$file" "http://127.0.0.1:$mport$review_path" || die "GET $review_path failed"
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
worker_processes $WORKERS;
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
nginx -p "$tmp" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" >"$tmp/nginx.out" 2>&1 &
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

run_wrk() { # name url
  local name=$1 url=$2 out
  wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "$url" >/dev/null
  out="$(wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency "$url")"
  printf '%s\n' "$out" >"$tmp/wrk-$name.txt"
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    log "warning: $name: $(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ')"
  fi
  printf '%s %s\n' "$(rps <<<"$out")" "$(p99_ms <<<"$out")"
}

log "wrk -t$THREADS -c$CONNS -d${SECS}s --latency, page $bytes bytes, nginx worker_processes $WORKERS, $(nproc) CPUs"
read -r m_rps m_p99 < <(run_wrk marquee "http://127.0.0.1:$mport$review_path")
read -r n_rps n_p99 < <(run_wrk nginx "http://127.0.0.1:$nport$review_path")
[ -n "$m_rps" ] && [ -n "$n_rps" ] || die "could not parse wrk output"
ratio=$(awk -v m="$m_rps" -v n="$n_rps" 'BEGIN { printf "%.2f", (n > 0 ? m / n : 0) }')

printf '%-8s %12s %10s\n' server 'requests/s' 'p99 (ms)'
printf '%-8s %12s %10s\n' marquee "$m_rps" "$m_p99"
printf '%-8s %12s %10s\n' nginx "$n_rps" "$n_p99"
printf 'ratio marquee/nginx (requests/s): %s (target >= 0.5)\n' "$ratio"

if [ -n "${BENCH_MIN_RATIO:-}" ]; then
  if awk -v r="$ratio" -v min="$BENCH_MIN_RATIO" 'BEGIN { exit !(r < min) }'; then
    die "ratio $ratio is below BENCH_MIN_RATIO=$BENCH_MIN_RATIO"
  fi
fi
