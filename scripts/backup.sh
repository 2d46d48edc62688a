#!/usr/bin/env bash
# `make backup`: one archive of the database, local media and private files,
# and the secret key (manage.py backup; docs/deploy.md "Backups"). Safe while
# the site runs. Run it with the service's environment, e.g. on a server:
#   set -a; . /etc/masthead/env; set +a; scripts/backup.sh [--to /srv/backups]
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-.venv/bin/python}" manage.py backup "$@"
