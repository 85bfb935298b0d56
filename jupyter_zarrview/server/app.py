"""The Jupyter server extension: its settings (``c.ZarrViewExtension.*``) and its routes."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from jupyter_server.extension.application import ExtensionApp
from tornado.ioloop import PeriodicCallback
from traitlets import Bool, Dict, Float, Int, List, TraitError, Unicode, default, validate

from ..engine import Engine
from ..protocol import Limits
from .context import SETTINGS_KEY, ServerContext
from .datasets import DatasetCache
from .events import EventsHandler
from .handlers import (
    ApiHandler,
    SharedKeyHandler,
    ShareHandler,
    StoreKeyHandler,
    ZarrFoldersHandler,
)
from .live_status import LiveStatusHandler
from .memory import memory_trimmer
from .paths import Roots
from .share_links import ShareLinks
from .watchers import LiveHub, LiveSettings

if TYPE_CHECKING:
    from concurrent.futures import Executor

__all__ = ["ZarrViewExtension"]


class ZarrViewExtension(ExtensionApp):
    """Serves tiles and plain Zarr keys under ``{base_url}zarrview/``."""

    name = "zarrview"
    load_other_extensions = True

    extra_roots = List(
        Unicode(),
        help=(
            "Absolute folders, besides the server's root dir, whose Zarr stores may be read "
            "(e.g. a shared scratch disk). Symlinks are resolved before the check."
        ),
    ).tag(config=True)

    remote_allowlist = List(
        Unicode(),
        help=(
            "Remote stores that may be read, as URL prefixes ('s3://bucket/data/') or patterns "
            "('https://*.example.org/**', where * stays within one path segment and ** "
            "crosses them). Empty (the default): no remote store is read."
        ),
    ).tag(config=True)

    storage_options = Dict(
        per_key_traits=None,
        help=("fsspec options per URL protocol for remote stores, e.g. {'s3': {'anon': True}}."),
    ).tag(config=True)

    cache_bytes = Int(
        512 * 1024**2,
        help="Bytes of decoded chunks the engine keeps in memory, shared by all users' views.",
    ).tag(config=True)

    max_open_datasets = Int(
        128,
        help=(
            "Datasets kept open between requests, so that the next request on a store need not "
            "read its metadata again. Past this many, the least recently used is let go (with "
            "its cached tiles) and opened again when next asked for."
        ),
    ).tag(config=True)

    max_open_dataset_bytes = Int(
        256 * 1024**2,
        help=(
            "Bytes the datasets kept open may hold (their open arrays, parsed metadata and zip "
            "directories, as estimated from their metadata sizes and zip member counts); past "
            "this, the least recently used are let go. The tiles and chunks read from them are "
            "bounded by cache_bytes instead. The dataset used last stays open however big."
        ),
    ).tag(config=True)

    max_workers = Int(
        help="Threads that read and decode chunks. Default: the number of CPUs, at least 2."
    ).tag(config=True)

    max_concurrent_reads = Int(
        help=(
            "Requests read at once; the others wait their turn, and those whose client has "
            "gone away by then are dropped. Default: max_workers."
        )
    ).tag(config=True)

    max_tile_elements = Int(
        4096 * 4096,
        help="The largest tile answered, in elements; larger selections get 413.",
    ).tag(config=True)

    trim_memory_interval = Float(
        10.0,
        help=(
            "Seconds between returns of freed memory to the system (glibc's malloc_trim), so "
            "the server's RSS stays near its cache size under load. 0 switches it off."
        ),
    ).tag(config=True)

    refresh_interval = Float(
        2.0,
        help=(
            "An 'info' request re-reads a dataset's metadata (to see data a job is still "
            "writing) when it was last read longer ago than this, in seconds. Each re-read "
            "gives the dataset a new version and so drops its cached tiles: lower it to see "
            "growth sooner, raise it for slow object stores or many viewers."
        ),
    ).tag(config=True)

    share_link_max_age = Float(
        7 * 24 * 3600.0,
        help=(
            "The longest a share link may live, in seconds; links are asked for with their own "
            "lifetime up to this (the default: this). A share link lets whoever holds it read "
            "one store without logging in, for Zarr clients that cannot send credentials "
            "(neuroglancer, zarrita.js). 0 switches share links off. Changing the server's "
            "cookie secret revokes every link."
        ),
    ).tag(config=True)

    live = Bool(
        True,
        help=(
            "Views follow data that is still being written: a watcher per dataset polls its "
            "metadata and the chunk files under the views, and pushes what changed to them "
            "(api/v1/events). False switches it off (the endpoint answers 403)."
        ),
    ).tag(config=True)

    live_poll_interval = Float(
        1.0,
        help=(
            "Seconds between two looks of a dataset's watcher at a local store (a stat of its "
            "metadata keys and of the chunk files views showed recently)."
        ),
    ).tag(config=True)

    live_remote_poll_interval = Float(
        5.0,
        help="Seconds between two looks of a watcher at a remote store's keys (a HEAD each).",
    ).tag(config=True)

    live_streams_per_client = Int(
        32,
        help="Event streams one user may have open from one address; past it, 429.",
    ).tag(config=True)

    live_streams_total = Int(
        512,
        help="Event streams open on the server in all; past it, 429.",
    ).tag(config=True)

    live_keep_alive = Float(
        20.0,
        help=(
            "Seconds of silence after which an event stream sends a comment line, so that "
            "connections a proxy or the network dropped are noticed."
        ),
    ).tag(config=True)

    live_file_events = Bool(
        True,
        help=(
            "Filesystem events (inotify, through watchfiles where it is installed) wake a "
            "watcher as soon as a writer on this machine changes a watched folder; polling "
            "goes on regardless, for writers on other nodes of a network file system."
        ),
    ).tag(config=True)

    live_watcher_linger = Float(
        5.0,
        help=(
            "Seconds a dataset's watcher goes on after its last event stream closed, so that a "
            "view that reconnects (a page reload) finds it still there."
        ),
    ).tag(config=True)

    @validate("live_poll_interval", "live_remote_poll_interval", "live_keep_alive")
    def _some_time(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if not value > 0:
            raise TraitError(f"ZarrViewExtension.{proposal['trait'].name} must be positive")
        return value

    @validate("live_streams_per_client", "live_streams_total")
    def _some_streams(self, proposal: Any) -> int:
        value = int(proposal["value"])
        if value < 1:
            raise TraitError(f"ZarrViewExtension.{proposal['trait'].name} must be at least 1")
        return value

    @default("max_workers")
    def _default_max_workers(self) -> int:
        return max(2, os.cpu_count() or 2)

    @default("max_concurrent_reads")
    def _default_max_concurrent_reads(self) -> int:
        return int(self.max_workers)

    @validate(
        "cache_bytes",
        "max_workers",
        "max_concurrent_reads",
        "max_tile_elements",
        "max_open_datasets",
        "max_open_dataset_bytes",
    )
    def _positive(self, proposal: Any) -> int:
        value = int(proposal["value"])
        may_be_zero = proposal["trait"].name in ("cache_bytes", "max_open_dataset_bytes")
        if value < (0 if may_be_zero else 1):
            raise TraitError(f"ZarrViewExtension.{proposal['trait'].name} must be positive")
        return value

    @validate("extra_roots")
    def _absolute_roots(self, proposal: Any) -> list[str]:
        roots = [os.path.expanduser(p) for p in proposal["value"]]
        relative = [p for p in roots if not os.path.isabs(p)]
        if relative:
            raise TraitError(f"ZarrViewExtension.extra_roots must be absolute, got {relative}")
        return roots

    def initialize_settings(self) -> None:
        serverapp = self.serverapp
        assert serverapp is not None
        engine = Engine(
            cache_bytes=self.cache_bytes,
            max_workers=self.max_workers,
            max_datasets=self.max_open_datasets,
            max_dataset_bytes=self.max_open_dataset_bytes,
        )
        roots = Roots.create(
            serverapp.root_dir,
            self.extra_roots,
            allow_hidden=bool(serverapp.contents_manager.allow_hidden),
            remote_allowlist=self.remote_allowlist,
        )
        datasets = DatasetCache(
            engine,
            roots,
            storage_options=self.storage_options,
            refresh_interval=self.refresh_interval,
        )
        limits = Limits(max_tile_elements=self.max_tile_elements)
        live = (
            LiveHub(
                datasets,
                engine,
                limits,
                LiveSettings(
                    poll_interval=self.live_poll_interval,
                    remote_poll_interval=self.live_remote_poll_interval,
                    streams_per_client=self.live_streams_per_client,
                    streams_total=self.live_streams_total,
                    keep_alive=self.live_keep_alive,
                    linger=self.live_watcher_linger,
                    file_events=self.live_file_events,
                ),
            )
            if self.live
            else None
        )
        self.settings[SETTINGS_KEY] = ServerContext(
            engine=engine,
            datasets=datasets,
            limits=limits,
            slots=asyncio.Semaphore(self.max_concurrent_reads),
            executor=engine.executor,
            quick_executor=ThreadPoolExecutor(2, thread_name_prefix="zarrview-quick"),
            share_links=(
                ShareLinks.from_secret(serverapp.cookie_secret, self.share_link_max_age)
                if self.share_link_max_age > 0
                else None
            ),
            live=live,
        )
        self._start_trimming(engine.executor)
        self.log.info(
            "zarrview: serving Zarr under %szarrview/ (roots: %s; remote allow-list: %s)",
            serverapp.base_url,
            ", ".join(str(r) for r in roots.all),
            ", ".join(roots.remote_allowlist) or "none",
        )

    def initialize_handlers(self) -> None:
        self.handlers.extend(
            [
                (r"/zarrview/api/v1/zarr-folders", ZarrFoldersHandler),
                (r"/zarrview/api/v1/share", ShareHandler),
                (r"/zarrview/api/v1/events", EventsHandler),
                (r"/zarrview/api/v1/live", LiveStatusHandler),
                (r"/zarrview/api/v1/([^/]*)", ApiHandler),
                (r"/zarrview/store/(.*)", StoreKeyHandler),
                (r"/zarrview/shared/([^/]*)/(.*)", SharedKeyHandler),
            ]
        )

    def _start_trimming(self, executor: Executor) -> None:
        trim = memory_trimmer()
        self._trimming: PeriodicCallback | None = None
        if trim is None or self.trim_memory_interval <= 0:
            return

        def submit() -> None:
            executor.submit(trim)

        self._trimming = PeriodicCallback(submit, self.trim_memory_interval * 1000)
        self._trimming.start()

    async def stop_extension(self) -> None:
        trimming = getattr(self, "_trimming", None)
        if trimming is not None:
            trimming.stop()
        context = self.settings.get(SETTINGS_KEY)
        if context is not None and context.live is not None:
            await context.live.shutdown()
        if context is not None:
            context.executor.shutdown(wait=False, cancel_futures=True)
            context.quick_executor.shutdown(wait=False, cancel_futures=True)
