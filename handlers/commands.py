"""The bot's commands per duty: one list feeds /help and Telegram's command menu, which is set
per chat (with the menu button) in the person's language."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BotCommand, BotCommandScopeChat, MenuButtonWebApp, WebAppInfo

from core.config import Settings
from core.i18n import LazyProxy, pick_locale
from core.i18n import gettext as _
from core.i18n import lazy_gettext as __
from db.models import Job, User
from services import users
from services.container import Services
from services.users import Duties

Command = tuple[str, LazyProxy]


def customer_commands() -> list[Command]:
    """What everyone can do (Telegram's default command scope)."""
    return [
        ("start", __("Main menu")),
        ("cart", __("Your cart")),
        ("orders", __("Your orders")),
        ("tutors", __("Find a tutor and book a lesson")),
        ("lessons", __("Your lessons: upcoming and past")),
        ("homework", __("Your homework and grades")),
        ("card", __("Your member card and points")),
        ("language", __("Change the language")),
        ("cancel", __("Stop the current action")),
        ("privacy", __("Personal data, consent and the policy")),
        ("my_data", __("Download everything we store about you")),
        ("delete_my_data", __("Erase your personal data")),
        ("terms", __("Terms of sale and refunds")),
        ("paysupport", __("Help with a payment or a refund")),
        ("help", __("What the bot can do")),
    ]


def seller_commands(duties: Duties | None = None) -> list[Command]:
    """A seller's extra commands (their own chat scope); a tutor's tutoring ones too."""
    commands: list[Command] = [("shop", __("Your shop: products, orders, balance and payouts"))]
    if duties is not None and duties.tutor:
        commands += [
            ("tutor", __("Tutoring: lessons, hours, students")),
            ("tutor_homework", __("Homework and materials for your students")),
        ]
    return commands


def admin_commands() -> list[Command]:
    """An admin's extra commands (their own chat scope)."""
    return [
        ("admin", __("Administration: shops, moderation, orders, payouts")),
        ("refund", __("Refund an order: /refund ORDER [amount] [reason]")),
        ("settlement", __("A shop's settlement report: /settlement SHOP FROM TO")),
        ("stats", __("Statistics: sales, conversion, funnel by source, chart")),
        ("users", __("Find people, change roles, ban: /users ID, @username or phone")),
        ("audit", __("The audit log of admin actions")),
        ("faq", __("Questions and answers offered before a support ticket")),
        ("tickets", __("Support tickets that are not closed")),
        ("broadcast", __("Send a message to a segment of customers")),
        ("promo", __("Promo codes: list, /promo add …, /promo off CODE")),
    ]


def commands_for(duties: Duties) -> list[Command]:
    """Every command this person may use, customers' first."""
    commands = customer_commands()
    if duties.seller:
        commands += seller_commands(duties)
    if duties.admin:
        commands += admin_commands()
    return commands


def help_text(duties: Duties) -> str:
    """The /help text: every command this person may use, with what it does."""
    lines = [_("<b>What I can do</b>"), ""]
    lines += [f"/{name} — {text}" for name, text in customer_commands()]
    lines.append(_("Any other text — search the catalog"))
    if duties.seller:
        lines += ["", _("<b>Selling</b>")]
        lines += [f"/{name} — {text}" for name, text in seller_commands(duties)]
    if duties.admin:
        lines += ["", _("<b>Administration</b>")]
        lines += [f"/{name} — {text}" for name, text in admin_commands()]
    return "\n".join(lines)


def bot_commands(commands: list[Command]) -> list[BotCommand]:
    """Telegram's command objects, described in the current locale."""
    return [BotCommand(command=name, description=str(text)) for name, text in commands]


def menu_button(settings: Settings) -> MenuButtonWebApp:
    """The Mini App button beside the message field, labelled in the current locale."""
    return MenuButtonWebApp(text=_("Shop"), web_app=WebAppInfo(url=settings.mini_app_url))


async def set_up_chat(bot: Bot, user: User, services: Services) -> None:
    """The person's own command menu and menu button, in their language.

    Customers who never chose a language see the default scope (Telegram picks it by their app's
    language); staff and people who chose a language get commands of their own chat.
    """
    settings, i18n = services.settings, services.i18n
    if user.tg_id is None or user.is_anonymized or user.bot_blocked:
        return
    locale = pick_locale(user.locale, user.language_code, default=settings.default_locale)
    duties = await users.duties_of(user, settings.admin_ids)
    scope = BotCommandScopeChat(chat_id=user.tg_id)
    with i18n.context(), i18n.use_locale(locale):
        commands = bot_commands(commands_for(duties))
        button = menu_button(settings) if settings.mini_app_available else None
    try:
        if duties.staff or user.locale is not None:
            await bot.set_my_commands(commands, scope=scope)
        else:
            await bot.delete_my_commands(scope=scope)
        if button is not None:
            await bot.set_chat_menu_button(chat_id=user.tg_id, menu_button=button)
    except (TelegramForbiddenError, TelegramBadRequest) as exc:
        # A chat that is gone or blocked the bot: nothing to set, retrying cannot help.
        if isinstance(exc, TelegramForbiddenError) or "chat not found" in exc.message.lower():
            return
        raise


class ChatSetup:
    """The job that sets a person's commands and menu button after their language or duties
    changed."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self._bot = bot
        self._services = services

    async def __call__(self, job: Job) -> None:
        """The job's handler."""
        user = await User.get_or_none(id=int(job.payload["user_id"]))
        if user is not None:
            await set_up_chat(self._bot, user, self._services)
