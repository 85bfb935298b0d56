"""``tests/protocol_examples.json``: every example answers as written, directly and over HTTP.

The JS tests decode the same answers, so this file is where the two sides meet.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from examples_data import build, decode_body, from_json, load, reference

from jupyter_zarrview.engine import parse_selection
from jupyter_zarrview.protocol import Answer, Limits, handle

SPEC = load()
EXAMPLES = {e["name"]: e for e in SPEC["examples"]}


@pytest.fixture(scope="module")
def examples_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("examples")
    build(root)
    return root


@pytest.fixture
def jp_root_dir(examples_root):
    return examples_root


@pytest.fixture
def jp_server_config(jp_server_config):
    jp_server_config.ZarrViewExtension.max_tile_elements = SPEC["limits"]["max_tile_elements"]
    return jp_server_config


def _as_recorded(status: int, headers: dict[str, str], body_json, body: bytes | None) -> dict:
    """An answer in the file's form: versions as '<version>', bodies as base64."""
    out: dict = {"status": status}
    out["headers"] = {
        name: "<version>" if name == "X-Zarrview-Version" else headers[name]
        for name in ("X-Zarrview-Shape", "X-Zarrview-Dtype", "X-Zarrview-Version")
        if name in headers
    }
    if body_json is not None:
        out["json"] = (
            {**body_json, "version": "<version>"}
            if isinstance(body_json, dict) and "version" in body_json
            else body_json
        )
    if body is not None:
        out["body_base64"] = base64.b64encode(body).decode()
    return out


def _recorded(example: dict) -> dict:
    return {k: v for k, v in example["answer"].items() if k != "values"}


def test_every_dataset_and_status_of_the_protocol_has_an_example():
    statuses = {e["answer"]["status"] for e in SPEC["examples"]}
    assert statuses == {200, 400, 404, 413, 422}
    dtypes = {e["answer"]["headers"].get("X-Zarrview-Dtype") for e in SPEC["examples"]} - {None}
    assert dtypes == {"uint16", "float32", "int64", "uint64", "float16", "bool", "int8", "uint8"}


@pytest.mark.parametrize("name", [n for n, e in EXAMPLES.items() if "values" in e["answer"]])
def test_example_values_are_the_numpy_selection(name):
    example = EXAMPLES[name]
    spec = SPEC["datasets"][example["dataset"]]
    params = example["params"]
    level = reference(spec, int(params.get("level", "0")), params.get("array"))
    if spec["kind"] == "group":
        level = from_json(spec["values"], spec["dtype"])
    expected = level[parse_selection(params["sel"], level.shape)] if "sel" in params else level
    answer = example["answer"]
    decoded = decode_body(answer["body_base64"], answer["headers"])
    np.testing.assert_array_equal(decoded, expected)
    assert decoded.dtype == expected.dtype.newbyteorder("<")
    np.testing.assert_array_equal(from_json(answer["values"], str(decoded.dtype)), expected)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_example_through_protocol_handle(name, engine, examples_root):
    example = EXAMPLES[name]
    path = examples_root / f"{example['dataset']}.zarr"

    def dataset(params):  # as the widget does: its own data, whatever the params say
        return engine.open(str(path), array=params.get("array") or None)

    answer: Answer = handle(
        example["op"], example["params"], dataset, engine, Limits(**SPEC["limits"])
    )
    assert _as_recorded(answer.status, answer.headers, answer.json, answer.body) == _recorded(
        example
    )


@pytest.mark.parametrize("name", list(EXAMPLES))
async def test_example_over_http(name, api):
    example = EXAMPLES[name]
    params = {"path": f"{example['dataset']}.zarr", **example["params"]}
    response = await api(example["op"], **params)
    is_tile = response.headers["Content-Type"] == "application/octet-stream"
    recorded = _as_recorded(
        response.code,
        dict(response.headers),
        None if is_tile else json.loads(response.body),
        response.body if is_tile else None,
    )
    assert recorded == _recorded(example)
