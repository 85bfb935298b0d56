"""A JupyterHub on loopback, as a small site runs it: configurable-http-proxy in front, a
password login, and each user's single-user server started as a local process.

Everything it writes (database, cookie secret, proxy pid file, logs, users' homes) lives under
one temporary folder; every wait has a deadline, so a hub that does not come up fails the tests
instead of hanging them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["Hub", "find_proxy", "jupyterhub"]

REPO = Path(__file__).resolve().parents[2]
# Where scripts/test.sh installs the proxy, inside the git-ignored virtualenv.
LOCAL_PROXY = REPO / ".venv/chp/node_modules/.bin/configurable-http-proxy"
HTTP_TIMEOUT = 30.0
# The single-user servers run as these users do: JupyterLab, without network lookups, exposing
# the app to the page so tests can drive notebooks (as tests/browser does).
SERVER_ARGS = [
    "--allow-root",  # the tests may run as root; the hub's local spawner then spawns as root
    "--LabApp.expose_app_in_browser=True",
    "--LabApp.extension_manager=readonly",
    "--LabApp.news_url=",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
]


def find_proxy() -> str:
    """configurable-http-proxy: scripts/test.sh's copy in .venv/chp, else one on PATH."""
    if LOCAL_PROXY.exists():
        return str(LOCAL_PROXY)
    found = shutil.which("configurable-http-proxy")
    if found is None:
        raise RuntimeError(
            "configurable-http-proxy is not installed: run scripts/test.sh, or "
            "`npm install --prefix .venv/chp configurable-http-proxy@5`"
        )
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Hub:
    """A running hub: its public URL (the proxy's), the shared password, users' homes."""

    url: str  # http://127.0.0.1:PORT/
    password: str
    homes: Path
    log: Path

    def home(self, user: str) -> Path:
        """The user's home, which is also their server's root dir."""
        return self.homes / user

    def server_url(self, user: str) -> str:
        return f"{self.url}user/{user}/"

    def hub_api(self, path: str, token: str, method: str = "GET", **kwargs: Any) -> Any:
        response = requests.request(
            method,
            f"{self.url}hub/api/{path}",
            headers={"Authorization": f"token {token}"},
            timeout=HTTP_TIMEOUT,
            **kwargs,
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def request_token(self, user: str, note: str) -> str:
        """An API token of the user's, asked of the hub's REST API with their password."""
        response = requests.post(
            f"{self.url}hub/api/users/{user}/tokens",
            json={"auth": {"username": user, "password": self.password}, "note": note},
            timeout=HTTP_TIMEOUT,
        )
        if response.status_code != 201:
            raise RuntimeError(f"token for {user}: {response.status_code} {response.text}")
        return str(response.json()["token"])

    def start_servers(self, tokens: dict[str, str], timeout: float = 120.0) -> None:
        """Starts each user's server with their own token and waits until all are ready."""

        def spawn(user: str) -> None:
            response = requests.post(
                f"{self.url}hub/api/users/{user}/server",
                headers={"Authorization": f"token {tokens[user]}"},
                timeout=HTTP_TIMEOUT,
            )
            if response.status_code not in (201, 202):
                raise RuntimeError(f"spawn {user}: {response.status_code} {response.text}")

        # The hub holds each request up to 10 s while its server starts: ask for all at once.
        with ThreadPoolExecutor(len(tokens)) as pool:
            list(pool.map(spawn, tokens))
        deadline = time.monotonic() + timeout
        waiting = dict(tokens)
        while waiting:
            for user, token in list(waiting.items()):
                server = self.hub_api(f"users/{user}", token).get("servers", {}).get("")
                if server and server.get("ready"):
                    del waiting[user]
            if not waiting:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"servers of {sorted(waiting)} not ready in {timeout:.0f} s:\n"
                    + self.log.read_text()[-6000:]
                )
            time.sleep(0.5)

    def stop_servers(self, tokens: dict[str, str], timeout: float = 30.0) -> None:
        for user, token in tokens.items():
            with contextlib.suppress(requests.RequestException):
                requests.delete(
                    f"{self.url}hub/api/users/{user}/server",
                    headers={"Authorization": f"token {token}"},
                    timeout=HTTP_TIMEOUT,
                )
        deadline = time.monotonic() + timeout
        for user, token in tokens.items():
            while time.monotonic() < deadline:
                try:
                    if not self.hub_api(f"users/{user}", token).get("servers"):
                        break
                except requests.RequestException:
                    break
                time.sleep(0.25)


