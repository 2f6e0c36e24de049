"""Loguru set-up: one sink, stdlib logging routed in, secrets masked."""

from __future__ import annotations

import inspect
import json
import logging
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO

from loguru import logger

if TYPE_CHECKING:
    from loguru import Record

_MASK = "***"
_TEXT_FORMAT = (
    "<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> | <level>{level: <8}</level> | "
    "<cyan>{name}</cyan>:<cyan>{line}</cyan> - <level>{message}</level>"
)
_QUIET_INFO = ("aiogram.event", "aiogram.middlewares", "tortoise")
"""Loggers whose INFO lines are per-update chatter ("Update id=… is handled", "Answer to
callback query", "Tortoise-ORM shutdown" after every migrate step): written at DEBUG, so INFO
keeps what an operator wants to read."""


def _text_format(record: Record) -> str:
    """One line per message; bound fields (update_id=…) only when there are any."""
    extra = " <dim>{extra}</dim>" if record["extra"] else ""
    return _TEXT_FORMAT + extra + "\n{exception}"


def _is_quiet(name: str) -> bool:
    return any(name == quiet or name.startswith(quiet + ".") for quiet in _QUIET_INFO)


class InterceptHandler(logging.Handler):
    """Forward stdlib records (aiogram, aiohttp, tortoise) to loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        """Re-emit the record through loguru at the caller's depth."""
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        if record.levelno == logging.INFO and _is_quiet(record.name):
            level = "DEBUG"
        frame, depth = inspect.currentframe(), 0
        while frame and (depth == 0 or frame.f_code.co_filename == logging.__file__):
            frame = frame.f_back
            depth += 1
        logger.opt(depth=depth, exception=record.exc_info).log(level, record.getMessage())


class SecretMasker:
    """Replace known secret values in every message before it is written."""

    def __init__(self, secrets: Iterable[str]) -> None:
        values = {s for s in secrets if len(s) >= 4}
        # JSON lines carry tracebacks with quotes and backslashes escaped.
        values |= {json.dumps(s, ensure_ascii=False)[1:-1] for s in values}
        self._secrets = sorted(values, key=len, reverse=True)

    def __call__(self, record: Record) -> bool:
        """Mask secrets in the message and extra fields; always keep the record."""
        if self._secrets:
            record["message"] = self.mask(record["message"])
            for key, value in record["extra"].items():
                if isinstance(value, str):
                    record["extra"][key] = self.mask(value)
        return True

    def mask(self, text: str) -> str:
        """Return text with every secret replaced by ***."""
        for secret in self._secrets:
            text = text.replace(secret, _MASK)
        return text


class MaskedStream:
    """A sink stream that masks secrets in the final text, tracebacks included.

    The record filter cannot reach a traceback: an exception whose message holds the token
    (an aiohttp URL error, say) would be written as is.
    """

    def __init__(self, stream: TextIO, masker: SecretMasker) -> None:
        self._stream = stream
        self._masker = masker

    def write(self, text: str) -> None:
        """Write the text with every secret replaced."""
        self._stream.write(self._masker.mask(text))

    def flush(self) -> None:
        """Flush the underlying stream."""
        self._stream.flush()

    def isatty(self) -> bool:
        """Colours follow the underlying stream."""
        return self._stream.isatty()


def setup_logging(level: str, fmt: str, secrets: Iterable[str] = ()) -> None:
    """Configure loguru as the only sink and route stdlib logging into it."""
    logger.remove()
    masker = SecretMasker(secrets)
    sink = MaskedStream(sys.stderr, masker)
    options: dict[str, Any] = {
        "level": level,
        "filter": masker,
        "backtrace": False,
        # Variable values in tracebacks could carry tokens and personal data.
        "diagnose": False,
    }
    if fmt == "json":
        logger.add(sink, serialize=True, **options)
    else:
        logger.add(sink, format=_text_format, colorize=None, **options)
    logging.basicConfig(handlers=[InterceptHandler()], level=0, force=True)
    # aiohttp's access log duplicates our metrics middleware at INFO; keep it for debugging.
    logging.getLogger("aiohttp.access").setLevel(logging.DEBUG if level == "DEBUG" else "WARNING")
    logging.getLogger("tortoise").setLevel(logging.INFO)
    # APScheduler reports every run at INFO; job outcomes are logged by the jobs themselves.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
