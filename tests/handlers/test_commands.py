"""Commands per duty: /help and Telegram's command menu list the same commands; the menu button
speaks the person's language; /paysupport has its own contact."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.types import BotCommandScopeChat, MenuButtonWebApp

from bot.runner import configure_bot
from db.models import Job, User
from handlers.commands import ChatSetup
from services import admin as admin_service
from services import users
from tests.handlers.conftest import Telegram
from tests.handlers.customer_data import make_shop

ADMIN_ID = 999  # ADMIN_IDS of the test settings
CUSTOMER_COMMANDS = {
    "start",
    "cart",
    "orders",
    "tutors",
    "lessons",
    "homework",
    "card",
    "language",
    "cancel",
    "privacy",
    "my_data",
    "delete_my_data",
    "terms",
    "paysupport",
    "help",
}


@pytest.fixture
def telegram_settings() -> dict[str, Any]:
    return {"payments_support_contact": "@tea_payments", "operator_contact": "dpo@tea.example"}


async def run_chat_setups(telegram: Telegram) -> None:
    """What the job runner would do with the waiting chat-setup jobs."""
    setup = ChatSetup(telegram.bot, telegram.services)
    for job in await Job.filter(kind="chat.setup").order_by("id"):
        await setup(job)


async def chat_commands(telegram: Telegram, tg_id: int) -> set[str]:
    listed = await telegram.bot.get_my_commands(scope=BotCommandScopeChat(chat_id=tg_id))
    return {command.command for command in listed}


async def test_a_customers_help_lists_every_customer_command(telegram: Telegram) -> None:
    anna = telegram.user()
    text = (await anna.send("/help"))[0].text or ""

    for command in CUSTOMER_COMMANDS:
        assert f"/{command} " in text, command
    assert "/admin" not in text and "/shop" not in text and "/refund" not in text


async def test_an_admins_help_adds_the_admin_commands(telegram: Telegram) -> None:
    boss = telegram.user(ADMIN_ID, first_name="Борис")
    text = (await boss.send("/help"))[0].text or ""

    assert "Администрирование" in text
    for command in ("/admin", "/refund", "/settlement", "/terms", "/paysupport"):
        assert command in text


async def test_paysupport_names_the_payment_contact_not_the_privacy_address(
    telegram: Telegram,
) -> None:
    text = (await telegram.user().send("/paysupport"))[0].text or ""

    assert "@tea_payments" in text
    assert "dpo@tea.example" not in text


async def test_the_command_menu_follows_duties(telegram: Telegram) -> None:
    anna = telegram.user()
    await anna.send("/start")
    seller = telegram.user(3003, first_name="Пётр")
    await seller.send("/start")
    shop = await make_shop()
    boss = await admin_service.user_by_tg_id(ADMIN_ID)
    await admin_service.set_owner(shop.id, await User.get(tg_id=seller.id), actor=boss)

    await configure_bot(telegram.bot, telegram.services)
    await run_chat_setups(telegram)

    default = {command.command for command in await telegram.bot.get_my_commands()}
    assert default == CUSTOMER_COMMANDS
    assert await chat_commands(telegram, anna.id) == set()  # the default scope serves her
    assert await chat_commands(telegram, seller.id) == CUSTOMER_COMMANDS | {"shop"}
    assert await chat_commands(telegram, ADMIN_ID) == CUSTOMER_COMMANDS | {
        "admin",
        "refund",
        "settlement",
        "stats",
        "users",
        "audit",
        "faq",
        "tickets",
        "broadcast",
        "promo",
    }
    help_text = (await seller.send("/help"))[0].text or ""
    assert "/shop" in help_text and "/admin" not in help_text


async def test_the_menu_button_speaks_the_persons_language(telegram: Telegram) -> None:
    await configure_bot(telegram.bot, telegram.services)
    anna = telegram.user()
    await anna.send("/start")
    john = telegram.user(2002, first_name="John", language_code="en")
    await john.send("/start")
    await run_chat_setups(telegram)

    default = await telegram.bot.get_chat_menu_button()
    assert isinstance(default, MenuButtonWebApp) and default.text == "Магазин"
    for tg_id, label in ((anna.id, "Магазин"), (john.id, "Shop")):
        button = await telegram.bot.get_chat_menu_button(chat_id=tg_id)
        assert isinstance(button, MenuButtonWebApp), tg_id
        assert button.text == label
        assert button.web_app.url == "https://bot.example.ru/app"


async def test_choosing_a_language_changes_the_menu_button_and_commands(
    telegram: Telegram,
) -> None:
    anna = telegram.user()
    await anna.send("/start")
    await users.set_locale(await User.get(tg_id=anna.id), "en")
    await run_chat_setups(telegram)

    button = await telegram.bot.get_chat_menu_button(chat_id=anna.id)
    assert isinstance(button, MenuButtonWebApp) and button.text == "Shop"
    listed = await telegram.bot.get_my_commands(scope=BotCommandScopeChat(chat_id=anna.id))
    assert {c.command for c in listed} == CUSTOMER_COMMANDS
    assert next(c for c in listed if c.command == "cart").description == "Your cart"


async def test_only_newcomers_the_defaults_do_not_cover_get_a_chat_setup_job(
    telegram: Telegram,
) -> None:
    """A Russian-speaking customer is served by the default commands and menu button: a crowd
    of them after a broadcast costs no job rows and no Bot API calls."""
    await telegram.user(4004, first_name="Анна", language_code="ru").send("/start")
    await telegram.user(4005, first_name="Ira", language_code="uk").send("/start")  # → ru
    assert await Job.filter(kind="chat.setup").count() == 0
    await telegram.user(2002, first_name="John", language_code="en").send("/start")
    await telegram.user(ADMIN_ID, first_name="Борис").send("/start")
    owners = {job.payload["user_id"] for job in await Job.filter(kind="chat.setup")}
    expected = {(await User.get(tg_id=tg_id)).id for tg_id in (2002, ADMIN_ID)}
    assert owners == expected
