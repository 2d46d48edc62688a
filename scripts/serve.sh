#!/usr/bin/env bash
# The production server: granian (WSGI), which measured fastest for Masthead
# here (docs/benchmarks.md: cached anonymous pages and uncached renders).
# Configuration comes from the environment (docs/configuration.md); this script
# adds HOST, PORT, WEB_WORKERS, WEB_THREADS, SERVE_MIGRATE, SERVE_COLLECTSTATIC.
#
#   SECRET_KEY=... SITE_URL=https://magazine.example ALLOWED_HOSTS=magazine.example scripts/serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-.venv/bin/python}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
WEB_WORKERS="${WEB_WORKERS:-$(nproc)}"
# One blocking thread per worker: page-cache hits and SQLite renders are CPU
# work under the GIL, where more threads only add switching.
WEB_THREADS="${WEB_THREADS:-1}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-masthead.settings}"

if [ "${SERVE_MIGRATE:-1}" = 1 ]; then
  "$PY" manage.py migrate --noinput -v0
fi
if [ "${SERVE_COLLECTSTATIC:-1}" = 1 ]; then
  "$PY" manage.py collectstatic --noinput -v0
fi

# masthead.wsgi:application answers page-cache hits before Django builds a
# request (masthead/core/pagecache.py, PageCacheWSGI).
exec "$PY" -m granian \
  --interface wsgi \
  --host "$HOST" --port "$PORT" \
  --workers "$WEB_WORKERS" \
  --blocking-threads "$WEB_THREADS" \
  --respawn-failed-workers \
  masthead.wsgi:application