def _config(
    *, port: int, hub_port: int, api_port: int, proxy: str, state: Path, homes: Path, password: str
) -> str:
    home_template = str(homes / "{username}")
    lines = {
        "JupyterHub.ip": "127.0.0.1",
        "JupyterHub.port": port,
        "JupyterHub.hub_ip": "127.0.0.1",
        "JupyterHub.hub_port": hub_port,
        "JupyterHub.db_url": f"sqlite:///{state / 'jupyterhub.sqlite'}",
        "JupyterHub.cookie_secret_file": str(state / "jupyterhub_cookie_secret"),
        "JupyterHub.authenticator_class": "dummy",
        "JupyterHub.spawner_class": "simple",
        "JupyterHub.cleanup_servers": True,
        "ConfigurableHTTPProxy.command": [proxy],
        "ConfigurableHTTPProxy.api_url": f"http://127.0.0.1:{api_port}",
        "ConfigurableHTTPProxy.pid_file": str(state / "jupyterhub-proxy.pid"),
        "DummyAuthenticator.password": password,
        "Authenticator.allowed_users": {"alice", "bob"},
        "SimpleLocalProcessSpawner.home_dir_template": home_template,
        "Spawner.notebook_dir": home_template,
        "Spawner.cmd": [sys.executable, "-m", "jupyterhub.singleuser"],
        "Spawner.args": SERVER_ARGS,
        "Spawner.default_url": "/lab",
        "Spawner.start_timeout": 90,
        "Spawner.http_timeout": 90,
    }
    return "".join(f"c.{name} = {value!r}\n" for name, value in lines.items())


def _leftover_pids(state: Path) -> list[int]:
    """The pids the hub recorded for its proxy and for servers it has not stopped."""
    pids = []
    proxy_pid = state / "jupyterhub-proxy.pid"
    if proxy_pid.exists() and proxy_pid.read_text().strip().isdigit():
        pids.append(int(proxy_pid.read_text().strip()))
    db = state / "jupyterhub.sqlite"
    if not db.exists():
        return pids
    with contextlib.closing(sqlite3.connect(db, timeout=5)) as connection:
        for (text,) in connection.execute("SELECT state FROM spawners"):
            pid = json.loads(text or "{}").get("pid") if text else None
            if isinstance(pid, int) and pid > 0:
                pids.append(pid)
    return pids


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def jupyterhub(state: Path, password: str, timeout: float = 60.0) -> Iterator[Hub]:
    """A hub whose files are all under ``state``, until the block ends."""
    homes = state / "home"
    homes.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = state / "jupyterhub_config.py"
    config.write_text(
        _config(
            port=port,
            hub_port=free_port(),
            api_port=free_port(),
            proxy=find_proxy(),
            state=state,
            homes=homes,
            password=password,
        )
    )
    log_path = state / "jupyterhub.log"
    hub = Hub(url=f"http://127.0.0.1:{port}/", password=password, homes=homes, log=log_path)
    # The proxy runs `node`: it is found on PATH, as the hub's own child.
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            cwd=state,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_up(hub, proc, timeout)
            yield hub
        finally:
            _stop(proc, state)


def _wait_up(hub: Hub, proc: subprocess.Popen[bytes], timeout: float) -> None:
    # The hub's API answers through the proxy once both are up and the hub's route is added.
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = requests.get(f"{hub.url}hub/api/", timeout=5)
            if response.status_code == 200 and "version" in response.json():
                return
        except (requests.RequestException, ValueError):
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("JupyterHub did not start:\n" + hub.log.read_text()[-6000:])
        time.sleep(0.25)


def _stop(proc: subprocess.Popen[bytes], state: Path) -> None:
    # SIGTERM lets the hub stop its servers and its proxy (cleanup_servers, cleanup_proxy).
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    # The spawner starts servers in sessions of their own: a hub that died before stopping
    # them (or its proxy) would leave them running, so any still alive are ended by the pids
    # it recorded.
    for pid in _leftover_pids(state):
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
