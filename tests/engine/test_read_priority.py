"""Read threads are nicer than the thread that made them, so an event loop beside them keeps
its core on a busy machine."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from jupyter_zarrview.engine import Engine
from jupyter_zarrview.engine.mosaic import well_pool
from jupyter_zarrview.engine.priority import READ_NICENESS

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="per-thread niceness is Linux's")


def nice(tid: int) -> int:
    fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[16])  # field 19 of proc(5): nice


def test_read_threads_run_nicer_than_their_maker():
    engine = Engine()
    try:
        tid = engine.executor.submit(threading.get_native_id).result(timeout=10)
        assert nice(tid) == min(19, nice(threading.get_native_id()) + READ_NICENESS)
    finally:
        engine.close()


def test_the_threads_that_read_a_mosaics_cells_are_as_nice_as_read_threads():
    pool = well_pool()
    assert pool is not None
    tid = pool.submit(threading.get_native_id).result(timeout=10)
    assert nice(tid) == min(19, nice(threading.get_native_id()) + READ_NICENESS)
