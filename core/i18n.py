"""One gettext catalogue (`locales/`) for the chat, the Mini App pages and scheduled jobs.

The kernel's own translator, so that every layer can name a text without importing a face's
framework: the current translator and locale live in context variables (set per update by the
chat's locale middleware, per request by the web middleware, per recipient by a job), and
`gettext` / `lazy_gettext` read them. The API follows aiogram's `I18n` so chat code reads the
same; the lazy proxies are Babel's, which aiogram's filters and keyboards understand.
"""

from __future__ import annotations

import gettext as gnu_gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from babel.support import LazyProxy

from core.config import SUPPORTED_LOCALES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

__all__ = [
    "I18n",
    "LazyProxy",
    "create_i18n",
    "get_i18n",
    "gettext",
    "lazy_gettext",
    "pick_locale",
]

_current_i18n: ContextVar[I18n | None] = ContextVar("prilavok_i18n", default=None)


class I18n:
    """The compiled catalogues and the current locale (a context variable)."""

    def __init__(self, *, path: Path, default_locale: str, domain: str = DOMAIN) -> None:
        self.path = Path(path).resolve()
        self.default_locale = default_locale
        self.domain = domain
        self._locale: ContextVar[str] = ContextVar("prilavok_locale", default=default_locale)
        self.locales = self._load()

    def _load(self) -> dict[str, gnu_gettext.GNUTranslations]:
        found: dict[str, gnu_gettext.GNUTranslations] = {}
        for folder in sorted(self.path.iterdir()):
            mo_path = folder / "LC_MESSAGES" / f"{self.domain}.mo"
            if mo_path.is_file():
                with mo_path.open("rb") as handle:
                    found[folder.name] = gnu_gettext.GNUTranslations(handle)
            elif mo_path.with_suffix(".po").is_file():
                raise RuntimeError(f"Locale {folder.name!r} is not compiled: run `make i18n`")
        return found

    @property
    def current_locale(self) -> str:
        """The locale texts are translated into now."""
        return self._locale.get()

    @current_locale.setter
    def current_locale(self, value: str) -> None:
        self._locale.set(value)

    @contextmanager
    def use_locale(self, locale: str) -> Iterator[None]:
        """Translate into `locale` inside the block."""
        token = self._locale.set(locale)
        try:
            yield
        finally:
            self._locale.reset(token)

    @contextmanager
    def context(self) -> Iterator[I18n]:
        """Make this the translator `gettext` uses inside the block."""
        token = _current_i18n.set(self)
        try:
            yield self
        finally:
            _current_i18n.reset(token)

    def activate(self) -> None:
        """Make this the translator of the current context (a middleware's task or request)."""
        _current_i18n.set(self)

    def gettext(
        self, singular: str, plural: str | None = None, n: int = 1, locale: str | None = None
    ) -> str:
        """`singular` (or `plural` for n ≠ 1) in `locale`, else in the current locale."""
        catalogue = self.locales.get(locale or self.current_locale)
        if catalogue is None:
            return singular if n == 1 or plural is None else plural
        if plural is None:
            return catalogue.gettext(singular)
        return catalogue.ngettext(singular, plural, n)

    def lazy_gettext(
        self, singular: str, plural: str | None = None, n: int = 1, locale: str | None = None
    ) -> LazyProxy:
        """A text translated when it is used, in the locale current then."""
        return LazyProxy(self.gettext, singular, plural, n, locale, enable_cache=False)


def create_i18n(default_locale: str) -> I18n:
    """Load the compiled catalogues; `make i18n` compiles them."""
    return I18n(path=LOCALES_DIR, default_locale=default_locale, domain=DOMAIN)


def get_i18n() -> I18n:
    """The translator of the current context; LookupError outside one."""
    i18n = _current_i18n.get()
    if i18n is None:
        raise LookupError("No translator in this context")
    return i18n


def gettext(*args: Any, **kwargs: Any) -> str:
    """Translate with the current translator and locale."""
    return get_i18n().gettext(*args, **kwargs)


def lazy_gettext(*args: Any, **kwargs: Any) -> LazyProxy:
    """A text translated when it is used (menu labels, filters built once)."""
    return LazyProxy(gettext, *args, **kwargs, enable_cache=False)


def pick_locale(*candidates: str | None, default: str) -> str:
    """The first supported language among the candidates (e.g. 'en-US' → 'en')."""
    for candidate in candidates:
        if not candidate:
            continue
        code = candidate.replace("_", "-").split("-", 1)[0].lower()
        if code in SUPPORTED_LOCALES:
            return code
    return default
