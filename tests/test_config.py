"""Settings: defaults, `.env`, and a wrong value stopping start-up with the variable's name.

conftest's autouse fixture clears the environment and runs every test in its own tmp_path.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from loguru import logger

from bot.__main__ import EXIT_CONFIG_ERROR
from core.config import SANDBOX_BOT_TOKEN, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent
VALID_TOKEN = "123456789:AAE-valid-looking-token_for_tests"
SECRET_PASSWORD = "db-pa55-never-shown"

# (variable, bad value, the part of the value that must never be printed, extra environment)
BAD_VALUES: list[tuple[str, str, str | None, dict[str, str]]] = [
    ("BOT_TOKEN", "123456:tooShortButSecret", "tooShortButSecret", {}),
    ("BOT_TOKEN", "no-colon-secret-value-at-all", "no-colon-secret-value-at-all", {}),
    ("HTTP_PORT", "abc", None, {}),
    ("HTTP_PORT", "70000", None, {}),
    ("DATABASE_URL", f"mysql://shop:{SECRET_PASSWORD}@db/shop", SECRET_PASSWORD, {}),
    ("REDIS_URL", "http://x", None, {}),
    ("WEBHOOK_BASE_URL", "http://example.com", None, {"WEBHOOK_SECRET": "hook-secret-1"}),
    ("WEBHOOK_SECRET", "bad secret with spaces!", "bad secret with spaces!", {}),
    ("TIMEZONE", "Mars/Base", None, {}),
    ("LOG_FORMAT", "xml", None, {}),
    ("DEFAULT_LOCALE", "de", None, {}),
    ("ADMIN_IDS", "abc", None, {}),
    ("THROTTLE_RATE", "fast", None, {}),
]
BAD_IDS = [f"{name}={value}" for name, value, _, _ in BAD_VALUES]


# --- Defaults and sources -----------------------------------------------------------------


def test_defaults_run_the_sandbox_on_sqlite() -> None:
    settings = load_settings()

    assert settings.sandbox
    assert settings.token == SANDBOX_BOT_TOKEN
    assert settings.database_url == "sqlite://data/prilavok.sqlite3"
    assert settings.redis_url is None
    assert settings.http_port == 8080
    assert settings.default_locale == "ru"
    assert settings.timezone == "Europe/Moscow"
    assert settings.log_format == "text"
    assert not settings.use_webhook
    assert settings.admin_ids == []
    assert settings.secret_values == []


def test_a_token_leaves_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", VALID_TOKEN)

    settings = load_settings()

    assert not settings.sandbox
    assert settings.token == VALID_TOKEN
    assert VALID_TOKEN in settings.secret_values
    assert VALID_TOKEN not in repr(settings), "SecretStr keeps the token out of reprs"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1, 2;3", [1, 2, 3]), ("42", [42]), ("", []), (" 7 ;; 8 ,", [7, 8])],
)
def test_admin_ids_accept_commas_and_semicolons(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: list[int]
) -> None:
    monkeypatch.setenv("ADMIN_IDS", raw)

    assert load_settings().admin_ids == expected


def test_dotenv_in_the_working_directory_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        f"BOT_TOKEN={VALID_TOKEN}\nHTTP_PORT=9090\nADMIN_IDS=5;6\nDEFAULT_LOCALE=en\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HTTP_PORT", "9191")

    settings = load_settings()

    assert settings.token == VALID_TOKEN
    assert settings.admin_ids == [5, 6]
    assert settings.default_locale == "en"
    assert settings.http_port == 9191, "the environment overrides .env"


def test_plain_http_is_fine_for_a_local_webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_BASE_URL", "http://127.0.0.1:8080/")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")

    settings = load_settings()

    assert settings.webhook_url == "http://127.0.0.1:8080/webhook/telegram"


# --- Bad values ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value", "secret", "extra"), BAD_VALUES, ids=BAD_IDS)
def test_a_bad_value_names_its_variable(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    value: str,
    secret: str | None,
    extra: dict[str, str],
) -> None:
    for key, extra_value in extra.items():
        monkeypatch.setenv(key, extra_value)
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError) as error:
        load_settings()

    message = str(error.value)
    assert name in message
    assert "\n" not in message
    if secret:
        assert secret not in message


def test_a_webhook_needs_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_BASE_URL", "https://shop.example.com")

    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        load_settings()


def test_every_bad_variable_is_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PORT", "abc")
    monkeypatch.setenv("TIMEZONE", "Mars/Base")

    with pytest.raises(SettingsError) as error:
        load_settings()

    assert "HTTP_PORT" in str(error.value)
    assert "TIMEZONE" in str(error.value)
    assert "\n" not in str(error.value)


# --- Through the command line -------------------------------------------------------------


def run_cli(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ...` in a clean environment: only PATH, PYTHONPATH and `env`."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT)}
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(("name", "value", "secret", "extra"), BAD_VALUES, ids=BAD_IDS)
def test_the_cli_stops_with_exit_code_2_and_one_line(
    tmp_path: Path, name: str, value: str, secret: str | None, extra: dict[str, str]
) -> None:
    assert not (tmp_path / ".env").exists()

    result = run_cli(tmp_path, {**extra, name: value}, "migrate")

    assert result.returncode == EXIT_CONFIG_ERROR == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert name in lines[0]
    assert result.stdout == ""
    if secret:
        assert secret not in result.stdout + result.stderr
    assert not (tmp_path / "data").exists(), "nothing may run on a bad configuration"


def test_the_cli_reports_several_bad_variables_on_one_line(tmp_path: Path) -> None:
    result = run_cli(
        tmp_path,
        {"HTTP_PORT": "abc", "WEBHOOK_SECRET": "bad secret!", "LOG_FORMAT": "xml"},
        "migrate",
    )

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert all(name in line for name in ("HTTP_PORT", "WEBHOOK_SECRET", "LOG_FORMAT"))
    assert "bad secret!" not in line


def test_the_cli_reads_dotenv_from_its_working_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TIMEZONE=Mars/Base\n", encoding="utf-8")

    result = run_cli(tmp_path, {}, "migrate")

    assert result.returncode == 2
    assert "TIMEZONE" in result.stderr


def test_the_cli_migrates_with_a_good_configuration(tmp_path: Path) -> None:
    database = tmp_path / "shop.sqlite3"

    result = run_cli(
        tmp_path, {"DATABASE_URL": f"sqlite://{database}", "BOT_TOKEN": VALID_TOKEN}, "migrate"
    )

    assert result.returncode == 0, result.stderr
    with sqlite3.connect(database) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"users", "products", "tortoise_migrations"} <= tables
    assert VALID_TOKEN not in result.stdout + result.stderr


# --- The personal-data operator (152-FZ) ----------------------------------------------------

REAL_OPERATOR = {
    "OPERATOR_LEGAL_NAME": "ООО «Прилавок»",
    "OPERATOR_INN": "7707083893",
    "OPERATOR_CONTACT": "privacy@prilavok.ru",
    "PRIVACY_POLICY_URL": "https://prilavok.ru/privacy",
}
WEBHOOK_ENV = {
    "BOT_TOKEN": VALID_TOKEN,
    "WEBHOOK_BASE_URL": "https://shop.example.com",
    "WEBHOOK_SECRET": "hook-secret-1",
}


def test_placeholders_are_listed_until_the_operator_is_filled_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().placeholder_operator_settings == list(REAL_OPERATOR)
    monkeypatch.setenv("OPERATOR_INN", REAL_OPERATOR["OPERATOR_INN"])
    assert "OPERATOR_INN" not in load_settings().placeholder_operator_settings
    for name, value in REAL_OPERATOR.items():
        monkeypatch.setenv(name, value)
    assert load_settings().placeholder_operator_settings == []


def test_webhook_mode_refuses_the_placeholder_operator(tmp_path: Path) -> None:
    result = run_cli(tmp_path, {**WEBHOOK_ENV, "OPERATOR_INN": "7707083893"}, "run")

    assert result.returncode == EXIT_CONFIG_ERROR
    [line] = result.stderr.splitlines()
    assert "OPERATOR_LEGAL_NAME, OPERATOR_CONTACT, PRIVACY_POLICY_URL" in line
    assert "OPERATOR_INN" not in line  # filled in
    assert "webhook" in line
    assert VALID_TOKEN not in line
    assert not (tmp_path / "data").exists(), "nothing may run without the operator's identity"


def test_polling_with_the_placeholder_operator_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.__main__ import _operator_identity_ready

    messages: list[str] = []
    sink = logger.add(messages.append, level="WARNING", format="{level} {message}")
    try:
        assert _operator_identity_ready(load_settings())
        monkeypatch.setenv("BOT_TOKEN", VALID_TOKEN)
        for name, value in REAL_OPERATOR.items():
            monkeypatch.setenv(name, value)
        assert _operator_identity_ready(load_settings())
    finally:
        logger.remove(sink)
    [warning] = messages
    assert warning.startswith("WARNING OPERATOR_LEGAL_NAME, OPERATOR_INN, OPERATOR_CONTACT")
