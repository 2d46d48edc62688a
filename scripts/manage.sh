#!/usr/bin/env bash
# manage.py with the services' environment (/etc/masthead/env, or MASTHEAD_ENV_FILE), for
# cron and for a sysadmin's shell:  sudo -u masthead /srv/masthead/app/scripts/manage.sh createsuperuser
set -euo pipefail
cd "$(dirname "$0")/.."
env_file="${MASTHEAD_ENV_FILE:-/etc/masthead/env}"
if [ -r "$env_file" ]; then
  set -a
  # shellcheck disable=SC1090
  . "$env_file"
  set +a
fi
exec "${PYTHON:-.venv/bin/python}" manage.py "$@"
