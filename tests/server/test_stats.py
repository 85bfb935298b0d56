"""``stats`` over HTTP, against numpy on the arrays the stores were written from."""

from __future__ import annotations

import json

import numpy as np
import pytest


async def _stats(api, **params):
    response = await api("stats", **params)
    assert response.code == 200, response.body
    return json.loads(response.body)


def _expect(values: np.ndarray, bins: int) -> dict:
    flat = values.reshape(-1).astype(np.float64)
    finite = flat[np.isfinite(flat)]
    counts, edges = np.histogram(finite, bins=bins, range=(finite.min(), finite.max()))
    return {
        "count": flat.size,
        "nan_count": int(np.isnan(flat).sum()),
        "min": finite.min(),
        "max": finite.max(),
        "mean": pytest.approx(finite.mean(), rel=1e-12),
        "p50": pytest.approx(np.percentile(finite, 50), rel=1e-12),
        "counts": counts.tolist(),
        "edges": (edges[0], edges[-1]),
    }


def _got(channel: dict) -> dict:
    return {
        "count": channel["count"],
        "nan_count": channel["nan_count"],
        "min": channel["min"],
        "max": channel["max"],
        "mean": channel["mean"],
        "p50": channel["percentiles"]["50"],
        "counts": channel["histogram"]["counts"],
        "edges": (channel["histogram"]["min"], channel["histogram"]["max"]),
    }


async def test_stats_of_a_float_array_count_nans_and_skip_them(api, layout):
    body = await _stats(api, path="vol3d.zarr", bins="16")
    vol = layout.arrays["vol3d.zarr"][0]
    assert body["level"] == 0
    assert body["sampled"] is False
    assert len(body["channels"]) == 1
    assert _got(body["channels"][0]) == _expect(vol, 16)
    assert body["channels"][0]["nan_count"] == 3


async def test_stats_default_to_the_coarsest_level_one_entry_per_channel(api, layout):
    body = await _stats(api, path="ome05.zarr")
    coarsest = layout.arrays["ome05.zarr"][2]
    assert body["level"] == 2
    assert [_got(c) for c in body["channels"]] == [
        _expect(coarsest[:, c], 256) for c in range(coarsest.shape[1])
    ]


async def test_stats_of_a_selection_at_a_level(api, layout):
    body = await _stats(api, path="ome04.zarr", level="0", sel="1,0:2,3,0:16,8:40", bins="5")
    level0 = layout.arrays["ome04.zarr"][0]
    assert [_got(c) for c in body["channels"]] == [
        _expect(level0[1, c, 3, 0:16, 8:40], 5) for c in range(2)
    ]


async def test_stats_with_the_channel_fixed_give_one_entry(api, layout):
    body = await _stats(api, path="ome04.zarr", level="1", sel="0,2,:,:,:", bins="3")
    assert [_got(c) for c in body["channels"]] == [_expect(layout.arrays["ome04.zarr"][1][0, 2], 3)]


async def test_stats_of_a_large_selection_are_sampled_not_refused(api):
    body = await _stats(api, path="big.zarr", bins="2")
    assert body["sampled"] is True
    (channel,) = body["channels"]
    assert (channel["min"], channel["max"]) == (0.0, 0.0)
    assert 0 < channel["count"] <= 1 << 22
    assert sum(channel["histogram"]["counts"]) == channel["count"]
