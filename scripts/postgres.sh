#!/usr/bin/env bash
# Prints the URL of a PostgreSQL server the tests can use (trust auth, a database `test`): the one on
# 127.0.0.1:5432 when it answers, otherwise a throwaway cluster this script installs (Debian's
# postgresql package) and starts on port 54329. Progress goes to stderr.
set -euo pipefail

# MARQUEE_OWN_POSTGRES=1 skips the shared server (to try the throwaway cluster on any machine).
if [ -z "${MARQUEE_OWN_POSTGRES:-}" ] && command -v psql >/dev/null 2>&1 && psql "postgres://postgres@127.0.0.1:5432/test" -qAtc 'SELECT 1' >/dev/null 2>&1; then
  echo "postgres://postgres@127.0.0.1:5432/test"
  exit 0
fi

. "$(dirname "$0")/apt.sh"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "postgres.sh: installing postgresql" >&2
  apt_install postgresql
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

port=54329
dir=/tmp/marquee-test-postgres-$(id -u)
url="postgres://postgres@127.0.0.1:$port/test"
if "$bin/psql" "$url" -qAtc 'SELECT 1' >/dev/null 2>&1; then
  echo "$url"
  exit 0
fi
# PostgreSQL refuses to run as root: run the throwaway cluster as the postgres user then.
as_owner=()
if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u postgres --); fi
rm -rf "$dir"
mkdir -p "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
"${as_owner[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres >&2
"${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" -l "$dir/log" -w start >&2
"$bin/psql" "postgres://postgres@127.0.0.1:$port/postgres" -qc 'CREATE DATABASE test' >&2
echo "$url"
