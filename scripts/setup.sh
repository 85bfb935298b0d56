#!/usr/bin/env bash
# Makes .venv with the package installed editable and its test tools, and builds the JS
# (npm install + esbuild + `jupyter labextension build`). Each step is named as it starts: the
# first run downloads JupyterLab, the test tools and the npm packages, and takes minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's line says how long the set-up has run so far.
step() { printf '\n== setup [%d s]: %s\n' "$SECONDS" "$*"; }

python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null; then python=$candidate; break; fi
  done
fi
if [ ! -x .venv/bin/python ]; then
  step "creating .venv with $python"
  "$python" -m venv .venv
fi
export PATH="$PWD/.venv/bin:$PATH"

# A first run shows pip's own output and download progress: downloads are most of its time.
# Later runs find everything installed and would print a line per requirement: they are quiet.
# (The installed metadata is asked, since an import would find the source folder here.)
quiet=()
if python -c "from importlib.metadata import version; version('jupyter_zarrview')" 2>/dev/null; then
  quiet=(-q)
fi

step "pip: upgrading pip"
python -m pip install "${quiet[@]}" -U pip
# Build requirements go in first so the editable install can skip build isolation: an isolated
# build would install JupyterLab a second time for nothing.
step "pip: the build tools and JupyterLab (the JS build runs 'jupyter labextension build')"
python -m pip install "${quiet[@]}" "hatchling>=1.25" editables "hatch-jupyter-builder>=0.9" \
  "hatch-nodejs-version>=0.3.2" "jupyterlab>=4.4,<5"

# The JS build runs here rather than inside pip's build of the package, where pip hides its
# output; the package's build hook is then told to skip it.
step "js: npm install (into js/node_modules)"
(cd js && npm install --no-audit --no-fund)
step "js: npm run build (the widget's bundle and the JupyterLab extension)"
(cd js && npm run build)

step "pip: the package, editable, with its [${1:-test}] extra"
HATCH_JUPYTER_BUILDER_SKIP_NPM=1 python -m pip install "${quiet[@]}" --no-build-isolation \
  -e ".[${1:-test}]"

step "done"
