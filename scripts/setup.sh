#!/usr/bin/env bash
# Makes .venv with the package installed editable and its test tools; the Python build runs
# the JS build (npm install + esbuild + `jupyter labextension build`), so this is all it takes.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null; then python=$candidate; break; fi
  done
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
export PATH="$PWD/.venv/bin:$PATH"

python -m pip install -q -U pip
# Build requirements go in first so the editable install can skip build isolation: an isolated
# build would install JupyterLab a second time for nothing.
python -m pip install -q "hatchling>=1.25" editables "hatch-jupyter-builder>=0.9" \
  "hatch-nodejs-version>=0.3.2" "jupyterlab>=4.4,<5"
python -m pip install -q --no-build-isolation -e ".[${1:-test}]"
