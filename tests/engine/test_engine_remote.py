"""``open(url, storage_options=...)`` on s3:// and gs://, against emulators on loopback.

Stores are written locally with zarr-python, uploaded to an emulated bucket, and every read
through the URL must equal the array read back from the local copy.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
import pytest
from remote_stores import (
    GCS_STORE_NAMES,
    STORE_NAMES,
    Bucket,
    Stores,
    gcs_emulator,
    loopback_only,
    moto_endpoint,
    moto_s3,
    write_stores,
)

import jupyter_zarrview
from jupyter_zarrview.engine import (
    BadParameter,
    ChunkNotReady,
    Engine,
    NotFound,
    NotZarr,
    PathNotAllowed,
    StoreUnavailable,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

# botocore retries a refused connection four times with back-off: one attempt is enough to
# tell, and keeps these tests to a fraction of a second.
ONE_ATTEMPT = {"config_kwargs": {"retries": {"max_attempts": 1, "mode": "standard"}}}

SELECTIONS_3D: list[tuple[int | slice, ...]] = [
    (0, slice(None), slice(None)),
    (-1, slice(3, 10), slice(0, 13, 4)),
    (slice(0, 3), 5, slice(None, None, 3)),
    (slice(1, 3), slice(7, 9), slice(6, 11)),  # across chunk (and shard) edges
    (1, 2, 3),
]
# Every index fits the smallest level, (2, 3, 6, 5).
SELECTIONS_IMAGE: list[tuple[int | slice, ...]] = [
    (0, 1, slice(None), slice(None)),
    (slice(None), -1, slice(1, 30, 2), 4),
    (1, slice(0, 3), 5, slice(None, None, 2)),
    (slice(None), slice(None), slice(None), slice(None)),
]


@pytest.fixture(scope="module", autouse=True)
def _loopback() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Stores:
    return write_stores(tmp_path_factory.mktemp("remote"))


@pytest.fixture(scope="module")
def s3(stores: Stores) -> Iterator[Bucket]:
    with moto_s3() as bucket:
        for name in bucket.stores:
            bucket.upload(stores.root / name, name)
        yield bucket


@pytest.fixture(scope="module")
def gs(stores: Stores) -> Iterator[Bucket]:
    with gcs_emulator() as bucket:
        for name in bucket.stores:
            bucket.upload(stores.root / name, name)
        yield bucket


@pytest.fixture(scope="module", params=["s3", "gs"])
def bucket(request: pytest.FixtureRequest) -> Bucket:
    return request.getfixturevalue(request.param)


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = Engine(cache_bytes=2**20, max_workers=2)
    yield engine
    engine.close()


# --- reads --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("protocol", "name"),
    [("s3", name) for name in STORE_NAMES] + [("gs", name) for name in GCS_STORE_NAMES],
)
def test_reads_equal_numpy(request, stores, protocol, name):
    bucket = request.getfixturevalue(protocol)
    dataset = jupyter_zarrview.open(bucket.url(name), storage_options=bucket.options)
    selections = SELECTIONS_IMAGE if name == "image.ome.zarr" else SELECTIONS_3D
    for level, expected in enumerate(stores.levels[name]):
        for selection in selections:
            out = dataset.read(level, selection)
            assert out.dtype == expected.dtype
            assert np.array_equal(out, expected[selection], equal_nan=True), (level, selection)


def test_info_names_the_axes_of_a_v3_array(bucket, engine):
    info = engine.open(bucket.url("v3.zarr"), storage_options=bucket.options).info()
    assert info["kind"] == "zarr-v3"
    assert [a["name"] for a in info["axes"]] == ["c", "y", "x"]
    assert info["channel_axis"] == 0
    assert info["dtype"] == "float32"
    assert info["levels"] == [
        {
            "path": "",
            "shape": [3, 10, 13],
            "chunks": [2, 8, 8],
            "scale": [1.0, 1.0, 1.0],
            "translation": [0.0, 0.0, 0.0],
        }
    ]


def test_info_takes_v2_dimension_names_from_the_attributes(bucket, engine):
    info = engine.open(bucket.url("v2.zarr"), storage_options=bucket.options).info()
    assert info["kind"] == "zarr-v2"
    assert [a["name"] for a in info["axes"]] == ["z", "y", "x"]
    assert info["channel_axis"] is None


def test_info_of_a_sharded_array_gives_the_inner_chunks(bucket, engine):
    dataset = engine.open(bucket.url("sharded_index_start.zarr"), storage_options=bucket.options)
    assert dataset.levels[0].chunks == (1, 4, 4)


def test_info_describes_the_ome_image(bucket, stores, engine):
    info = engine.open(bucket.url("image.ome.zarr"), storage_options=bucket.options).info()
    assert info["kind"] == "ome-ngff-0.4"
    assert [(a["name"], a["type"], a["unit"]) for a in info["axes"]] == [
        ("c", "channel", None),
        ("z", "space", "micrometer"),
        ("y", "space", "micrometer"),
        ("x", "space", "micrometer"),
    ]
    assert info["channel_axis"] == 0
    assert [c["label"] for c in info["channels"]] == ["nuclei", "membrane"]
    levels = info["levels"]
    assert [lv["path"] for lv in levels] == ["0", "1", "2"]
    assert [lv["shape"] for lv in levels] == [
        list(a.shape) for a in stores.levels["image.ome.zarr"]
    ]
    assert [lv["scale"][2] for lv in levels] == pytest.approx([0.1625, 0.325, 0.65])


def test_stats_of_a_remote_level(bucket, stores, engine):
    dataset = engine.open(bucket.url("v2.zarr"), storage_options=bucket.options)
    plane = stores.levels["v2.zarr"][0][0]
    stats = dataset.stats(0, (0, slice(None), slice(None)))["channels"][0]
    assert (stats["count"], stats["min"], stats["max"]) == (plane.size, plane.min(), plane.max())


def test_refresh_sees_an_array_grown_in_the_bucket(s3, tmp_path, engine):
    import zarr

    array = zarr.create_array(
        str(tmp_path / "growing.zarr"), shape=(4, 6), chunks=(4, 4), dtype="uint8", zarr_format=2
    )
    array[...] = 7
    s3.upload(tmp_path / "growing.zarr", "growing.zarr")
    dataset = engine.open(s3.url("growing.zarr"), storage_options=s3.options)
    assert dataset.levels[0].shape == (4, 6)
    array.resize((8, 6))
    array[4:] = 9
    s3.upload(tmp_path / "growing.zarr", "growing.zarr")
    assert dataset.refresh()
    assert dataset.levels[0].shape == (8, 6)
    assert np.array_equal(dataset.read(0, (slice(2, 6), 0)), [7, 7, 9, 9])


# --- what is not there ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["missing.zarr", "v2.zarr/0.0.0/deeper"])
def test_not_found_on_a_missing_path(bucket, engine, key):
    url = bucket.url(key)
    with pytest.raises(NotFound) as caught:
        engine.open(url, storage_options=bucket.options)
    assert caught.value.to_json() == {"error": f"nothing at {url}", "parameter": "path"}
    assert isinstance(caught.value, FileNotFoundError)


def test_not_found_on_a_missing_bucket(bucket, engine):
    url = f"{bucket.protocol}://no-such-bucket/x.zarr"
    with pytest.raises(NotFound, match="nothing at"):
        engine.open(url, storage_options=bucket.options)


def test_not_found_on_a_missing_array_in_a_remote_group(bucket, engine):
    with pytest.raises(NotFound) as caught:
        engine.open(bucket.url("image.ome.zarr"), array="labels", storage_options=bucket.options)
    assert caught.value.parameter == "array"


def test_not_zarr_on_remote_metadata_that_is_not_zarr(bucket, engine):
    bucket.put("broken.zarr/.zarray", b"{not json")
    url = bucket.url("broken.zarr")
    with pytest.raises(NotZarr) as caught:
        engine.open(url, storage_options=bucket.options)
    assert caught.value.message.startswith(f"{url} could not be opened as Zarr: ")


# --- credentials and options ------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrong",
    [{"secret": "not-the-secret"}, {"key": "AKIAUNKNOWNUNKNOWN00", "secret": "whatever"}],
    ids=["wrong-secret", "unknown-key"],
)
def test_refused_credentials_are_path_not_allowed(s3, engine, wrong):
    url = s3.url("v2.zarr")
    started = time.monotonic()
    with pytest.raises(PathNotAllowed) as caught:
        engine.open(url, storage_options={**s3.options, **wrong})
    assert time.monotonic() - started < 10
    assert isinstance(caught.value, PermissionError)
    message = caught.value.message
    assert message.startswith(f"{url}: the store refused access (")
    assert message.endswith("check the credentials in storage_options")


def test_an_unreachable_endpoint_is_store_unavailable(s3, engine):
    options = {**s3.options, **ONE_ATTEMPT, "endpoint_url": "http://127.0.0.1:9"}
    with pytest.raises(StoreUnavailable) as caught:
        engine.open(s3.url("v2.zarr"), storage_options=options)
    error = caught.value
    assert isinstance(error, ConnectionError)
    # Answered like a chunk that is not ready: 503, ask again later.
    assert isinstance(error, ChunkNotReady)
    assert error.parameter == "path"
    assert "could not be reached" in error.message
    assert "127.0.0.1:9" in error.message


def test_a_store_that_goes_away_after_opening_is_store_unavailable(s3, engine):
    with moto_endpoint() as (endpoint, stop):
        options = {**s3.options, **ONE_ATTEMPT, "endpoint_url": endpoint}
        dataset = engine.open(s3.url("v2.zarr"), storage_options=options)
        assert dataset.read(0, (0, 0, slice(0, 3))).shape == (3,)
        stop()
        with pytest.raises(StoreUnavailable, match="a chunk could not be read"):
            dataset.read(0, (2, slice(None), slice(None)))


def test_an_option_the_filesystem_refuses_is_bad_parameter(gs, engine):
    with pytest.raises(BadParameter) as caught:
        engine.open(gs.url("v2.zarr"), storage_options={**gs.options, "token": 12345})
    assert caught.value.parameter == "storage_options"
    assert caught.value.message == (
        f"the storage_options for {gs.url('v2.zarr')} were refused: Token format not understood"
    )


def test_an_unknown_option_is_named_in_the_error(s3, engine):
    with pytest.raises(NotZarr, match="no_such_option"):
        engine.open(s3.url("v2.zarr"), storage_options={**s3.options, "no_such_option": 1})


def test_a_protocol_fsspec_does_not_know_is_not_zarr(engine):
    with pytest.raises(NotZarr) as caught:
        engine.open("nosuchprotocol://bucket/x.zarr")
    assert caught.value.message.startswith("nosuchprotocol://bucket/x.zarr cannot be read: ")
