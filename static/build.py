"""Copy the Mini App's browser assets out of node_modules.

Run after `npm ci` in static/ (`make assets` does both). Standard library only: it runs with
the system Python, before any virtualenv exists (and in the Docker build stage).

    static/vendor/telegram-web-app.js   <- @twa-dev/sdk (Telegram's WebApp script)
    static/vendor/model-viewer.min.js   <- @google/model-viewer (three.js bundled, an ES module)
    static/vendor/lit-html.js           <- lit-html (templates of the screens; an ES module that
                                           imports nothing, mapped to `lit-html` by the page's
                                           import map)
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

STATIC = Path(__file__).resolve().parent
ROOT = STATIC.parent
NODE_MODULES = STATIC / "node_modules"
VENDOR = STATIC / "vendor"

VENDORED = {
    "@twa-dev/sdk/dist/telegram-web-apps.js": "telegram-web-app.js",
    "@google/model-viewer/dist/model-viewer.min.js": "model-viewer.min.js",
    "lit-html/lit-html.js": "lit-html.js",
}


def copy_vendored() -> list[Path]:
    """Copy each vendored file into static/vendor/, failing loudly if npm did not install it."""
    missing = [source for source in VENDORED if not (NODE_MODULES / source).is_file()]
    if missing:
        raise SystemExit(f"build.py: run `npm ci` in static/ first; missing: {', '.join(missing)}")
    VENDOR.mkdir(exist_ok=True)
    written = []
    for source, target in VENDORED.items():
        written.append(Path(shutil.copyfile(NODE_MODULES / source, VENDOR / target)))
    return written


def main() -> int:
    """Copy everything; print what was written."""
    for path in copy_vendored():
        print(f"build.py: wrote {path.relative_to(ROOT)} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
