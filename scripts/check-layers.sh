#!/usr/bin/env bash
# Checks that Marquee's layers keep to their jobs (docs/architecture.md):
#   - SQL is written only in crates/marquee-store: no other crate's source holds a statement
#     (tests may read tables directly, to prove what is stored: a hash and not a token, say);
#   - no two modules of a crate import each other, directly or through others (check-cycles.py);
#   - the JSON API speaks to the changes layer, never to the admin: no `routes::admin` or
#     `views::admin` in crates/marquee-web/src/routes/api/.
# Prints each offending line with its file and exits 1 when there is one.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0

# A statement's start as the store writes them: a keyword in capitals followed by what makes it
# SQL, inside a string. Prose and identifiers ("SELECT a film") are not matched.
sql='"[^"]*\b(SELECT [a-z*(]|INSERT INTO |UPDATE [a-z_]+ SET |DELETE FROM |CREATE (TABLE|INDEX) |PRAGMA [a-z_]+|WITH RECURSIVE )'
while IFS= read -r line; do
  echo "check-layers: SQL outside marquee-store: $line" >&2
  status=1
done < <(grep -rnE "$sql" crates/*/src --include='*.rs' | grep -v '^crates/marquee-store/' || true)

while IFS= read -r line; do
  echo "check-layers: the API reaches into the admin: $line" >&2
  status=1
done < <(grep -rnE 'routes::admin|views::admin|super::super::admin' crates/marquee-web/src/routes/api crates/marquee-web/src/routes/api.rs 2>/dev/null || true)

for crate in crates/*/src; do
  python3 scripts/check-cycles.py "$crate" >&2 || status=1
done

if [ "$status" -eq 0 ]; then
  echo "check-layers: SQL only in marquee-store; the API does not use the admin; no modules in a circle"
fi
exit "$status"
