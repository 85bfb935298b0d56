"""Plates and wells (OME-NGFF HCS) open as one image each: a mosaic of their wells (fields).

The stores are written by ome-zarr-py (0.4, 0.5) and ngff-zarr (0.5); every read of a mosaic is
compared with the mosaic numpy builds from the fields the test wrote.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
import zarr
from label_stores import ome_attrs, set_ome_attrs
from plate_stores import (
    FIELD,
    field,
    mosaic,
    pyramid,
    write_big_plate,
    write_ngff_zarr_plate,
    write_plate,
    write_well,
)

import jupyter_zarrview.engine.mosaic as mosaic_module
import jupyter_zarrview.engine.sources as sources
from jupyter_zarrview.engine import ChunkNotReady, EmptyPlate, Engine
from jupyter_zarrview.engine.changes import ChangePoll
from jupyter_zarrview.engine.chunk_files import dataset_files
from jupyter_zarrview.engine.mosaic import cell_spans
from jupyter_zarrview.protocol import Limits, handle

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from jupyter_zarrview.engine import Dataset

VERSIONS = ["0.4", "0.5"]
ROWS, COLUMNS = ["A", "B"], ["1", "2", "3"]
# What the plate of _plate shows: row and column of the cell, and the field's level 0.
SHOWN = {(0, 0): field(1), (0, 2): field(3), (1, 1): field(5)}
BIG = (16, 24, 64)  # rows, columns, field size


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = Engine(cache_bytes=2**22, max_workers=2)
    yield engine
    engine.close()


def _plate(tmp_path: Path, version: str) -> Path:
    """A/1 and A/3 with one field, B/2 with two (its first is shown); A/2 listed, not written."""
    path = tmp_path / f"plate-{version}.ome.zarr"
    wells = {"A/1": [field(1)], "A/3": [field(3)], "B/2": [field(5), field(6)]}
    write_plate(path, version, ROWS, COLUMNS, wells, listed=["A/1", "A/2", "A/3", "B/2"])
    return path


def _expected(level: int, shown: dict[tuple[int, int], np.ndarray] | None = None) -> np.ndarray:
    cells = {rc: pyramid(a)[level] for rc, a in (shown or SHOWN).items()}
    cell = (FIELD[1] >> level, FIELD[2] >> level)
    return mosaic(cells, (2, 3), cell, (FIELD[0],), "uint16")


def _whole(ds: Dataset, level: int) -> np.ndarray:
    return ds.read(level, tuple(slice(None) for _ in ds.levels[level].shape))


def _field_levels(engine: Engine, path: Path, array: str) -> list[dict[str, Any]]:
    levels: list[dict[str, Any]] = engine.open(path, array=array).info()["levels"]
    return levels


# -- a plate ----------------------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
def test_a_plate_opens_as_a_mosaic_of_its_wells_first_fields(tmp_path, engine, version):
    path = _plate(tmp_path, version)
    ds = engine.open(path)
    info = ds.info()
    assert info["kind"] == "ome-plate"
    assert [a["name"] for a in info["axes"]] == ["c", "y", "x"]
    assert (info["dtype"], info["fill_value"], info["channel_axis"]) == ("uint16", 0, 0)
    assert len(info["channels"]) == 2
    field_levels = _field_levels(engine, path, "A/1/0")
    assert len(info["levels"]) == len(field_levels) == 2
    for level, (got, own) in enumerate(zip(info["levels"], field_levels, strict=True)):
        cell = [FIELD[1] >> level, FIELD[2] >> level]
        assert got == {
            "path": own["path"],
            "shape": [2, 2 * cell[0], 3 * cell[1]],
            "chunks": [*own["chunks"][:-2], *cell],
            "scale": own["scale"],
            "translation": [0.0, 0.0, 0.0],
        }
    assert info["plate"] == {
        "name": None,
        "rows": ROWS,
        "columns": COLUMNS,
        "wells": [
            {"path": "A/1", "row": 0, "column": 0, "field": "0", "error": None},
            {"path": "A/2", "row": 0, "column": 1, "field": None, "error": "A/2: no such group"},
            {"path": "A/3", "row": 0, "column": 2, "field": "0", "error": None},
            {"path": "B/2", "row": 1, "column": 1, "field": "0", "error": None},
        ],
        "cell": [FIELD[1], FIELD[2]],
        "fields": None,
    }
    assert info["problems"] == ["A/2: no such group"]
    assert info["labels"] == []
    for level in (0, 1):
        whole = _whole(ds, level)
        np.testing.assert_array_equal(whole, _expected(level))
        h, w = FIELD[1] >> level, FIELD[2] >> level
        for (row, column), level0 in SHOWN.items():
            cell = ds.read(
                level, (slice(None), slice(row * h, row * h + h), slice(column * w, column * w + w))
            )
            np.testing.assert_array_equal(cell, pyramid(level0)[level])
        missing = ds.read(level, (slice(None), slice(0, h), slice(w, 2 * w)))  # A/2
        assert not missing.any()
        empty = ds.read(level, (slice(None), slice(h, 2 * h), slice(0, w)))  # B/1: not listed
        assert not empty.any()


def test_any_selection_of_a_mosaic_is_numpys(tmp_path, engine):
    ds = engine.open(_plate(tmp_path, "0.5"))
    rng = np.random.default_rng(7)
    for level in (0, 1):
        expected = _expected(level)
        for _ in range(60):
            sel: list[int | slice] = []
            for size in expected.shape:
                if rng.random() < 0.2:
                    sel.append(int(rng.integers(0, size)))
                else:
                    start, stop = sorted(int(v) for v in rng.integers(0, size + 1, 2))
                    sel.append(slice(start, stop, int(rng.choice([1, 1, 2, 3, 7, 40]))))
            np.testing.assert_array_equal(ds.read(level, tuple(sel)), expected[tuple(sel)])


def test_cell_spans_split_a_strided_entry_at_the_cells():
    # Cells of 10: 3, 9, 15, 21, 27 fall in cells 0, 0, 1, 2, 2.
    assert cell_spans(slice(3, 30, 6), 10, 3) == [
        (0, slice(3, 10, 6), slice(0, 2)),
        (1, slice(5, 6, 6), slice(2, 3)),
        (2, slice(1, 8, 6), slice(3, 5)),
    ]
    assert cell_spans(slice(0, 30, 25), 10, 3) == [
        (0, slice(0, 1, 25), slice(0, 1)),
        (2, slice(5, 6, 25), slice(1, 2)),
    ]
    assert cell_spans(17, 10, 3) == [(1, 7, None)]
    assert cell_spans(slice(4, 4, 1), 10, 3) == []


def test_stats_of_a_plate_are_of_its_mosaic(tmp_path, engine):
    ds = engine.open(_plate(tmp_path, "0.4"))
    stats = ds.stats(level=1)
    expected = _expected(1)
    assert [c["max"] for c in stats["channels"]] == [float(expected[i].max()) for i in range(2)]
    assert [c["min"] for c in stats["channels"]] == [0.0, 0.0]  # the cells without a well


@pytest.mark.parametrize("version", VERSIONS)
def test_one_field_still_opens_by_itself(tmp_path, engine, version):
    path = _plate(tmp_path, version)
    for ds in (engine.open(path, array="B/2/0"), engine.open(path / "B" / "2" / "0")):
        assert ds.info()["kind"] == f"ome-ngff-{version}"
        assert ds.info()["plate"] is None
        for level, expected in enumerate(pyramid(field(5))):
            np.testing.assert_array_equal(_whole(ds, level), expected)


def test_a_plate_by_ngff_zarr_opens_as_its_mosaic(tmp_path, engine):
    path = tmp_path / "ngff.ome.zarr"
    a1, b3 = field(1, (24, 32)), field(2, (24, 32))
    write_ngff_zarr_plate(path, {("A", "1"): a1, ("B", "3"): b3})
    ds = engine.open(path)
    info = ds.info()
    assert info["kind"] == "ome-plate"
    assert [(w["path"], w["row"], w["column"], w["error"]) for w in info["plate"]["wells"]] == [
        ("A/1", 0, 0, None),
        ("B/3", 1, 2, None),
    ]
    assert info["problems"] == []
    assert [lv["path"] for lv in info["levels"]] == [
        lv["path"] for lv in _field_levels(engine, path, "A/1/0")
    ]
    shown = {(0, 0): a1, (1, 2): b3}
    for level in (0, 1):
        # ngff-zarr's second level is its own downsampling: the reference is what it wrote.
        cells = {
            rc: np.asarray(
                zarr.open_array(str(path / name / "0" / info["levels"][level]["path"]), mode="r")
            )
            for rc, name in (((0, 0), "A/1"), ((1, 2), "B/3"))
        }
        if level == 0:
            assert all(np.array_equal(cells[rc], shown[rc]) for rc in shown)
        expected = mosaic(cells, (2, 3), cells[(0, 0)].shape, (), "uint16")
        np.testing.assert_array_equal(_whole(ds, level), expected)


# -- a well -----------------------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
def test_a_well_opens_as_a_near_square_grid_of_its_fields(tmp_path, engine, version):
    path = tmp_path / "plate.ome.zarr"
    fields = [
        field(1),
        field(2, (2, 30, 40)),  # larger: the cell fits it
        field(3, (2, 10, 12)),  # smaller: at its cell's top-left, fill around it
        field(4),
        field(5),
    ]
    root = write_plate(path, version, ROWS, COLUMNS, {}, listed=["B/2"])
    # The first field has a third level the others lack: the well has two.
    write_well(root.require_group("B/2"), version, fields, levels=[3, 2, 2, 2, 2])
    for ds in (engine.open(path, array="B/2"), engine.open(path / "B" / "2")):
        info = ds.info()
        assert info["kind"] == "ome-well"
        assert info["plate"] == {
            "name": None,
            "rows": ["1", "2"],
            "columns": ["1", "2", "3"],
            "wells": [
                {"path": str(i), "row": i // 3, "column": i % 3, "field": str(i), "error": None}
                for i in range(5)
            ],
            "cell": [30, 40],
            "fields": ["0", "1", "2", "3", "4"],
        }
        assert info["problems"] == []
        assert [lv["shape"] for lv in info["levels"]] == [[2, 60, 120], [2, 30, 60]]
        for level in (0, 1):
            cells = {(i // 3, i % 3): pyramid(f)[level] for i, f in enumerate(fields)}
            cell = (30 >> level, 40 >> level)
            expected = mosaic(cells, (2, 3), cell, (2,), "uint16")
            np.testing.assert_array_equal(_whole(ds, level), expected)


def test_a_well_field_of_another_dtype_is_named_and_drawn_as_fill(tmp_path, engine):
    path = tmp_path / "well.ome.zarr"
    group = zarr.open_group(str(path), mode="w", zarr_format=3)
    write_well(group, "0.5", [field(1), field(2).astype("float32"), field(3)])
    ds = engine.open(path)
    info = ds.info()
    error = "1: has dtype float32, not uint16 like 0"
    assert info["plate"]["wells"][1]["error"] == error
    assert info["problems"] == [error]
    cells = {(0, 0): field(1), (1, 0): field(3)}
    np.testing.assert_array_equal(_whole(ds, 0), mosaic(cells, (2, 2), FIELD[1:], (2,), "uint16"))


# -- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
def test_bad_wells_are_named_in_problems_and_the_rest_opens(tmp_path, engine, version, caplog):
    path = tmp_path / "bad.ome.zarr"
    wells = {"A/1": [field(1)], "A/3": [field(3).astype("float32")], "B/2": [field(5)]}
    write_plate(path, version, ROWS, COLUMNS, wells, listed=["A/1", "A/3", "B/2"])
    plate = ome_attrs(path)["plate"]
    plate["wells"] += [
        {"path": "C/1", "rowIndex": 2, "columnIndex": 0},  # the plate has rows 0 and 1
        {"path": "B/9", "rowIndex": 1, "columnIndex": 3},
        {"path": "B/1", "rowIndex": 1, "columnIndex": 0},
        {"path": "../elsewhere", "rowIndex": 1, "columnIndex": 2},
    ]
    set_ome_attrs(path, plate=plate)
    zarr.open_group(str(path / "B" / "1"), mode="w", zarr_format=2 if version == "0.4" else 3)
    set_ome_attrs(path / "B" / "1", well={"images": []})  # a well with no images
    ds = engine.open(path)
    info = ds.info()
    assert info["problems"] == [
        "plate: well 'C/1' has rowIndex 2, but the plate has 2 rows (0 to 1); it is skipped",
        "plate: well 'B/9' has columnIndex 3, but the plate has 3 columns (0 to 2); it is skipped",
        "plate: well '../elsewhere' names a node outside the plate; it is skipped",
        "B/1: the well lists no images",
    ]
    assert [(w["path"], w["field"], w["error"]) for w in info["plate"]["wells"]] == [
        ("A/1", "0", None),
        ("A/3", "0", None),  # its field is read when first drawn
        ("B/2", "0", None),
        ("B/1", None, "B/1: the well lists no images"),
    ]
    with caplog.at_level(logging.WARNING, logger="jupyter_zarrview.engine.mosaic"):
        whole = _whole(ds, 0)
        _whole(ds, 1)
    np.testing.assert_array_equal(whole, _expected(0, {(0, 0): field(1), (1, 1): field(5)}))
    # A field of another dtype than the first field's is fill, said once in the log.
    told = [r.getMessage() for r in caplog.records if "A/3/0" in r.getMessage()]
    assert told == [
        "zarrview: A/3/0: has dtype float32, not uint16 like A/1/0; it is drawn as fill"
    ]


def test_the_first_field_that_can_be_drawn_describes_the_plate(tmp_path, engine):
    path = tmp_path / "plate.ome.zarr"
    write_plate(path, "0.5", ROWS, COLUMNS, {"A/1": [field(1)], "B/2": [field(5)]})
    # A/1's field is no image: B/2's describes the plate, and A/1 says why it is fill.
    set_ome_attrs(path / "A" / "1" / "0", multiscales=None)
    zarr.open_group(str(path / "A" / "1" / "0"), mode="r+").attrs["ome"] = {"version": "0.5"}
    info = engine.open(path).info()
    error = "A/1/0: is not a multiscale image (it has no 'multiscales' metadata)"
    assert info["plate"]["wells"][0]["error"] == error
    assert info["problems"] == [error]
    assert info["levels"][0]["shape"] == [2, 48, 96]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_plate_with_no_well_to_show_is_a_clear_error(tmp_path, engine, version):
    path = tmp_path / "empty.ome.zarr"
    write_plate(path, version, ROWS, COLUMNS, {}, listed=["A/1", "B/2"])
    with pytest.raises(EmptyPlate) as caught:
        engine.open(path)
    assert caught.value.parameter == "path"
    assert caught.value.message == (
        "'empty.ome.zarr' is a plate with no well that can be shown "
        "(A/1: no such group; B/2: no such group)"
    )
    answer = handle("info", {}, lambda _p: engine.open(path), engine, Limits())
    assert answer.status == 422
    assert answer.json["parameter"] == "path"
    assert answer.json["children"] == []


# -- reads ------------------------------------------------------------------------------------
def test_a_well_whose_chunks_do_not_decode_is_fill_unless_it_is_all_that_was_read(
    tmp_path, engine, caplog
):
    path = _plate(tmp_path, "0.4")
    level0 = _field_levels(engine, path, "A/3/0")[0]["path"]
    chunks = [
        os.path.join(folder, name)
        for folder, _, names in os.walk(path / "A" / "3" / "0" / level0)
        for name in names
        if not name.startswith(".")
    ]
    assert chunks
    for chunk in chunks:
        with open(chunk, "wb") as f:
            f.write(b"not a chunk")
    ds = engine.open(path)
    with caplog.at_level(logging.WARNING, logger="jupyter_zarrview.engine.mosaic"):
        whole = _whole(ds, 0)
    np.testing.assert_array_equal(whole, _expected(0, {(0, 0): field(1), (1, 1): field(5)}))
    assert any("A/3/0: level 0 could not be read" in r.getMessage() for r in caplog.records)
    with pytest.raises(ChunkNotReady):
        ds.read(0, (0, slice(0, 24), slice(64, 96)))  # A/3 alone: retried rather than blank


def test_a_mosaic_read_on_the_engines_only_read_thread_does_not_wait_on_itself(big_plate):
    engine = Engine(cache_bytes=2**22, max_workers=1)
    try:
        ds = engine.open(big_plate["path"])
        future = engine.executor.submit(_whole, ds, 1)
        np.testing.assert_array_equal(future.result(timeout=60), big_plate["mosaic"][1])
    finally:
        engine.close()


# -- a big plate ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def big_plate(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    rows, columns, size = BIG
    path = tmp_path_factory.mktemp("big") / "screen.ome.zarr"
    write_big_plate(path, "0.5", rows, columns, size)
    levels = [pyramid(field(i, (size, size))) for i in range(rows * columns)]
    mosaics = [
        mosaic(
            {(i // columns, i % columns): lv[level] for i, lv in enumerate(levels)},
            (rows, columns),
            (size >> level, size >> level),
            (),
            "uint16",
        )
        for level in (0, 1)
    ]
    return {"path": path, "mosaic": mosaics}


def test_a_384_well_plate_opens_without_opening_its_wells_fields(big_plate, monkeypatch):
    opened: list[Any] = []
    images: list[str] = []
    for name in ("TensorstoreReader", "ZarrReader"):
        cls = getattr(sources, name)
        monkeypatch.setattr(sources, name, _counted(cls, opened))
    read_image = mosaic_module.Field._read_image

    def counted_image(self: mosaic_module.Field) -> Any:
        images.append(self.where)
        return read_image(self)

    monkeypatch.setattr(mosaic_module.Field, "_read_image", counted_image)
    engine = Engine(cache_bytes=2**24, max_workers=2)
    try:
        ds = engine.open(big_plate["path"])
        info = ds.info()
        assert len(info["plate"]["wells"]) == 384
        assert info["plate"]["cell"] == [64, 64]
        assert [lv["shape"] for lv in info["levels"]] == [[1024, 1536], [512, 768]]
        # Only the first well's field was looked into, and no reader was opened.
        assert (images, opened) == (["A/1/0"], [])
        np.testing.assert_array_equal(_whole(ds, 1), big_plate["mosaic"][1])
        assert len(opened) == 384  # one reader per well, at the level read only
        assert len(images) == 384
        corner = ds.read(1, (slice(0, 100), slice(0, 100)))
        np.testing.assert_array_equal(corner, big_plate["mosaic"][1][:100, :100])
        assert len(opened) == 384  # opened once
        tile = ds.read(0, (slice(512, 1024), slice(1024, 1536)))
        np.testing.assert_array_equal(tile, big_plate["mosaic"][0][512:, 1024:])
        assert len(opened) == 384 + 64  # the 8 x 8 wells of that tile, at level 0
    finally:
        engine.close()


def _counted(cls: Any, opened: list[Any]) -> Any:
    def make(*args: Any, **kwargs: Any) -> Any:
        reader = cls(*args, **kwargs)
        opened.append(reader)
        return reader

    return make


# -- live -------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
def test_a_live_plate_is_watched_by_its_metadata_and_tells_of_a_well_written(
    tmp_path, engine, version
):
    path = _plate(tmp_path, version)
    ds = engine.open(path)
    files = dataset_files(ds)
    assert files is not None
    # A mosaic's tiles have no chunk files of their own: their tags follow the version.
    assert files.content_key() is None
    assert files.tile_signature(0, ds.selection(0, ":,:,:")) is None
    names = ("zarr.json",) if version == "0.5" else (".zattrs",)
    assert {f"A/1/{n}" for n in names} | {f"A/1/0/{n}" for n in names} <= set(files.metadata_keys())
    poll = ChangePoll(ds, engine, lambda d: d.info())
    assert poll.look().events == []
    before = ds.version
    for _ in range(3):  # nothing written: nothing told, nothing read again
        assert poll.look().events == []
    assert ds.version == before
    well = zarr.open_group(
        str(path / "A" / "2"), mode="a", zarr_format=2 if version == "0.4" else 3
    )
    write_well(well, version, [field(2)])
    events = poll.look().events
    assert [name for name, _ in events] == ["change"]
    change = events[0][1]
    assert change["metadata"] is True
    wells = {w["path"]: w for w in change["info"]["plate"]["wells"]}
    assert wells["A/2"] == {"path": "A/2", "row": 0, "column": 1, "field": "0", "error": None}
    shown = {**SHOWN, (0, 1): field(2)}
    np.testing.assert_array_equal(_whole(ds, 0), _expected(0, shown))


@pytest.mark.parametrize("version", VERSIONS)
def test_a_plate_has_the_channels_and_render_defaults_of_its_first_field(tmp_path, engine, version):
    path = _plate(tmp_path, version)
    channels = [{"label": "DAPI", "color": "0000FF"}, {"label": "GFP", "color": "00FF00"}]
    rdefs = {"defaultZ": 0, "model": "color"}
    set_ome_attrs(path / "A" / "1" / "0", omero={"channels": channels, "rdefs": rdefs})
    info = engine.open(path).info()
    assert [(c["label"], c["color"]) for c in info["channels"]] == [
        ("DAPI", "0000FF"),
        ("GFP", "00FF00"),
    ]
    assert info["rdefs"] == rdefs
