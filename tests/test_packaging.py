"""pyproject.toml uses the current metadata forms, so `pip install` prints no deprecation."""

from __future__ import annotations

import tomllib
from pathlib import Path

# packaging comes with pytest.
from packaging.licenses import canonicalize_license_expression
from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def test_license_is_an_spdx_expression_without_license_classifiers() -> None:
    """setuptools ≥ 77 warns about `license = {text = ...}` and "License ::" classifiers."""
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    project = config["project"]

    license_expression = project["license"]
    assert isinstance(license_expression, str), "a TOML table is the deprecated form"
    assert canonicalize_license_expression(license_expression) == license_expression
    assert not [c for c in project.get("classifiers", []) if c.startswith("License ::")]
    # The string form needs setuptools 77 at build time.
    [backend] = [Requirement(r) for r in config["build-system"]["requires"]]
    assert backend.name == "setuptools"
    assert "76.9" not in backend.specifier
