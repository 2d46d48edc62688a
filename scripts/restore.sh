#!/usr/bin/env bash
# `make restore FROM=archive`: put a backup back (manage.py restore; docs/deploy.md
# "Restoring"). Stop the web servers and workers first.
#   scripts/restore.sh /srv/backups/masthead-20261201T053000Z.tar.gz [--replace]
set -euo pipefail
cd "$(dirname "$0")/.."
archive="${1:?usage: scripts/restore.sh ARCHIVE [--replace]}"
# Settings refuse to load without the secret key; on a bare machine it is in the
# archive, so it is put back first (never over an existing, different key).
if [ -n "${SECRET_KEY_FILE:-}" ] && [ ! -s "$SECRET_KEY_FILE" ]; then
  if tar -tzf "$archive" secret_key >/dev/null 2>&1; then
    mkdir -p "$(dirname "$SECRET_KEY_FILE")"
    (umask 077 && tar -xzf "$archive" -O secret_key > "$SECRET_KEY_FILE")
  fi
fi
exec "${PYTHON:-.venv/bin/python}" manage.py restore "$@"
