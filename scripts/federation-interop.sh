#!/usr/bin/env bash
# ActivityPub interoperability: Marquee against a peer built on another project's ActivityPub
# library (bovine, from PyPI). Starts a server on a fresh data directory with an owner account
# and a write token, then runs scripts/federation-interop/peer.py, a fediverse server of its own
# whose keys, documents and HTTP signatures (made and checked) all come from bovine: it
# WebFingers the writer, follows them, verifies Marquee's signed Accept, sees unsigned and
# wrongly signed activities refused, receives and verifies the Create of a review published
# through the JSON API (an Article with its Rating), replies to it, and sees the reply held, then
# shown once approved through the API.
#
#   MARQUEE_BIN=target/debug/marquee scripts/federation-interop.sh
#
# MARQUEE_INTEROP_VENV (default target/interop-venv) is the Python environment for the peer,
# created when missing. The last line says PASS or FAIL; on failure the exit status is non-zero
# and the server's log is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

bovine_version=0.5.19
aiohttp_version=3.14.5

bin="${MARQUEE_BIN:-target/debug/marquee}"
if [ ! -x "$bin" ]; then
  echo "federation-interop.sh: no marquee binary at $bin (cargo build, or set MARQUEE_BIN)" >&2
  echo "FAIL: Marquee federation interoperability: no marquee binary at $bin"
  exit 2
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

# The peer's Python environment, made once (python3-venv from apt when missing).
. scripts/apt.sh
venv="${MARQUEE_INTEROP_VENV:-target/interop-venv}"
python="$venv/bin/python"
pinned() {
  "$python" - "$bovine_version" "$aiohttp_version" 2>/dev/null <<'EOF'
import sys
from importlib.metadata import version
sys.exit(0 if (version("bovine"), version("aiohttp")) == tuple(sys.argv[1:3]) else 1)
EOF
}
if [ ! -x "$python" ] || ! pinned; then
  echo "installing bovine==$bovine_version aiohttp==$aiohttp_version into $venv" >&2
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    apt_install python3-venv
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet "bovine==$bovine_version" "aiohttp==$aiohttp_version"
fi

# Only what this script sets reaches the commands: no database, config or address from outside.
unset DATABASE_URL MARQUEE_CONFIG MARQUEE_DATA MARQUEE_LISTEN MARQUEE_BASE_URL MARQUEE_METRICS_LISTEN

work="$(mktemp -d)"
data="$work/data"
log="$work/server.log"
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "federation-interop.sh: $1" >&2
  if [ -s "$log" ]; then
    echo "--- the server's log (last 60 lines) ---" >&2
    tail -n 60 "$log" >&2
    echo "---" >&2
  fi
  echo "FAIL: Marquee federation interoperability with bovine $bovine_version: $1"
  exit 1
}

free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

echo "marquee: $("$bin" --version)"
echo "the peer checks its own signing and verifying (bovine $bovine_version):"
"$python" scripts/federation-interop/peer.py --self-test \
  || fail "the peer's own sign/verify round trip failed: a problem in the test's peer, not in Marquee"

# The writer: an owner (owners publish), and an API token to write with.
writer_name="Pasture Tester"
writer_email="pasture.tester@example.org"
echo 'interop-password-not-secret' | "$bin" --data "$data" user add --email "$writer_email" \
  --name "$writer_name" --role owner --password-stdin >"$work/user.log" 2>&1 \
  || fail "marquee user add failed: $(cat "$work/user.log")"
token="$("$bin" --data "$data" user token "$writer_email" --name "federation interop" --scope write 2>"$work/user.log")" \
  || fail "marquee user token failed: $(cat "$work/user.log")"

port="$(free_port)"
peer_port="$(free_port)"
while [ "$peer_port" = "$port" ]; do peer_port="$(free_port)"; done
base="http://127.0.0.1:$port"

# Peers on 127.0.0.1 are private addresses, which Marquee refuses to fetch from or deliver to
# unless told otherwise.
MARQUEE_FEDERATION_ALLOW_PRIVATE=1 "$bin" serve --data "$data" --listen "127.0.0.1:$port" >"$log" 2>&1 &
server=$!
up=""
for _ in $(seq 1 150); do
  kill -0 "$server" 2>/dev/null || fail "marquee serve exited while starting"
  if "$python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
    "$base/healthz" 2>/dev/null; then
    up=1
    break
  fi
  sleep 0.2
done
[ -n "$up" ] || fail "marquee serve did not answer $base/healthz within 30 s"
echo "marquee serving on $base; the peer on http://127.0.0.1:$peer_port"

status=0
MARQUEE_INTEROP_TOKEN="$token" "$python" scripts/federation-interop/peer.py \
  --marquee "$base" --peer-port "$peer_port" --writer-name "$writer_name" || status=$?

# Stop the server as an operator would; it must stop cleanly.
kill -TERM "$server"
stopped=""
for _ in $(seq 1 100); do
  if ! kill -0 "$server" 2>/dev/null; then
    stopped=1
    break
  fi
  sleep 0.1
done
[ -n "$stopped" ] || fail "marquee serve did not stop within 10 s of SIGTERM"
exit_status=0
wait "$server" || exit_status=$?
server=""

[ "$status" -eq 0 ] || fail "the peer's steps failed (see the FAIL line above)"
[ "$exit_status" -eq 0 ] || fail "marquee serve exited with status $exit_status on SIGTERM"
echo "PASS: Marquee federation interoperability with bovine $bovine_version"
