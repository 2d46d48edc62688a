#!/usr/bin/env bash
# Installs everything Masthead needs on a fresh Debian machine, idempotently:
# apt packages (only the missing ones), the virtual environment, Python and npm
# packages. `make run` and `make test` both call it, so a newcomer needs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE="${1:-run}"   # run | test | bench
APT_RUN=(espeak-ng libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
APT_TEST=(chromium default-jre-headless redis-server epubcheck poppler-utils qpdf postgresql-15 nginx-light varnish varnish-modules)
APT_BENCH=(wrk)
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
  # Reinstall only when the lock file changed (a content hash, not mtimes:
  # a fresh checkout makes every file "newer" than an existing node_modules).
  npm_digest=$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1)
  npm_stamp="node_modules/.masthead-installed"
  if [ ! -f "$npm_stamp" ] || [ "$(cat "$npm_stamp")" != "$npm_digest" ]; then
    echo "bootstrap: installing npm packages"
    # Ace by DAISY drives Debian's chromium (ace-puppeteer): never download Electron or a browser build.
    export ELECTRON_SKIP_BINARY_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1
    if [ -f package-lock.json ]; then npm ci --silent --no-audit --no-fund; else npm install --silent --no-audit --no-fund; fi
    echo "$npm_digest" > "$npm_stamp"
  fi
fi
