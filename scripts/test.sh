#!/usr/bin/env bash
# Marquee's whole test suite, as CI runs it: formatting, lints, unit and integration tests
# (real SQLite files and a real PostgreSQL server, real HTTP), then the browser tests in headless Debian Chromium.
# On a fresh Debian machine it installs what it lacks (Rust's components, PostgreSQL, moto for S3, Chromium, Node).
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/apt.sh

if ! command -v cargo >/dev/null 2>&1; then
  echo "test.sh: cargo is missing; install Rust (https://rustup.rs) first" >&2
  exit 1
fi
if ! command -v cc >/dev/null 2>&1; then
  echo "test.sh: installing a C compiler (SQLite is built from source)" >&2
  apt_install build-essential
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true

# moto's server mode stands in for S3-compatible object storage in the media tests.
if ! command -v moto_server >/dev/null 2>&1; then
  pip_tool "$PWD/target/moto-venv" moto_server 'moto[server]'
  export PATH="$PWD/target/moto-venv/bin:$PATH"
fi
export MARQUEE_REQUIRE_S3=1

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "layers: SQL only in the store, the API apart from the admin"
scripts/check-layers.sh

step "unit and integration tests on SQLite"
cargo test --workspace --locked

step "integration tests on PostgreSQL"
postgres_url="$(scripts/postgres.sh)"
MARQUEE_TEST_DATABASE=postgres MARQUEE_TEST_POSTGRES_URL="$postgres_url" cargo test --workspace --locked --tests

cargo build --locked -p marquee

step "JSON API against its OpenAPI document (schemathesis)"
MARQUEE_BIN="$PWD/target/debug/marquee" scripts/api-contract.sh

step "ActivityPub against another project's implementation (bovine)"
MARQUEE_BIN="$PWD/target/debug/marquee" scripts/federation-interop.sh

step "browser tests (headless Chromium)"
MARQUEE_BIN="$PWD/target/debug/marquee" e2e/run.sh
