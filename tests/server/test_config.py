"""Settings reach the server from ``c.ZarrViewExtension``, and bad ones are refused at start."""

from __future__ import annotations

import re
import sys

import pytest
from server_helpers import MAX_TILE_ELEMENTS
from traitlets import TraitError

from jupyter_zarrview.server import ZarrViewExtension, _jupyter_server_extension_points
from jupyter_zarrview.server.context import SETTINGS_KEY
from jupyter_zarrview.server.memory import memory_trimmer


def test_the_package_points_jupyter_server_at_the_extension():
    import jupyter_zarrview

    assert jupyter_zarrview._jupyter_server_extension_points() == [
        {"module": "jupyter_zarrview.server", "app": ZarrViewExtension}
    ]
    assert _jupyter_server_extension_points()[0]["app"] is ZarrViewExtension


def test_settings_from_config_reach_the_handlers(jp_serverapp, layout, jp_http_port):
    context = jp_serverapp.web_app.settings[SETTINGS_KEY]
    assert context.limits.max_tile_elements == MAX_TILE_ELEMENTS
    assert context.roots.root_dir == layout.root.resolve()
    assert context.roots.extra == (layout.extra.resolve(),)
    assert context.roots.allow_hidden is False
    assert context.roots.remote_allowlist == (f"http://127.0.0.1:{jp_http_port}/",)
    assert context.engine.max_workers == 4
    assert context.executor is context.engine.executor


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("max_workers", 0, "ZarrViewExtension.max_workers must be positive"),
        ("max_tile_elements", -1, "ZarrViewExtension.max_tile_elements must be positive"),
        ("max_concurrent_reads", 0, "ZarrViewExtension.max_concurrent_reads must be positive"),
        ("cache_bytes", -5, "ZarrViewExtension.cache_bytes must be positive"),
        ("max_open_datasets", 0, "ZarrViewExtension.max_open_datasets must be positive"),
        (
            "max_open_dataset_bytes",
            -1,
            "ZarrViewExtension.max_open_dataset_bytes must be positive",
        ),
        ("extra_roots", ["data"], "ZarrViewExtension.extra_roots must be absolute, got ['data']"),
    ],
)
def test_bad_settings_are_refused(setting, value, message):
    with pytest.raises(TraitError, match=re.escape(message)):
        ZarrViewExtension(**{setting: value})


def test_defaults_bound_reads_by_the_cpus():
    app = ZarrViewExtension()
    assert app.max_workers >= 2
    assert app.max_concurrent_reads == app.max_workers
    assert app.remote_allowlist == []
    assert app.extra_roots == []
    assert (app.max_open_datasets, app.max_open_dataset_bytes) == (128, 256 * 1024**2)


def test_memory_is_returned_to_the_system_on_linux():
    trim = memory_trimmer()
    assert (trim is not None) == sys.platform.startswith("linux")
    if trim is not None:
        trim()
