"""/promo: admins create, list and switch off promo codes.

`/promo` lists the codes; `/promo add CODE 10% min=500 from=2026-03-01 to=2026-03-31
limit=100 per_user=1 shop=3 first` creates one (or `CODE 300` for 300 roubles off);
`/promo off CODE` switches one off. The service reads and checks the description; a part it
cannot read is named in the answer.
"""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from core.config import Settings
from core.errors import DomainError
from core.i18n import gettext as _
from core.money import format_price
from core.problems import explain
from core.texts import local_time
from db.models import PromoCode, PromoKind, User
from services import promo

USAGE = (
    "/promo add CODE 10%|300 [min=500] [from=2026-03-01] [to=2026-03-31] [limit=100] "
    "[per_user=1] [shop=ID] [first]\n/promo off CODE"
)
"""The command's syntax (commands and keys are not translated)."""


def usage() -> str:
    """How to call /promo."""
    return (
        USAGE
        + "\n"
        + _(
            "A number with a percent sign is a percentage off, a plain number is roubles off; "
            "per_user is 1 unless given; first: first orders only; off switches a code off."
        )
    )


def describe(code: PromoCode, locale: str, timezone: str) -> str:
    """One line about a code: its discount, rules and uses."""
    if code.kind is PromoKind.percent:
        value = f"{code.value}%"
    else:
        value = format_price(code.value, code.currency or "RUB", locale)
    parts = [f"<code>{escape(code.code)}</code> −{value}"]
    if code.min_order:
        parts.append(
            _("from {amount}").format(
                amount=format_price(code.min_order, code.currency or "RUB", locale)
            )
        )
    if code.starts_at is not None:
        parts.append(_("starts {when}").format(when=local_time(code.starts_at, timezone)))
    if code.ends_at is not None:
        parts.append(_("ends {when}").format(when=local_time(code.ends_at, timezone)))
    if code.provider_id is not None:
        parts.append(_("shop {id}").format(id=code.provider_id))
    if code.first_order_only:
        parts.append(_("first order"))
    if code.per_user_limit is not None:
        parts.append(_("{count} per person").format(count=code.per_user_limit))
    limit = "∞" if code.total_limit is None else str(code.total_limit)
    parts.append(_("used {used}/{limit}").format(used=code.used, limit=limit))
    if not code.active:
        parts.append(_("off"))
    return " · ".join(parts)


async def promo_command(
    message: Message, command: CommandObject, user: User, settings: Settings, locale: str
) -> None:
    """List, create or switch off codes."""
    args = (command.args or "").strip()
    action, _sep, rest = args.partition(" ")
    try:
        if action.lower() == "add" and rest.strip():
            created = await promo.create(rest, timezone=settings.timezone, admin_id=user.id)
            text = _("Promo code created:") + "\n" + describe(created, locale, settings.timezone)
        elif action.lower() == "off" and rest.strip():
            disabled = await promo.disable(rest)
            text = (
                _("Promo code switched off:") + "\n" + describe(disabled, locale, settings.timezone)
            )
        elif not args:
            codes = await promo.list_codes()
            lines = [describe(code, locale, settings.timezone) for code in codes]
            text = "\n".join(
                [_("<b>Promo codes</b>"), *(lines or [_("No promo codes yet.")]), "", usage()]
            )
        else:
            text = usage()
    except DomainError as error:
        text = explain(error)
    await message.answer(text)


def create_router() -> Router:
    """/promo (the admin router's filter lets only admins in)."""
    router = Router(name=__name__)
    router.message.register(promo_command, Command("promo"))
    return router
