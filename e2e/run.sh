#!/usr/bin/env bash
# Browser end-to-end tests for Marquee.
#
#   MARQUEE_BIN=target/debug/marquee e2e/run.sh
#
# Expects the marquee binary to be built already (MARQUEE_BIN, default
# target/debug/marquee, then target/release/marquee). Installs what is missing
# on a fresh Debian machine: Chromium (apt), node/npm (apt), node_modules (npm ci).
# Runs site.test.mjs (the public site), admin.test.mjs (the admin area) and cinephile.test.mjs
# (the diary, lists and watchlist) and articles.test.mjs (articles and pages); each starts its own server on a fresh temporary data directory.
# Extra arguments are passed to `node --test` (e.g. --test-name-pattern=axe).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

if [ -n "${MARQUEE_BIN:-}" ]; then
  # make a relative MARQUEE_BIN relative to the caller's directory, not e2e/
  case "$MARQUEE_BIN" in
    /*) ;;
    *) MARQUEE_BIN="$OLDPWD/$MARQUEE_BIN" ;;
  esac
  export MARQUEE_BIN
fi

. "$here/../scripts/apt.sh"

apt_pkgs=()
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || apt_pkgs+=(chromium fonts-dejavu-core)
command -v node >/dev/null 2>&1 || apt_pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || apt_pkgs+=(npm)
if [ "${#apt_pkgs[@]}" -gt 0 ]; then
  apt_install "${apt_pkgs[@]}"
fi

if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; then
  npm ci --no-audit --no-fund
fi

mkdir -p screenshots
exec node --test --test-reporter=spec "$@" site.test.mjs admin.test.mjs cinephile.test.mjs articles.test.mjs federation.test.mjs
