"""Emulated S3 and GCS buckets on loopback, and the Zarr stores the remote tests put in them.

S3 is moto's server and GCS is gcp-storage-emulator, both in this process on a port the system
chose, started and stopped by the fixtures that use them. The stores are written locally with
zarr-python and uploaded key by key; the tests compare reads through the URLs with the arrays
read back from the local copies.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import socket
import threading
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import fsspec
import numpy as np
import zarr

from jupyter_zarrview.sample_data import SampleSpec, write_sample_image

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

BUCKET = "zarrview"

# Both shard layouts: the index at the end is read with a suffix range request (bytes=-n),
# the index at the start with a plain one.
STORE_NAMES = ("v2.zarr", "v3.zarr", "sharded.zarr", "sharded_index_start.zarr", "image.ome.zarr")
# gcp-storage-emulator ignores suffix ranges (bytes=-n) and answers the whole object, which a
# shard index at the end needs: that layout is read on S3 only.
GCS_STORE_NAMES = tuple(name for name in STORE_NAMES if name != "sharded.zarr")


@dataclass(frozen=True)
class Bucket:
    """A bucket of an emulated store service, and the storage options that read it."""

    protocol: str
    name: str
    options: dict[str, Any]
    endpoint: str
    put: Callable[[str, bytes], None]  # writes one object, by key
    stores: tuple[str, ...] = field(default=())

    def url(self, key: str) -> str:
        return f"{self.protocol}://{self.name}/{key}"

    def upload(self, local: Path, key: str) -> None:
        """The files under ``local`` as objects under ``key``, byte for byte."""
        for path in sorted(p for p in local.rglob("*") if p.is_file()):
            self.put(f"{key}/{path.relative_to(local).as_posix()}", path.read_bytes())


@dataclass(frozen=True)
class Stores:
    """Local Zarr stores, and each one's levels as numpy arrays."""

    root: Path
    levels: dict[str, list[np.ndarray]]


def _reference(dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    rng = np.random.default_rng(11)
    if np.dtype(dtype).kind == "f":
        data = rng.normal(0, 100, size=shape).astype(dtype)
        data[0, 1, 2] = np.nan
        return data
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)


def write_stores(root: Path) -> Stores:
    """Zarr v2 and v3, v3 sharded (index at the end and at the start), an OME-NGFF 0.4 image."""
    # Small, and still several chunks along every axis with partial ones at the edges: every
    # key is a request to the emulator.
    shape = (3, 10, 13)
    v2 = zarr.create_array(
        str(root / "v2.zarr"),
        shape=shape,
        chunks=(2, 8, 8),
        dtype="uint16",
        zarr_format=2,
        attributes={"_ARRAY_DIMENSIONS": ["z", "y", "x"]},
    )
    v2[...] = _reference("uint16", shape)
    v3 = zarr.create_array(
        str(root / "v3.zarr"),
        shape=shape,
        chunks=(2, 8, 8),
        dtype="float32",
        zarr_format=3,
        dimension_names=["c", "y", "x"],
    )
    v3[...] = _reference("float32", shape)
    for name, index_location in (("sharded.zarr", "end"), ("sharded_index_start.zarr", "start")):
        shards: Any = {"shape": (3, 8, 8), "index_location": index_location}
        sharded = zarr.create_array(
            str(root / name),
            shape=shape,
            chunks=(1, 4, 4),
            shards=shards,
            dtype="int16",
            zarr_format=3,
        )
        sharded[...] = _reference("int16", shape)
    spec = SampleSpec(channels=2, z=3, y=24, x=20, cells=4, levels=3, chunks=(3, 16, 16))
    write_sample_image(root / "image.ome.zarr", spec)
    image = root / "image.ome.zarr"
    levels = {
        "image.ome.zarr": [
            np.asarray(zarr.open_array(str(image / str(i)), mode="r")[...])
            for i in range(spec.levels)
        ]
    }
    for name in STORE_NAMES[:-1]:
        levels[name] = [np.asarray(zarr.open_array(str(root / name), mode="r")[...])]
    return Stores(root, levels)


@contextlib.contextmanager
def loopback_only() -> Iterator[None]:
    """Refuses name look-ups of anything but loopback addresses, so no client leaves loopback.

    Cloud clients fall back on well-known hosts (token endpoints, metadata servers) when an
    option is missing; a test that forgot one should fail here rather than leave loopback.
    """
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in (None, "localhost", "::1") and not str(name).startswith("127."):
            raise OSError(f"the remote store tests only reach loopback, not {name!r}")
        return real(host, *args, **kwargs)

    socket.getaddrinfo = guarded
    try:
        yield
    finally:
        socket.getaddrinfo = real


