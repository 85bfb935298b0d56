"""How the browser tests start Debian's Chromium."""

from __future__ import annotations

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As root, Chromium refuses its sandbox; the rest keeps it off a network it must not use.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-gl=angle",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]

# The viewer draws with Canvas 2D where WebGL runs on the CPU, as SwiftShader does here (see
# js/src/viewer/rendererChoice.ts). The tests fix WebGL2, the renderer of browsers with a GPU,
# through the setting a user has for it; test_lab_panel checks the automatic choice.
WEBGL2 = "try { localStorage.setItem('zarrview.renderer', 'webgl2'); } catch (e) {}"
