#!/usr/bin/env bash
# The JSON API against its own OpenAPI document: starts a server on a fresh data directory with
# the demo content and an editor's write token, then runs schemathesis (from PyPI) with every
# check (status codes, content types, response schemas, schema-valid data accepted,
# schema-violating data refused, auth not ignored, resources found after creation …).
#
#   MARQUEE_BIN=target/debug/marquee scripts/api-contract.sh
#
# A failure prints the request that reproduces it. SCHEMATHESIS_SEED picks another run.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${MARQUEE_BIN:-target/debug/marquee}"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

. scripts/apt.sh
venv="$PWD/target/api-venv"
pip_tool "$venv" schemathesis 'schemathesis==4.32.5'


work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export MARQUEE_DATA="$work/data" MARQUEE_LISTEN="127.0.0.1:$port" MARQUEE_BASE_URL="http://127.0.0.1:$port"
export MARQUEE_LOG=warn
cd "$work"
echo 'contract-test-password-1' | "$bin" user add --email editor@example.org --name "API Editor" --role editor --password-stdin >/dev/null
token="$("$bin" user token editor@example.org --name contract --scope write)"
"$bin" serve --demo >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
    "http://127.0.0.1:$port/healthz" 2>/dev/null && break
  sleep 0.2
done

status=0
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks all \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-40}" \
  --seed "${SCHEMATHESIS_SEED:-20261125}" \
  --workers 2 \
  --no-color || status=$?
if [ "$status" -ne 0 ]; then
  echo "api-contract.sh: schemathesis found failures; the server's log:" >&2
  grep -E 'WARN|ERROR' "$work/server.log" | tail -20 >&2 || true
fi
exit "$status"
