from __future__ import annotations

import json
import sys
from pathlib import Path

import jupyter_zarrview

ROOT = Path(__file__).resolve().parents[2]


def test_python_version_is_package_json_version():
    package = json.loads((ROOT / "js" / "package.json").read_text())
    assert jupyter_zarrview.__version__ == package["version"]


def test_public_surface_is_small_and_explicit():
    assert sorted(jupyter_zarrview.__all__) == [
        "Dataset",
        "StoreLink",
        "ZarrView",
        "__version__",
        "link",
        "open",
        "zarr_url",
    ]
    for name in jupyter_zarrview.__all__:
        assert getattr(jupyter_zarrview, name) is not None


def test_install_switches_the_server_extension_on():
    config = Path(sys.prefix) / "etc/jupyter/jupyter_server_config.d/jupyter_zarrview.json"
    assert json.loads(config.read_text()) == {
        "ServerApp": {"jpserver_extensions": {"jupyter_zarrview": True}}
    }


def test_install_ships_the_prebuilt_labextension_and_the_widget_bundle():
    labext = Path(sys.prefix) / "share/jupyter/labextensions/jupyter-zarrview"
    meta = json.loads((labext / "package.json").read_text())
    assert meta["name"] == "jupyter-zarrview"
    assert (labext / "static" / meta["jupyterlab"]["_build"]["load"].split("/")[-1]).is_file()
    static = Path(jupyter_zarrview.__file__).parent / "static"
    bundle = (static / "widget.js").read_text()
    assert "export" in bundle
    assert len(bundle) > 10_000


def test_bundles_import_nothing_from_the_network():
    static = Path(jupyter_zarrview.__file__).parent / "static"
    labext = Path(sys.prefix) / "share/jupyter/labextensions/jupyter-zarrview/static"
    for path in [*static.glob("*.js"), *labext.glob("*.js")]:
        text = path.read_text()
        for needle in ('from"http', "from 'http", 'from "http', 'import("http', "import('http"):
            assert needle not in text, f"{path.name} imports from the network ({needle})"
