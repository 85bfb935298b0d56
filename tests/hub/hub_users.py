"""The hub's two users and what their homes hold before their servers start.

alice's home holds the browser tests' sample image; both homes hold a ``private.zarr`` of
random data of their own, which the other user must never get a byte of.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import zarr
from test_notebook_widget import SPEC

from jupyter_zarrview.sample_data import write_sample_image

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["PRIVATE", "USERS", "prepare_home", "private_array"]

USERS = ("alice", "bob")
PRIVATE = "private.zarr"
PRIVATE_SHAPE, PRIVATE_CHUNKS = (64, 96), (32, 32)


def private_array(user: str) -> np.ndarray:
    """The user's own data: random, so that none of its bytes turns up anywhere by chance."""
    rng = np.random.default_rng(sum(user.encode()))
    return rng.integers(0, 2**16, size=PRIVATE_SHAPE, dtype=np.uint16)


def prepare_home(home: Path, user: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    arr = zarr.create_array(
        str(home / PRIVATE), shape=PRIVATE_SHAPE, chunks=PRIVATE_CHUNKS, dtype="uint16"
    )
    arr[...] = private_array(user)
    # Answered once, as a user would: no toast about news over the lab's pages.
    settings = home / ".jupyter/lab/user-settings/@jupyterlab/apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    if user == "alice":
        write_sample_image(home / "sample.ome.zarr", SPEC)
