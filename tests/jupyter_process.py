"""A Jupyter server in a process of its own, as people run it: JupyterLab, Notebook 7 or plain."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

__all__ = ["JupyterProcess", "jupyter_server"]


@dataclass(frozen=True)
class JupyterProcess:
    """A running Jupyter server: where it answers, its token and its root dir."""

    url: str  # ends with the base URL, e.g. http://127.0.0.1:PORT/user/alice/
    token: str
    root: Path
    pid: int = 0  # the server process, for what it costs (CPU, memory)

    def api(self, path: str, method: str = "GET") -> bytes:
        request = urllib.request.Request(
            self.url + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body: bytes = response.read()
            return body


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def jupyter_server(
    module: str, app_args: list[str], base_url: str, root: Path, home: Path
) -> Iterator[JupyterProcess]:
    """``python -m module`` serving ``root`` under ``base_url``, until the block ends."""
    port = _free_port()
    token = "test-token"
    env = {
        **os.environ,
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "PYTHONUNBUFFERED": "1",
    }
    # Answered as a user would, once: no toast asking about news over the pages (and pictures).
    notifications = (
        home / "settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
    )
    notifications.parent.mkdir(parents=True, exist_ok=True)
    notifications.write_text(json.dumps({"fetchNews": "false"}))
    log_path = home / f"{module}.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            module,
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.base_url={base_url}",
            f"--ServerApp.root_dir={root}",
            f"--IdentityProvider.token={token}",
            "--allow-root",
            # Both front ends run JupyterLab's server extension: no extension, news or update
            # lookups on the network.
            "--LabApp.extension_manager=readonly",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            *app_args,
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = JupyterProcess(
        url=f"http://127.0.0.1:{port}{base_url}", token=token, root=root, pid=proc.pid
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            json.loads(server.api("api/status"))
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                log.close()
                raise RuntimeError(f"{module} did not start:\n" + log_path.read_text()) from None
            time.sleep(0.25)
    try:
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()  # reaped, or Python warns of a child still running
        log.close()
