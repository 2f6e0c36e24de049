"""Settings read once at start-up from the environment and `.env`.

The variable names are a public contract (README, `.env.example`): they stay flat
(`BOT_TOKEN`, `DATABASE_URL`, ...) while the code groups them into sections.
"""

from __future__ import annotations

import ipaddress
import re
import zoneinfo
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import limits
from pydantic import (
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SANDBOX_BOT_TOKEN = "100000001:sandbox-token-not-a-secret"  # noqa: S105 - emulator only
"""Token of the local Bot API emulator's bot; only ever valid against the emulator."""

_SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_BOT_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
SUPPORTED_LOCALES = ("ru", "en")
DEFAULT_COMMISSION_PERCENT = Decimal(10)
"""The platform's share of each sale unless PLATFORM_COMMISSION_PERCENT or the provider's own
rate says otherwise (the one place this default is written)."""
YOOKASSA_NETWORKS = (
    "185.71.76.0/27",
    "185.71.77.0/27",
    "77.75.153.0/25",
    "77.75.156.11",
    "77.75.156.35",
    "77.75.154.128/25",
    "2a02:5180::/32",
)
"""Where YooKassa sends notifications from (its published list)."""


def _is_loopback(host: str | None) -> bool:
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _check_http_url(value: str, *, require_https: bool) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http(s) URL")
    if require_https and parts.scheme != "https" and not _is_loopback(parts.hostname):
        raise ValueError("must be an https URL (plain http is allowed only for localhost)")
    return value.rstrip("/")


OPERATOR_PLACEHOLDERS = {
    "operator_legal_name": "ИП Иванов Иван Иванович",
    "operator_inn": "000000000000",
    "operator_contact": "privacy@example.ru",
    "privacy_policy_url": "https://example.ru/privacy",
}
"""The personal-data operator's identity as shipped: fine to try the bot, never for real people."""

SANDBOX_PROVIDER_TOKEN = "sandbox:TEST"  # noqa: S105 - emulator only
"""Stands in for BotFather's payment provider token inside the sandbox."""


_REMINDER_OFFSET = re.compile(r"^(\d{1,4})([mhd])$")
_REMINDER_UNITS = {"m": 1, "h": 60, "d": 24 * 60}


def parse_reminder_offsets(value: str) -> list[int]:
    """Minutes before a lesson of each reminder, largest first: `24h,1h,2m` is [1440, 60, 2];
    a malformed item raises ValueError."""
    offsets: set[int] = set()
    for item in value.split(","):
        match = _REMINDER_OFFSET.match(item.strip().lower())
        if match is None or int(match.group(1)) == 0:
            raise ValueError("must be durations such as 24h,1h or 30m, comma-separated")
        offsets.add(int(match.group(1)) * _REMINDER_UNITS[match.group(2)])
    if len(offsets) > 5:
        raise ValueError("takes at most 5 reminders")
    return sorted(offsets, reverse=True)


class Settings(BaseSettings):
    """Every setting of the process; a wrong value stops start-up naming the variable."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
    )

    # Telegram
    bot_token: SecretStr | None = None
    telegram_api_url: str | None = None
    webhook_base_url: str | None = None
    webhook_secret: SecretStr | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)

    # Storage
    database_url: str = "sqlite://data/prilavok.sqlite3"
    redis_url: str | None = None
    database_pool_size: int = Field(default=10, ge=1, le=500)
    """PostgreSQL connections one process may open (asyncpg's pool `maxsize`)."""
    data_dir: str = "data"

    # HTTP server and Mini App
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)
    webapp_url: str | None = None
    init_data_max_age: int = Field(default=24 * 3600, ge=60)

    # Payments
    yookassa_shop_id: str | None = None
    yookassa_secret_key: SecretStr | None = None
    yookassa_api_url: str | None = None
    yookassa_timeout: float = Field(default=10.0, gt=0, le=120)
    """Seconds one YooKassa API call may take before it counts as failed."""
    yookassa_return_url: str | None = None
    yookassa_allowed_ips: Annotated[list[IPvAnyNetwork], NoDecode] = Field(
        default_factory=lambda: [ipaddress.ip_network(net) for net in YOOKASSA_NETWORKS]
    )
    trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = Field(default_factory=list)
    """Reverse proxies whose X-Forwarded-For is believed."""
    telegram_payments_provider_token: SecretStr | None = None
    """The payment provider token from BotFather (Telegram Payments in roubles)."""
    payments_support_contact: str = Field(default="payments@example.ru", min_length=3)
    """Who answers payment and refund questions (/paysupport): an e-mail, @username or phone."""
    platform_commission_percent: Decimal = Field(
        default=DEFAULT_COMMISSION_PERCENT, ge=0, le=100, decimal_places=2
    )

    # Shop
    order_payment_timeout: int = Field(default=30, ge=1, le=7 * 24 * 60)
    """Minutes an unpaid online order holds its stock before it is cancelled."""
    loyalty_earn_percent: Decimal = Field(default=Decimal(5), ge=0, le=100, decimal_places=2)
    """Points (1 point = 1 rouble) a completed order earns, percent of what its goods cost;
    a provider's own rate (LoyaltyRule) overrides it."""
    loyalty_points_days: int = Field(default=365, ge=1, le=3650)
    """Days earned points stay usable before they expire."""
    referral_points: int = Field(default=100, ge=0, le=100_000)
    """Points a person gets when someone they invited completes their first order."""
    referral_max_rewards: int = Field(default=20, ge=0, le=10_000)
    """Referral rewards one person may get at most."""
    loyalty_spend_cap_percent: int = Field(default=30, ge=0, le=99)
    """At most this percent of an order's goods (after a promo code) is paid with points."""

    # Tutoring
    lesson_reminders: str = "24h,1h"
    """How long before a lesson its reminders go out (`24h,1h`; `m` for minutes)."""
    # Support
    support_chat_id: int | None = None
    """The support group (a forum: one topic per ticket; else reply threads); unset: no tickets."""
    support_sla_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60)
    """Minutes a person's message may wait for an agent before the agents are reminded."""
    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    openai_model: str = "gpt-4o-mini"
    openai_timeout: float = Field(default=20.0, gt=0, le=120)

    # Behaviour
    default_locale: Literal["ru", "en"] = "ru"
    timezone: str = "Europe/Moscow"
    throttle_rate: str = "20/10seconds"
    broadcast_rate: float = Field(default=28.0, gt=0, le=1000)
    """Messages a second the bot sends in all (Telegram allows about 30 for free)."""
    broadcast_paid: bool = False
    """Broadcasts with `allow_paid_broadcast`: up to 1000 a second, paid in Stars."""
    quiet_hours: str = "22-9"
    """Local hours (start-end) when non-urgent messages wait; empty: no quiet hours."""
    log_level: Literal["TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    # Personal data (152-FZ): the operator's identity shown by /privacy
    operator_legal_name: str = OPERATOR_PLACEHOLDERS["operator_legal_name"]
    operator_inn: str = OPERATOR_PLACEHOLDERS["operator_inn"]
    operator_contact: str = OPERATOR_PLACEHOLDERS["operator_contact"]
    privacy_policy_url: str = OPERATOR_PLACEHOLDERS["privacy_policy_url"]
    privacy_policy_version: str = "1"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            items = [item.strip() for item in value.replace(";", ",").split(",")]
            return [item for item in items if item]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("yookassa_allowed_ips", "trusted_proxies", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.replace(";", ",").split(",") if item.strip()]
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("bot_token")
    @classmethod
    def _check_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _BOT_TOKEN_RE.match(value.get_secret_value()):
            raise ValueError("does not look like a token from @BotFather (digits:secret)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_TOKEN_RE.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("telegram_api_url", "yookassa_api_url", "openai_base_url")
    @classmethod
    def _check_api_url(cls, value: str | None) -> str | None:
        return None if not value else _check_http_url(value, require_https=False)

    @field_validator("webhook_base_url", "webapp_url", "yookassa_return_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        return None if not value else _check_http_url(value, require_https=True)

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        scheme = value.split("://", 1)[0]
        if "://" not in value or scheme not in ("sqlite", "postgres", "asyncpg", "psycopg"):
            raise ValueError("must start with sqlite:// or postgres://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value and urlsplit(value).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value or None

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError("is not a known IANA time zone such as Europe/Moscow") from None
        return value

    @field_validator("lesson_reminders")
    @classmethod
    def _check_lesson_reminders(cls, value: str) -> str:
        parse_reminder_offsets(value)
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _check_quiet_hours(cls, value: str) -> str:
        value = value.strip()
        if value in ("", "off"):
            return ""
        start, _, end = value.partition("-")
        if not (start.isdigit() and end.isdigit() and int(start) < 24 and int(end) < 24):
            raise ValueError("must be two hours such as 22-9 (from 22:00 to 09:00), or empty")
        return f"{int(start)}-{int(end)}"

    @field_validator("throttle_rate")
    @classmethod
    def _check_rate(cls, value: str) -> str:
        try:
            limits.parse(value)
        except ValueError:
            raise ValueError("must be a rate such as 8/5seconds or 20/minute") from None
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_base_url and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_BASE_URL is set")
        return self

    @model_validator(mode="after")
    def _yookassa_needs_both(self) -> Settings:
        if self.yookassa_shop_id and self.yookassa_secret_key is None:
            raise ValueError("YOOKASSA_SECRET_KEY is required when YOOKASSA_SHOP_ID is set")
        if self.yookassa_secret_key is not None and not self.yookassa_shop_id:
            raise ValueError("YOOKASSA_SHOP_ID is required when YOOKASSA_SECRET_KEY is set")
        return self

    # Derived values -------------------------------------------------------------------

    @property
    def sandbox(self) -> bool:
        """No real token: run the local Bot API emulator and the /sandbox chat page."""
        return self.bot_token is None

    @property
    def data_path(self) -> Path:
        """Where uploaded files, thumbnails and sandbox files live."""
        return Path(self.data_dir)

    @property
    def token(self) -> str:
        """The token the bot uses: the real one, or the emulator's in sandbox mode."""
        return self.bot_token.get_secret_value() if self.bot_token else SANDBOX_BOT_TOKEN

    @property
    def use_webhook(self) -> bool:
        """Webhook mode when a public base URL is configured, polling otherwise."""
        return self.webhook_base_url is not None

    @property
    def local_base_url(self) -> str:
        """Where this process's own HTTP server is reachable from this machine."""
        host = "127.0.0.1" if self.http_host in ("0.0.0.0", "::", "") else self.http_host  # noqa: S104
        return f"http://{host}:{self.http_port}"

    @property
    def public_base_url(self) -> str:
        """Base URL users' clients reach: the webhook base, or the local server."""
        return self.webhook_base_url or self.local_base_url

    @property
    def mini_app_url(self) -> str:
        """The Mini App's entry page URL."""
        return self.webapp_url or f"{self.public_base_url}/app"

    def mini_app_product_url(self, product_id: int) -> str:
        """A product's page in the Mini App (the page reads `product` from its query)."""
        url = self.mini_app_url
        return f"{url}{'&' if '?' in url else '?'}product={product_id}"

    def mini_app_order_url(self, order_id: int) -> str:
        """An order's page in the Mini App (the page reads `order` from its query)."""
        url = self.mini_app_url
        return f"{url}{'&' if '?' in url else '?'}order={order_id}"

    @property
    def mini_app_available(self) -> bool:
        """Telegram opens only https Mini Apps; the sandbox opens any."""
        return self.sandbox or self.mini_app_url.startswith("https://")

    @property
    def yookassa_enabled(self) -> bool:
        """YooKassa payments are configured."""
        return bool(self.yookassa_shop_id) and self.yookassa_secret_key is not None

    @property
    def support_drafts_enabled(self) -> bool:
        """Draft answers from an OpenAI-compatible endpoint: on when OPENAI_BASE_URL is set
        (OPENAI_API_KEY is sent when set; a local server may need none)."""
        return bool(self.openai_base_url)

    @property
    def telegram_payments_enabled(self) -> bool:
        """Telegram Payments (roubles, through BotFather's provider) are configured; the
        sandbox's emulated Telegram takes any token."""
        return self.telegram_payments_provider_token is not None or self.sandbox

    @property
    def telegram_provider_token(self) -> str:
        """The token for roubles invoices (the sandbox's stand-in when none is set)."""
        if self.telegram_payments_provider_token is not None:
            return self.telegram_payments_provider_token.get_secret_value()
        return SANDBOX_PROVIDER_TOKEN

    @property
    def payment_return_url(self) -> str:
        """Where YooKassa sends the customer back after paying."""
        return self.yookassa_return_url or self.public_base_url

    @property
    def placeholder_operator_settings(self) -> list[str]:
        """The operator's settings (152-FZ) still holding the shipped placeholders, by name."""
        return [
            name.upper()
            for name, placeholder in OPERATOR_PLACEHOLDERS.items()
            if getattr(self, name) == placeholder
        ]

    @property
    def webhook_url(self) -> str:
        """The URL Telegram posts updates to."""
        return f"{self.public_base_url}/webhook/telegram"

    @property
    def secret_values(self) -> list[str]:
        """Values that must never appear in logs."""
        secrets = [
            self.bot_token,
            self.webhook_secret,
            self.yookassa_secret_key,
            self.telegram_payments_provider_token,
            self.openai_api_key,
        ]
        values = [s.get_secret_value() for s in secrets if s is not None]
        values += _url_passwords(self.database_url, self.redis_url)
        return [v for v in values if v]

    @property
    def quiet_window(self) -> tuple[int, int] | None:
        """QUIET_HOURS as (start hour, end hour), or None when there are none."""
        if not self.quiet_hours:
            return None
        start, end = self.quiet_hours.split("-")
        return int(start), int(end)

    @cached_property
    def throttle(self) -> limits.RateLimitItem:
        """Per-user message rate."""
        return limits.parse(self.throttle_rate)


def _url_passwords(*urls: str | None) -> list[str]:
    return [urlsplit(url).password or "" for url in urls if url]


class SettingsError(Exception):
    """A configuration value is wrong; the message names the variable."""


def load_settings(**overrides: object) -> Settings:
    """Read and validate settings, raising SettingsError with one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            # loc is ("admin_ids", 0) for an item of a list: the variable is the first part.
            field = str(error["loc"][0]) if error["loc"] else "settings"
            name = field.upper()
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"{name}: {message}" if field != "settings" else message)
        raise SettingsError("; ".join(lines)) from None
