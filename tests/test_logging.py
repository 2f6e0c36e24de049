"""Logging: one loguru sink, stdlib routed in, and no secret ever written."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator

import pytest
from loguru import logger

from bot.logs import setup_logging
from core.config import Settings

TOKEN = "123456789:AAE-very-secret-token-value_xyz"
WEBHOOK_SECRET = "hook-s3cret-value"
DB_PASSWORD = "pg-pa55word-value"
FORMATS = ["text", "json"]


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """setup_logging reconfigures process-wide state; put it back for the next test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {
        name: logging.getLogger(name).level
        for name in ("aiohttp.access", "tortoise", "apscheduler")
    }
    yield
    logger.remove()
    logger.add(sys.stderr)
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, saved in levels.items():
        logging.getLogger(name).setLevel(saved)


@pytest.fixture
def secret_settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(
        bot_token=TOKEN,
        webhook_base_url="https://shop.example.com",
        webhook_secret=WEBHOOK_SECRET,
        database_url=f"postgres://shop:{DB_PASSWORD}@127.0.0.1:5432/shop",
    )


def configure(settings: Settings, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    setup_logging("INFO", fmt, settings.secret_values)


def assert_no_secret(output: str) -> None:
    for secret in (TOKEN, WEBHOOK_SECRET, DB_PASSWORD):
        assert secret not in output


def test_settings_list_every_secret(secret_settings: Settings) -> None:
    assert set(secret_settings.secret_values) >= {TOKEN, WEBHOOK_SECRET, DB_PASSWORD}


@pytest.mark.parametrize("fmt", FORMATS)
def test_loguru_messages_are_masked(
    secret_settings: Settings, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    configure(secret_settings, fmt, capsys)

    logger.info("GET https://api.telegram.org/bot{}/getMe", TOKEN)
    logger.bind(header=WEBHOOK_SECRET).warning("webhook secret was {}", WEBHOOK_SECRET)
    logger.info("connecting to postgres://shop:{}@db/shop", DB_PASSWORD)

    output = capsys.readouterr().err
    assert "https://api.telegram.org/bot***/getMe" in output
    assert "webhook secret was ***" in output
    assert "postgres://shop:***@db/shop" in output
    assert_no_secret(output)


@pytest.mark.parametrize("fmt", FORMATS)
def test_stdlib_logging_is_routed_and_masked(
    secret_settings: Settings, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    configure(secret_settings, fmt, capsys)

    logging.getLogger("aiogram").warning(f"Bad token {TOKEN} rejected")
    logging.getLogger("aiohttp.server").error("secret header %s", WEBHOOK_SECRET)

    output = capsys.readouterr().err
    assert "Bad token *** rejected" in output
    assert "secret header ***" in output
    assert_no_secret(output)


@pytest.mark.parametrize("fmt", FORMATS)
def test_secrets_in_tracebacks_are_masked(
    secret_settings: Settings, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """An exception message may carry the token, e.g. an aiohttp error with the Bot API URL."""
    configure(secret_settings, fmt, capsys)

    try:
        raise ConnectionError(f"Cannot connect to https://api.telegram.org/bot{TOKEN}/getMe")
    except ConnectionError:
        logging.getLogger("aiogram.dispatcher").exception("Failed to fetch updates")
        logger.exception("Update failed")

    output = capsys.readouterr().err
    assert "ConnectionError" in output
    assert "bot***/getMe" in output
    assert_no_secret(output)


def test_json_format_writes_one_parseable_object_per_line(
    secret_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(secret_settings, "json", capsys)

    logger.bind(update_id=7).info("handled update")
    logging.getLogger("tortoise").warning("slow query")
    logger.debug("below the level")

    lines = capsys.readouterr().err.splitlines()
    records = [json.loads(line)["record"] for line in lines]
    assert [(r["level"]["name"], r["message"]) for r in records] == [
        ("INFO", "handled update"),
        ("WARNING", "slow query"),
    ]
    assert records[0]["extra"] == {"update_id": 7}


def test_text_format_is_one_readable_line_per_message(
    secret_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(secret_settings, "text", capsys)

    logger.info("shop opened")
    logging.getLogger("aiohttp.access").info("GET /health 200")  # below WARNING: dropped

    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert "| INFO     |" in lines[0]
    assert "shop opened" in lines[0]


def test_text_lines_end_with_the_message_and_show_bound_fields_only_when_set(
    secret_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(secret_settings, "text", capsys)

    logger.info("plain line")
    logger.bind(update_id=7).info("bound line")

    plain, bound = capsys.readouterr().err.splitlines()
    assert plain.endswith("plain line")
    assert not plain.rstrip().endswith("{}")
    assert bound.endswith("bound line {'update_id': 7}")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("aiogram.event", "Update id=5 is handled. Duration 3 ms by bot id=1"),
        ("aiogram.middlewares", "Answer to callback query id=42"),
        ("tortoise", "Tortoise-ORM shutdown"),
    ],
)
def test_per_update_chatter_is_debug_not_info(
    secret_settings: Settings, capsys: pytest.CaptureFixture[str], name: str, message: str
) -> None:
    configure(secret_settings, "text", capsys)
    logging.getLogger(name).info(message)
    logging.getLogger("aiogram.dispatcher").info("Start polling")
    output = capsys.readouterr().err
    assert message not in output
    assert "Start polling" in output  # what an operator wants stays at INFO

    setup_logging("DEBUG", "text", secret_settings.secret_values)
    logging.getLogger(name).info(message)
    (line,) = capsys.readouterr().err.splitlines()
    assert "| DEBUG    |" in line and line.endswith(message)
