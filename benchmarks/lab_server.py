"""A JupyterLab of its own for a benchmark: on loopback, with a token, in a throwaway home."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Chromium's flags where it runs as root without a GPU and without the network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@dataclass(frozen=True)
class Lab:
    base: str
    token: str
    server: subprocess.Popen[bytes]


@contextmanager
def running_lab(root: Path, token: str = "bench") -> Iterator[Lab]:
    """JupyterLab serving ``root`` until the block ends; its home is removed afterwards."""
    home = Path(tempfile.mkdtemp(prefix="zarrview-home-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(home / "cfg"),
        "JUPYTER_RUNTIME_DIR": str(home / "rt"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "ws"),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--ServerApp.root_dir={root}",
            f"--IdentityProvider.token={token}",
            "--allow-root",
            "--LabApp.extension_manager=readonly",
            # window.jupyterapp, for a benchmark to run commands in the page.
            "--LabApp.expose_app_in_browser=True",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{base}api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.25)
        yield Lab(base, token, server)
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(home, ignore_errors=True)
