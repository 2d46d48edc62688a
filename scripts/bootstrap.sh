#!/usr/bin/env bash
# Installs everything Masthead needs on a fresh Debian machine, idempotently:
# apt packages (only the missing ones), the virtual environment, Python and npm
# packages. `make run` and `make test` both call it, so a newcomer needs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE="${1:-run}"   # run | test | bench
APT_RUN=(espeak-ng libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
APT_TEST=(chromium default-jre-headless)
APT_BENCH=(nginx-light wrk redis-server)
packages=("${APT_RUN[@]}")
case "$PROFILE" in
  test) packages+=("${APT_TEST[@]}") ;;
  bench) packages+=("${APT_TEST[@]}" "${APT_BENCH[@]}") ;;
esac

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing apt packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  "$PY" -m venv .venv
fi
# Reinstall only when the requirement files changed since the last install.
req_files=(requirements.txt)
[ "$PROFILE" = run ] || req_files+=(requirements-dev.txt)
stamp=".venv/.installed-$PROFILE"
digest=$(cat "${req_files[@]}" | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  echo "bootstrap: installing Python packages (${req_files[*]})"
  .venv/bin/python -m pip install -q --upgrade pip
  if [ "$PROFILE" = run ]; then
    .venv/bin/python -m pip install -q -r requirements.txt
  else
    .venv/bin/python -m pip install -q -r requirements-dev.txt
  fi
  echo "$digest" > "$stamp"
fi

if [ "$PROFILE" != run ] && [ -f package.json ]; then
  if [ ! -d node_modules ] || [ package.json -nt node_modules ] || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules ]; }; then
    echo "bootstrap: installing npm packages"
    if [ -f package-lock.json ]; then npm ci --silent --no-audit --no-fund; else npm install --silent --no-audit --no-fund; fi
    touch node_modules
  fi
fi
