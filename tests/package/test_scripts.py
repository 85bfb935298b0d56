"""The commands a new user runs first: they say what they are doing, and the README says what
they take and leave behind."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The commands that take the set-up's minutes.
SLOW = re.compile(r"\b(pip install|npm install|npm run|-m venv)\b")


def _commands(script: str) -> list[str]:
    """The script's lines without comments, continuation lines joined."""
    text = (ROOT / script).read_text().replace("\\\n", " ")
    lines = [line.split(" #")[0].strip() for line in text.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_setup_names_each_slow_step_before_it_starts():
    named, unnamed = False, []
    for line in _commands("scripts/setup.sh"):
        if line.startswith("step "):
            named = True
        elif SLOW.search(line):
            if not named:
                unnamed.append(line)
            named = False
    assert unnamed == []


def test_setup_shows_the_js_builds_npm_steps():
    commands = _commands("scripts/setup.sh")
    assert any("npm install" in c for c in commands)
    assert any("npm run build" in c for c in commands)
    # pip's build of the package would run them again, with their output hidden.
    install = next(c for c in commands if "-e " in c and "pip install" in c)
    assert install.startswith("HATCH_JUPYTER_BUILDER_SKIP_NPM=1 ")


def test_the_readme_names_every_setting_the_demo_reads():
    demo = (ROOT / "scripts/demo.sh").read_text()
    settings = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):-", demo))
    assert settings == {"PORT", "ZARRVIEW_DEMO_DIR", "ZARRVIEW_DEMO_TOKEN"}
    top = (ROOT / "README.md").read_text().split("\n---\n")[0]
    assert {name for name in settings if f"`{name}`" in top} == settings
    for words in ("Ctrl+C", "`.venv/`", "minutes"):
        assert words in top, words
