#!/usr/bin/env bash
# One background worker for one task queue (deploy/systemd/masthead-worker@.service):
#   scripts/worker.sh narration
# RQ when REDIS_URL is set (the queues are in Redis), else django-tasks' database worker.
set -euo pipefail
cd "$(dirname "$0")/.."
queue="${1:?usage: scripts/worker.sh QUEUE (default, narration, editions, newsletters)}"
PY="${PYTHON:-.venv/bin/python}"
if [ -n "${REDIS_URL:-}" ]; then
  # SimpleWorker runs each job in the worker itself: RQ's default forks a child per job,
  # which would load the narration voice afresh for every article.
  exec "$PY" manage.py rqworker --skip-checks --worker-class rq.worker.SimpleWorker "$queue"
fi
# --skip-checks: the system checks import the whole URL conf and every view into the worker (~26 MiB for
# the narration worker, measured); the release step's migrate runs them.
exec "$PY" manage.py db_worker --skip-checks --queue-name "$queue"
