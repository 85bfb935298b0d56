#!/usr/bin/env bash
# JupyterLab with a generated sample OME-Zarr and the demo notebook; prints the URL to open.
# Settings (environment): PORT (8888), ZARRVIEW_DEMO_DIR (./demo-data), ZARRVIEW_DEMO_TOKEN
# (a random one). Ctrl+C stops JupyterLab; .venv/ and the demo folder stay for the next run.
set -euo pipefail
# A relative ZARRVIEW_DEMO_DIR is taken from where the command was run.
dir=${ZARRVIEW_DEMO_DIR:-}
if [ -n "$dir" ] && [ "${dir#/}" = "$dir" ]; then dir=$PWD/$dir; fi
cd "$(dirname "$0")/.."
dir=${dir:-$PWD/demo-data}
port=${PORT:-8888}

if [ -x .venv/bin/python ]; then
  echo "== demo: checking .venv and rebuilding the JS (under a minute)"
else
  echo "== demo: first run: making .venv, installing JupyterLab and the package, building the JS"
  echo "   (about 10 minutes, most of it downloads; each step is named below as it starts)"
fi
bash scripts/setup.sh test
export PATH="$PWD/.venv/bin:$PATH"

token=${ZARRVIEW_DEMO_TOKEN:-$(python -c 'import secrets; print(secrets.token_hex(16))')}
echo
echo "== demo: the sample image and the notebook, in $dir"
python -m jupyter_zarrview.demo "$dir"

extra=()
if [ "$(id -u)" = 0 ]; then extra+=(--allow-root); fi  # containers and cluster images often run as root

echo
echo "== demo: starting JupyterLab on port $port (Ctrl+C stops it). Open this URL in your browser:"
echo
echo "    http://127.0.0.1:$port/lab/tree/demo.ipynb?token=$token"
echo
exec jupyter lab --no-browser --ip=127.0.0.1 --port="$port" --ServerApp.port_retries=0 \
  --ServerApp.root_dir="$dir" --IdentityProvider.token="$token" "${extra[@]}"
