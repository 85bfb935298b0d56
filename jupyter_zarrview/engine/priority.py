"""How nice the threads that read are: nicer than those that serve requests.

On a busy machine the server's event loop (Jupyter's own API, the answers that need no read)
must not wait for a core behind the reads. Linux takes a thread id here, so only the one thread
becomes nicer; elsewhere threads are left as they are.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["READ_NICENESS", "as_nice_as_reads", "nicer_than_maker"]

#: How much nicer read threads are than the thread that made them.
READ_NICENESS = 5


def _renice(to: Callable[[int], int]) -> None:
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, to(os.getpriority(os.PRIO_PROCESS, tid)))
    except (AttributeError, OSError):
        pass


def nicer_than_maker() -> None:
    """Runs in each of the engine's read threads: ``READ_NICENESS`` nicer than its maker."""
    _renice(lambda nice: nice + READ_NICENESS)


def as_nice_as_reads() -> None:
    """Runs in each thread that reads on behalf of the read threads (a mosaic's cells): as nice
    as a read thread the process's main thread made, whichever thread made this one (a read
    thread, already nicer, or a notebook's own)."""
    try:
        main = os.getpriority(os.PRIO_PROCESS, os.getpid())
    except (AttributeError, OSError):
        return
    _renice(lambda nice: max(nice, main + READ_NICENESS))
