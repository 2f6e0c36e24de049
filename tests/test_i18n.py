"""The gettext catalogues are complete, consistent and compiled."""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("ru", "en")
SOURCE_DIRS = ("core", "db", "services", "handlers", "keyboards", "middlewares", "webapp", "bot")
KEYWORDS = {"_": None, "__": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
GETTEXT_NAMES = {"_", "__", "gettext", "lazy_gettext"}
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)s")


def _extracted_ids() -> set[str]:
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    ids: set[str] = set()
    for directory in SOURCE_DIRS:
        for _, _, message, _, _ in extract_from_dir(
            ROOT / directory,
            method_map=method_map,
            options_map=options,
            keywords={**KEYWORDS, "__": None},
        ):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


def _catalog(locale: str):  # type: ignore[no-untyped-def]
    path = ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_string_in_the_code_is_translated(locale: str) -> None:
    catalog = _catalog(locale)
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    missing = sorted(_extracted_ids() - translated.keys())
    assert not missing, f"not in the {locale} catalogue (run `make i18n`): {missing}"
    empty = [key for key, m in translated.items() if not m.string or m.fuzzy]
    assert not empty, f"untranslated or fuzzy in {locale}: {empty}"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_has_no_stale_entries(locale: str) -> None:
    catalog = _catalog(locale)
    stale = sorted({m.id for m in catalog if m.id} - _extracted_ids())
    assert not stale, f"{locale} catalogue has entries no code uses: {stale}"


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_survive_translation(locale: str) -> None:
    for message in _catalog(locale):
        if not message.id or not isinstance(message.id, str):
            continue
        assert set(PLACEHOLDER.findall(message.id)) == set(PLACEHOLDER.findall(message.string)), (
            message.id
        )


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_is_fresh(locale: str) -> None:
    mo_path = ROOT / "locales" / locale / "LC_MESSAGES" / "messages.mo"
    assert mo_path.exists(), "run `make translations`"
    buffer = io.BytesIO()
    write_mo(buffer, _catalog(locale))
    assert buffer.getvalue() == mo_path.read_bytes(), f"{mo_path} is stale: run `make i18n`"


def test_no_formatted_strings_inside_gettext() -> None:
    offenders = []
    for directory in SOURCE_DIRS:
        for path in (ROOT / directory).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                    continue
                if node.func.id not in GETTEXT_NAMES or not node.args:
                    continue
                if not isinstance(node.args[0], ast.Constant):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"gettext needs a literal string: {offenders}"
