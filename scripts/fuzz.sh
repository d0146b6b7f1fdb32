#!/usr/bin/env bash
# Runs every property test of Marquee's parsers of outside input (Markdown and its sanitizing,
# front matter, WordPress and Ghost exports, Letterboxd CSV and lists, IMDb rows, the JSON
# export, forms and cookies, forwarded addresses, old addresses, static-export links, masked
# URLs) with many more inputs than the test suite tries.
#
#   scripts/fuzz.sh            # 20,000 inputs each
#   PROPTEST_CASES=200000 scripts/fuzz.sh
#
# A failing input is written to the crate's proptest-regressions/ folder: commit that file
# (every later run tries the input first) and add the case to the test beside the property.
set -euo pipefail
cd "$(dirname "$0")/.."
export PROPTEST_CASES="${PROPTEST_CASES:-20000}"
echo "fuzz.sh: $PROPTEST_CASES inputs per property (release build)"
cargo test --release --locked --workspace --lib --bins -- fuzz::
cargo test --release --locked -p marquee-core --test fuzz