# --- S3 -----------------------------------------------------------------------------------

_S3_READ_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}


@contextlib.contextmanager
def moto_s3(bucket: str = BUCKET) -> Iterator[Bucket]:
    """An S3 endpoint that checks credentials: only the access key it hands out may read."""
    import boto3
    import requests
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        # moto accepts any credentials until it is told to check them, and it checks them
        # against its own IAM: make a user whose key may read, then switch checking on.
        setup = {
            "endpoint_url": endpoint,
            "aws_access_key_id": "setup",
            "aws_secret_access_key": "setup",
            "region_name": "us-east-1",
        }
        iam = boto3.client("iam", **setup)
        iam.create_user(UserName="reader")
        key = iam.create_access_key(UserName="reader")["AccessKey"]
        policy = iam.create_policy(
            PolicyName="read-all", PolicyDocument=json.dumps(_S3_READ_POLICY)
        )["Policy"]
        iam.attach_user_policy(UserName="reader", PolicyArn=policy["Arn"])
        boto3.client("s3", **setup).create_bucket(Bucket=bucket)
        requests.post(f"{endpoint}/moto-api/reset-auth", data=b"0", timeout=10).raise_for_status()
        options = {
            "endpoint_url": endpoint,
            "key": key["AccessKeyId"],
            "secret": key["SecretAccessKey"],
        }
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=options["key"],
            aws_secret_access_key=options["secret"],
            region_name="us-east-1",
        )

        def put(key: str, data: bytes) -> None:
            s3.put_object(Bucket=bucket, Key=key, Body=data)

        yield Bucket("s3", bucket, options, endpoint, put, STORE_NAMES)
    finally:
        # moto keeps its buckets and its auth switch in this process: leave neither behind.
        requests.post(f"{endpoint}/moto-api/reset-auth", data=b"inf", timeout=10)
        requests.post(f"{endpoint}/moto-api/reset", timeout=10)
        server.stop()


@contextlib.contextmanager
def moto_endpoint() -> Iterator[tuple[str, Callable[[], None]]]:
    """A second endpoint onto the same moto buckets, and a function that stops it early."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    stopped = False

    def stop() -> None:
        nonlocal stopped
        if not stopped:
            stopped = True
            server.stop()

    try:
        yield f"http://{host}:{port}", stop
    finally:
        stop()


# --- GCS ----------------------------------------------------------------------------------


class _EmulatorHTTPServer(http.server.HTTPServer):
    # The emulator answers one request at a time, and zarr sends a dozen at once: past the
    # default backlog of 5 the kernel drops connection attempts, and clients retry them only a
    # second later. A longer queue lets them wait their turn instead.
    request_queue_size = 64


@contextlib.contextmanager
def gcs_emulator(bucket: str = BUCKET) -> Iterator[Bucket]:
    """A GCS JSON API endpoint (anonymous: the emulator checks no credentials)."""
    import gcsfs.core
    import requests
    from gcp_storage_emulator.handlers.buckets import create_bucket
    from gcp_storage_emulator.server import RequestHandler
    from gcp_storage_emulator.storage import Storage

    storage = Storage(use_memory_fs=True)
    create_bucket(bucket, storage)
    httpd = _EmulatorHTTPServer(("127.0.0.1", 0), functools.partial(RequestHandler, storage))
    thread = threading.Thread(target=httpd.serve_forever, name="gcs-emulator", daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{httpd.server_address[1]}"
    # gcsfs's default filesystem first asks GCS's gRPC storage-control API what kind of bucket
    # it is, retrying for a minute, on every call, where that API is missing (as in every
    # emulator); its plain JSON-API class is what GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT=false gives.
    previous = {name: fsspec.get_filesystem_class(name) for name in ("gs", "gcs")}
    for name in previous:
        fsspec.register_implementation(name, gcsfs.core.GCSFileSystem, clobber=True)
    try:
        options = {"endpoint_url": endpoint, "token": "anon"}

        def put(key: str, data: bytes) -> None:
            # The XML API's plain PUT: the emulator reads JSON-API multipart uploads (what
            # gcsfs sends) with an email parser, which drops an object's trailing "\r".
            url = f"{endpoint}/{bucket}/{urllib.parse.quote(key)}"
            requests.put(url, data=data, timeout=10).raise_for_status()

        yield Bucket("gs", bucket, options, endpoint, put, GCS_STORE_NAMES)
    finally:
        for name, cls in previous.items():
            fsspec.register_implementation(name, cls, clobber=True)
        httpd.shutdown()
        httpd.server_close()
        thread.join()
