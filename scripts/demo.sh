#!/usr/bin/env bash
# JupyterLab with a generated sample OME-Zarr and the demo notebook; prints the URL to open.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh test
export PATH="$PWD/.venv/bin:$PATH"

dir=${ZARRVIEW_DEMO_DIR:-$PWD/demo-data}
port=${PORT:-8888}
token=${ZARRVIEW_DEMO_TOKEN:-$(python -c 'import secrets; print(secrets.token_hex(16))')}
python -m jupyter_zarrview.demo "$dir"

extra=()
if [ "$(id -u)" = 0 ]; then extra+=(--allow-root); fi  # containers and cluster images often run as root

echo
echo "Open this URL in your browser:"
echo "    http://127.0.0.1:$port/lab/tree/demo.ipynb?token=$token"
echo
exec jupyter lab --no-browser --ip=127.0.0.1 --port="$port" --ServerApp.port_retries=0 \
  --ServerApp.root_dir="$dir" --IdentityProvider.token="$token" "${extra[@]}"
