#!/usr/bin/env bash
# The whole test suite: lint, types, JS unit tests, Python tests, browser tests in real
# JupyterLab with headless Chromium, and under a real JupyterHub. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh test
export PATH="$PWD/.venv/bin:$PATH"

if ! command -v chromium >/dev/null; then
  echo "== chromium, for the browser tests (Debian's package, once)"
  # Browser tests drive Debian's Chromium; Playwright's own browser download is not used.
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

echo "== configurable-http-proxy, the JupyterHub tests' proxy (npm)"
# Into the git-ignored virtualenv, so the checkout stays clean; tests/hub looks for it there.
npm install --prefix .venv/chp --no-audit --no-fund configurable-http-proxy@5

echo "== lint"
ruff check .
ruff format --check .

echo "== python types"
mypy jupyter_zarrview
# Each test folder on its own: pytest imports its conftest.py and helper modules as top-level
# modules, so two folders' conftest.py would be one module to a single run.
for folder in tests/*/; do MYPYPATH="tests:$folder" mypy "$folder"; done
MYPYPATH=tests mypy tests/*.py

echo "== js: types and unit tests"
(cd js && npm run --silent typecheck && npx vitest run)

echo "== python and browser tests"
python -m pytest "$@"
