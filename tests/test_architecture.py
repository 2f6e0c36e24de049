"""The layers of README's architecture hold: import-linter's contracts catch a wrong arrow.

`make lint` runs the contracts on the real tree; this test shows they have teeth by running
them on a copy in which the web face imports the chat face, and on one in which a service
imports aiogram.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "bot",
    "sandbox",
    "handlers",
    "keyboards",
    "middlewares",
    "webapp",
    "services",
    "core",
    "db",
)
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__", "web")
        )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(  # noqa: S603 - our own tool on our own copy
        [str(LINT_IMPORTS), "--config", "pyproject.toml", "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed")
@pytest.mark.parametrize(
    ("module", "wrong_import", "broken"),
    [
        ("webapp/keys.py", "import handlers.errors", "The web face never imports the chat face"),
        (
            "services/cart.py",
            "import aiogram.types",
            "Services, the kernel and the models know no Telegram",
        ),
        ("core/money.py", "import services.cart", "Layers"),
    ],
)
def test_a_wrong_arrow_breaks_a_contract(
    tmp_path: Path, module: str, wrong_import: str, broken: str
) -> None:
    tree = _copy(tmp_path)
    path = tree / module
    path.write_text(path.read_text() + f"\n{wrong_import}  # noqa\n")

    result = _lint(tree)

    assert result.returncode == 1, result.stdout + result.stderr
    broken_lines = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(broken) for line in broken_lines), result.stdout
