"""What the extension's handlers share, set up once by the app: engine, rules, read slots.

A module of its own so that the app (which builds it) and the handlers (which use it) both
import it and neither imports the other's users back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import Executor

    from ..engine import Engine
    from ..protocol import Limits
    from .datasets import DatasetCache
    from .paths import Roots
    from .share_links import ShareLinks
    from .watchers import LiveHub

__all__ = ["SETTINGS_KEY", "ServerContext"]

# Where the app leaves the context in tornado's settings, for the handlers to find.
SETTINGS_KEY = "zarrview_context"


@dataclass(frozen=True)
class ServerContext:
    """What every handler shares: the engine, the rules and the bounds on concurrent reads.

    ``executor`` runs reads, at most ``slots`` at once; ``quick_executor`` answers what needs
    no read (304s, cached tiles), so those never wait behind reads. ``share_links`` is None
    when the admin has switched share links off, ``live`` when live data is switched off.
    """

    engine: Engine
    datasets: DatasetCache
    limits: Limits
    slots: asyncio.Semaphore
    executor: Executor
    quick_executor: Executor
    share_links: ShareLinks | None = None
    live: LiveHub | None = None

    @property
    def roots(self) -> Roots:
        return self.datasets.roots
