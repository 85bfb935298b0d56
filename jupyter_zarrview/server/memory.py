"""Giving freed memory back to the system, so a busy server's RSS follows its caches.

Reads allocate and free many buffers of a few hundred KiB (decoded chunks, tiles) on several
threads. glibc's allocator keeps what they free in per-thread arenas instead of returning it,
so without help the server's RSS climbs well past the cache size and stays there (measured in
benchmarks/load_http.py). ``malloc_trim(0)`` hands the free pages back; it runs on a timer, off
the IO loop. Elsewhere than glibc (macOS, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["memory_trimmer"]

log = logging.getLogger(__name__)


def memory_trimmer() -> Callable[[], None] | None:
    """A function that returns free heap memory to the system, or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int

    def run() -> None:
        trim(0)

    return run
