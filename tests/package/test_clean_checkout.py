"""The test command leaves a clone as it found it: pictures go to the git-ignored
``test-results/`` unless the README's pictures are asked for."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
PICTURES = "docs/images"
# The one module that decides where a browser test's picture goes.
DECIDER = ROOT / "tests/browser/lab_driver.py"


def _lab_driver() -> ModuleType:
    # tests/browser's helpers are top-level modules there; load this one by its path.
    spec = importlib.util.spec_from_file_location("lab_driver_for_checkout_test", DECIDER)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def test_pictures_go_to_an_ignored_folder_by_default(monkeypatch):
    monkeypatch.delenv("ZARRVIEW_WRITE_PICTURES", raising=False)
    path = Path(_lab_driver().readme_picture("panel.png"))
    assert path.parent.is_dir()
    relative = path.relative_to(ROOT).as_posix()
    assert not relative.startswith(PICTURES)
    assert _git("check-ignore", "-q", relative).returncode == 0, f"{relative} is not ignored"


@pytest.mark.parametrize("name", ["panel.png", "widget.png"])
def test_asked_for_they_replace_the_readmes_pictures(monkeypatch, name):
    monkeypatch.setenv("ZARRVIEW_WRITE_PICTURES", "1")
    path = Path(_lab_driver().readme_picture(name))
    assert path == ROOT / PICTURES / name
    assert f"]({PICTURES}/{name})" in (ROOT / "README.md").read_text()
    assert _git("ls-files", "--error-unmatch", f"{PICTURES}/{name}").returncode == 0


def test_no_other_test_module_names_the_readmes_picture_folder():
    # A test that wrote there itself would dirty the checkout on every run.
    offenders = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if path not in (DECIDER, Path(__file__).resolve()) and PICTURES in path.read_text()
    ]
    assert offenders == []
