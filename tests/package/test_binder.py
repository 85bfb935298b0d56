"""The Binder set-up: the image's environment, ``postBuild`` run as repo2docker runs it, and the
demo notebook it opens, run cell by cell.

``postBuild`` runs in a copy of the repository (its files, as a clone has them) with a fresh
environment that sees this one's packages, so that only the package itself is installed. The
copy carries the JS bundles already built: the build hook then skips the npm step, which
``scripts/setup.sh`` runs on every set-up.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
import yaml
from jupyter_process import jupyter_server
from nbclient import NotebookClient

from jupyter_zarrview.demo import prepare_demo

ROOT = Path(__file__).resolve().parents[2]
BUILT = ("jupyter_zarrview/static", "jupyter_zarrview/labextension")


@dataclass(frozen=True)
class BinderBuild:
    repo: Path  # the copy postBuild ran in, as repo2docker runs it: from the repository's root
    prefix: Path  # the environment it installed into

    def python(self, code: str) -> str:
        # -P: the copy's own jupyter_zarrview/ folder must not shadow the installed package.
        done = subprocess.run(
            [str(self.prefix / "bin" / "python"), "-P", "-c", code],
            cwd=self.repo,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


def repository_files() -> list[str]:
    """The files a clone would have: tracked ones and new ones not ignored, as they are now."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def binder_build(tmp_path_factory: pytest.TempPathFactory) -> BinderBuild:
    repo = tmp_path_factory.mktemp("binder") / "repo"
    for name in repository_files():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, repo / name)
    for name in BUILT:
        assert (ROOT / name).is_dir(), f"{name} is missing: run scripts/setup.sh first"
        shutil.copytree(ROOT / name, repo / name)

    prefix = repo.parent / "env"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(prefix)],
        check=True,
    )
    # The test environment's packages (pip, JupyterLab, the extras) are seen through a .pth
    # line, as a conda environment's are on Binder; installs still go into the new prefix.
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(prefix)}))
    (purelib / "test-environment.pth").write_text(sysconfig.get_path("purelib") + "\n")

    env = {
        **os.environ,
        "PATH": f"{prefix / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(prefix),
    }
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        ["bash", "binder/postBuild"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return BinderBuild(repo=repo, prefix=prefix)


def test_environment_names_python_3_11_and_node_20():
    environment = yaml.safe_load((ROOT / "binder/environment.yml").read_text())
    dependencies = [d for d in environment["dependencies"] if isinstance(d, str)]
    assert "python=3.11" in dependencies
    assert "nodejs=20" in dependencies  # the package's build runs the JS build
    assert "pip" in dependencies
    assert "conda-forge" in environment["channels"]


def test_post_build_is_a_bash_script_that_stops_on_the_first_failure():
    text = (ROOT / "binder/postBuild").read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    # repo2docker runs it as a program.
    assert os.access(ROOT / "binder/postBuild", os.X_OK)


def test_post_build_installs_the_package_with_its_server_and_lab_extensions(binder_build):
    where = binder_build.python("import jupyter_zarrview; print(jupyter_zarrview.__file__)")
    assert Path(where.strip()).is_relative_to(binder_build.prefix)
    config = binder_build.prefix / "etc/jupyter/jupyter_server_config.d/jupyter_zarrview.json"
    assert json.loads(config.read_text()) == {
        "ServerApp": {"jpserver_extensions": {"jupyter_zarrview": True}}
    }
    labextension = binder_build.prefix / "share/jupyter/labextensions/jupyter-zarrview"
    assert json.loads((labextension / "package.json").read_text())["name"] == "jupyter-zarrview"
    assert not (binder_build.repo / "js/node_modules").exists()  # the image stays small


def test_post_build_writes_the_demo_that_the_installed_package_opens(binder_build):
    demo = binder_build.repo / "demo-data"
    assert (demo / "cells.ome.zarr").is_dir()
    notebook = nbformat.read(demo / "demo.ipynb", as_version=4)
    assert any("ZarrView(" in cell.source for cell in notebook.cells)
    info = json.loads(
        binder_build.python(
            "import json, jupyter_zarrview as zv\n"
            "ds = zv.open('demo-data/cells.ome.zarr')\n"
            "plane = ds.read(0, (0, 16, slice(0, 256), slice(0, 256)))\n"
            "assert plane.shape == (256, 256) and plane.max() > 0, plane.max()\n"
            "print(json.dumps(ds.info()))"
        )
    )
    assert info["kind"].startswith("ome-ngff")
    assert [axis["name"] for axis in info["axes"]] == ["c", "z", "y", "x"]
    assert len(info["levels"]) >= 2


def test_the_launch_links_name_the_notebook_post_build_writes(binder_build):
    texts = [(ROOT / "README.md").read_text(), (ROOT / "binder/postBuild").read_text()]
    paths = {
        path
        for text in texts
        for path in re.findall(r"urlpath=(?:lab/tree|notebooks)/(\S+?\.ipynb)", text)
    }
    assert paths == {"demo-data/demo.ipynb"}
    assert (binder_build.repo / "demo-data/demo.ipynb").is_file()


def test_every_cell_of_the_demo_notebook_runs(tmp_path, monkeypatch):
    folder = prepare_demo(tmp_path / "demo", size=256)
    notebook = nbformat.read(folder / "demo.ipynb", as_version=4)
    home = tmp_path / "home"
    home.mkdir()
    # The links cells find the server through its runtime file, as a kernel under Jupyter does.
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(home / "runtime"))
    with jupyter_server("jupyter_server", [], "/user/demo/", folder, home) as server:
        # The notebook's kernel starts in its own folder, as Jupyter starts it.
        client = NotebookClient(
            notebook,
            timeout=120,
            kernel_name="python3",
            resources={"metadata": {"path": str(folder)}},
        )
        client.execute()
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert all(cell.execution_count for cell in code)
        errors = [out for cell in code for out in cell.outputs if out.output_type == "error"]
        assert errors == []
        widgets = [
            out
            for cell in code
            for out in cell.outputs
            if "application/vnd.jupyter.widget-view+json" in out.get("data", {})
        ]
        assert len(widgets) == 4  # the image, its linked twin, the waves, the growing array
        assert (folder / "growing.zarr").is_dir()
        results = [
            out["data"]["text/plain"]
            for cell in code
            for out in cell.outputs
            if out.output_type == "execute_result"
        ]
        view_link = _string_result(results, "?zarrview=")
        assert view_link.startswith(f"{server.url}lab?zarrview=cells.ome.zarr&")
        share_link = _string_result(results, "/zarrview/shared/")
        # Whoever holds the share link reads the store without the server's token.
        with urllib.request.urlopen(f"{share_link}/.zattrs", timeout=30) as response:
            assert json.loads(response.read()) == json.loads(
                (folder / "cells.ome.zarr" / ".zattrs").read_text()
            )


def _string_result(results: list[str], marker: str) -> str:
    found = [ast.literal_eval(text) for text in results if marker in text]
    assert len(found) == 1, results
    return str(found[0])
