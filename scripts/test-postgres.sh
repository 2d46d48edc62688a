#!/usr/bin/env bash
# Runs the whole test suite against a throwaway PostgreSQL 15 cluster, so every
# database difference (NUL bytes in text, row order without ORDER BY, locking)
# fails in CI instead of in production. `make test` runs it after the SQLite run.
#   scripts/test-postgres.sh [extra pytest args]
# The cluster lives in a temporary directory on 127.0.0.1 at a random free port
# in 20000-29999, with fsync off (nothing here needs to survive a crash), and is
# removed when the run ends, however it ends.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)}"
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "test-postgres: PostgreSQL server binaries not found (apt-get install postgresql-15; scripts/bootstrap.sh test does it)" >&2
  exit 2
fi

DATA="$(mktemp -d /tmp/masthead-pg.XXXXXX)"
# initdb refuses to run as root: the cluster then belongs to the postgres user.
AS=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$DATA"
  AS=(runuser -u postgres --)
fi
cleanup() {
  "${AS[@]}" "$PG_BIN/pg_ctl" -D "$DATA/db" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${AS[@]}" "$PG_BIN/initdb" -D "$DATA/db" -U postgres --auth=trust -E UTF8 >/dev/null
# A port another process holds makes pg_ctl fail at once: try a few random ones.
started=""
for _ in 1 2 3 4 5 6 7 8; do
  PG_PORT=$((20000 + RANDOM % 10000))
  if "${AS[@]}" "$PG_BIN/pg_ctl" -D "$DATA/db" -l "$DATA/log" -w -t 60 \
    -o "-h 127.0.0.1 -p $PG_PORT -k $DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null; then
    started=1
    break
  fi
done
if [ -z "$started" ]; then
  echo "test-postgres: the cluster did not start; its log:" >&2
  cat "$DATA/log" >&2
  exit 2
fi

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/masthead"
echo "test-postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
start=$(date +%s)
status=0
.venv/bin/pytest -q -p no:randomly --durations=15 "$@" || status=$?
echo "test-postgres: the suite took $(( $(date +%s) - start )) s on PostgreSQL"
exit $status
