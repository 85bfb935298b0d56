"""An idle view costs nothing: no requests, no kernel messages, no CPU, no memory growth.

A notebook holds a viewer of a store (HTTP) and one of an in-kernel array (kernel messages); once
both have drawn, nobody touches anything for a while and everything the page sends, the server's
and the kernel's CPU and the server's memory are counted. Then the same notebook hidden behind a
JupyterLab panel of the same store, which must also sit still.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from lab_driver import open_notebook, run_all, run_code, wait_idle, write_notebook
from test_notebook_widget import sample  # noqa: F401 - a fixture

IDLE_SECONDS = 15.0
TICKS = os.sysconf("SC_CLK_TCK")

CELLS = [
    "from jupyter_zarrview import ZarrView\nZarrView('sample.ome.zarr', height=300)",
    # As the demo's: several planes, each more than one tile at the finest level.
    "import numpy as np\n"
    "y, x = np.mgrid[-3:3:600j, -3:3:700j]\n"
    "waves = np.stack([np.sin(k * x) * np.cos(k * y) for k in range(1, 9)])\n"
    "ZarrView(waves, height=300)",
]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


# Counts the kernel's comm messages the page sends and receives, by wrapping WebSocket before
# JupyterLab makes its kernel connection (the browser's own frame events miss some of them).
COUNT_COMMS = """
(() => {
  const counts = { sent: 0, received: 0, receivedBytes: 0 };
  window.__zarrviewComms = counts;
  const isComm = data => {
    if (typeof data !== 'string') {
      data = new Uint8Array(data instanceof ArrayBuffer ? data : data.buffer).subarray(0, 2048);
    }
    const text = typeof data === 'string' ? data.slice(0, 2048) : new TextDecoder().decode(data);
    return /"msg_type":\\s*"comm_msg"/.test(text);
  };
  const Native = window.WebSocket;
  const send = Native.prototype.send;
  Native.prototype.send = function (data) {
    if (isComm(data)) counts.sent++;
    return send.call(this, data);
  };
  class Counted extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', event => {
        if (isComm(event.data)) {
          counts.received++;
          counts.receivedBytes += event.data.byteLength ?? event.data.length;
        }
      });
    }
  }
  window.WebSocket = Counted;
})();
"""


@dataclass
class Traffic:
    """What the page sends and receives: zarrview HTTP requests and kernel comm messages."""

    page: Any
    requests: list[str] = field(default_factory=list)

    def watch(self) -> None:
        self.page.add_init_script(COUNT_COMMS)

        def on_request(request: Any) -> None:
            if "/zarrview/" in request.url:
                self.requests.append(request.url)

        self.page.on("request", on_request)

    def snapshot(self) -> tuple[int, int, int]:
        comms = self.page.evaluate("() => window.__zarrviewComms")
        return len(self.requests), int(comms["sent"]), int(comms["received"])


@dataclass
class Window:
    requests: list[str]
    comm_sent: int
    comm_received: int
    server_cpu: float  # share of one core
    kernel_cpu: float
    server_rss_growth: float  # MiB


def idle_window(traffic: Traffic, server_pid: int, kernel_pid: int) -> Window:
    before = traffic.snapshot()
    cpu0 = cpu_seconds(server_pid), cpu_seconds(kernel_pid)
    rss0 = rss_mib(server_pid)
    start = time.monotonic()
    time.sleep(IDLE_SECONDS)
    elapsed = time.monotonic() - start
    cpu1 = cpu_seconds(server_pid), cpu_seconds(kernel_pid)
    after = traffic.snapshot()
    return Window(
        requests=traffic.requests[before[0] : after[0]],
        comm_sent=after[1] - before[1],
        comm_received=after[2] - before[2],
        server_cpu=(cpu1[0] - cpu0[0]) / elapsed,
        kernel_cpu=(cpu1[1] - cpu0[1]) / elapsed,
        server_rss_growth=rss_mib(server_pid) - rss0,
    )


def assert_still(window: Window, where: str) -> None:
    assert window.requests == [], f"{where}: {len(window.requests)} requests while idle"
    assert (window.comm_sent, window.comm_received) == (0, 0), f"{where}: kernel messages"
    # JupyterLab itself polls the server now and then (sessions, contents): a few percent at
    # most. The loop this guards against kept both processes at about a third of a core.
    assert window.server_cpu < 0.08, f"{where}: the server used {window.server_cpu:.0%} of a core"
    assert window.kernel_cpu < 0.05, f"{where}: the kernel used {window.kernel_cpu:.0%} of a core"
    assert window.server_rss_growth < 24, (
        f"{where}: the server's memory grew by {window.server_rss_growth:.0f} MiB"
    )


@pytest.mark.usefixtures("sample")
def test_idle_views_send_nothing_and_cost_no_cpu(page, lab):
    traffic = Traffic(page)
    traffic.watch()
    name = write_notebook(lab.root, CELLS)
    open_notebook(page, lab.url, name)
    run_all(page)
    wait_idle(page, 0, timeout=60_000)
    wait_idle(page, 1, timeout=60_000)
    kinds = page.evaluate(
        "() => [...document.querySelectorAll('.zarrview')]"
        ".map(v => v.parentElement.dataset.transport)"
    )
    assert kinds == ["http", "kernel"]
    kernel_pid = int(run_code(page, "import os; print(os.getpid())").strip())
    # Read-ahead and the histogram settle within a few seconds of the first picture.
    time.sleep(4)
    assert traffic.requests, "the store's viewer drew over HTTP"
    assert traffic.snapshot()[1] > 0, "the array's viewer drew over kernel messages"

    shown = idle_window(traffic, lab.pid, kernel_pid)
    assert_still(shown, "a shown notebook")

    # The same store in a lab panel in front: the notebook is hidden behind it.
    page.evaluate(
        "() => window.jupyterapp.commands.execute('zarrview:open', {path: 'sample.ome.zarr'})"
    )
    page.wait_for_selector(
        ".jp-ZarrPanel:not(.lm-mod-hidden) .zarrview[data-state='idle']", timeout=60_000
    )
    time.sleep(4)
    hidden = idle_window(traffic, lab.pid, kernel_pid)
    assert_still(hidden, "a panel in front of a hidden notebook")
