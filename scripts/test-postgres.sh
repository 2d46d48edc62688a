#!/usr/bin/env bash
# Runs the key page tests (page cache, page rendering, access gate) against a
# throwaway PostgreSQL 15 cluster on 127.0.0.1:${PG_PORT:-8126}, to show the
# code that runs on SQLite by default also runs on the scale-out database.
#   scripts/test-postgres.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
PG_PORT="${PG_PORT:-8126}"
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "test-postgres: PostgreSQL server binaries not found (apt-get install postgresql-15)" >&2
  exit 2
fi

DATA="$(mktemp -d /tmp/masthead-pg.XXXXXX)"
# initdb refuses to run as root: the cluster belongs to the postgres user.
AS=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$DATA"
  AS=(runuser -u postgres --)
fi
cleanup() {
  "${AS[@]}" "$PG_BIN/pg_ctl" -D "$DATA/db" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap cleanup EXIT

"${AS[@]}" "$PG_BIN/initdb" -D "$DATA/db" -U postgres --auth=trust -E UTF8 >/dev/null
"${AS[@]}" "$PG_BIN/pg_ctl" -D "$DATA/db" -l "$DATA/log" -w \
  -o "-h 127.0.0.1 -p $PG_PORT -k $DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/masthead"
tests=(masthead/core/tests/test_page_cache.py masthead/newsroom/tests masthead/newsletters/tests)
.venv/bin/pytest -q -p no:randomly -m "not browser" "${tests[@]}" "$@"
