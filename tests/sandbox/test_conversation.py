"""A real aiogram bot, polling the emulator, talked to by a test user."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    WebAppInfo,
)

from sandbox import TelegramEmulator


def language_router() -> Router:
    router = Router(name="language")

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Русский", callback_data="lang:ru"),
                    InlineKeyboardButton(text="English", callback_data="lang:en"),
                ],
                [InlineKeyboardButton(text="Site", url="https://example.com")],
            ]
        )
        await message.answer("<b>Choose</b> a language", reply_markup=keyboard)

    @router.callback_query(F.data.startswith("lang:"))
    async def chosen(callback: CallbackQuery) -> None:
        assert isinstance(callback.message, Message)
        await callback.answer("Saved", show_alert=True)
        await callback.message.edit_text(f"Language: {(callback.data or '').removeprefix('lang:')}")
        menu = ReplyKeyboardMarkup(
            keyboard=[
                [
                    KeyboardButton(text="📦 Каталог"),
                    KeyboardButton(text="📞 Phone", request_contact=True),
                ],
            ],
            resize_keyboard=True,
        )
        await callback.message.answer("Menu below", reply_markup=menu)

    @router.message(F.text == "📦 Каталог")
    async def catalog(message: Message) -> None:
        await message.answer("Catalog is empty", reply_markup=ReplyKeyboardRemove())

    @router.message(F.contact)
    async def contact(message: Message) -> None:
        assert message.contact is not None
        await message.answer(f"Phone {message.contact.phone_number}")

    @router.message(Command("slow"))
    async def slow(message: Message) -> None:
        await message.answer("one")
        await asyncio.sleep(0.05)
        await message.answer("two")
        await asyncio.sleep(0.05)
        await message.answer("three")

    return router


@pytest.fixture
def dispatcher() -> Dispatcher:
    dp = Dispatcher()
    dp.include_router(language_router())
    return dp


async def test_start_click_press_share(
    emulator: TelegramEmulator, bot: Bot, dispatcher: Dispatcher, polling
) -> None:
    anna = emulator.user(user_id=1001, first_name="Anna", language_code="ru")
    async with polling(dispatcher, bot):
        replies = await anna.send("/start")
        assert [m.text for m in replies] == ["Choose a language"]
        assert replies[0].entities is not None and replies[0].entities[0].type == "bold"

        replies = await anna.click("Русский")
        assert [m.text for m in replies] == ["Language: ru", "Menu below"]
        assert anna.callback_answers[-1].text == "Saved"
        assert anna.callback_answers[-1].show_alert is True
        # the edit without reply_markup removed the inline keyboard
        assert anna.messages[1].reply_markup is None

        assert [m.text for m in await anna.press("📦 Каталог")] == ["Catalog is empty"]
        assert anna.reply_keyboard == []  # ReplyKeyboardRemove took it away

    assert [m.text for m in anna.messages] == [
        "/start",
        "Language: ru",
        "Menu below",
        "📦 Каталог",
        "Catalog is empty",
    ]
    assert anna.last_message is not None and anna.last_message.text == "Catalog is empty"


async def test_request_contact_button_shares_contact(
    emulator: TelegramEmulator, bot: Bot, dispatcher: Dispatcher, polling
) -> None:
    user = emulator.user(user_id=7, first_name="Ivan")
    async with polling(dispatcher, bot):
        await user.send("/start")
        await user.click("English")
        replies = await user.press("📞 Phone")
    contact = user.messages[-2].contact
    assert contact is not None and contact.user_id == 7
    assert [m.text for m in replies] == [f"Phone {contact.phone_number}"]


async def test_settling_waits_for_every_reply(
    emulator: TelegramEmulator, bot: Bot, dispatcher: Dispatcher, polling
) -> None:
    user = emulator.user(user_id=8, first_name="Olga")
    async with polling(dispatcher, bot):
        replies = await user.send("/slow")
    assert [m.text for m in replies] == ["one", "two", "three"]


async def test_click_reports_missing_and_link_buttons(
    emulator: TelegramEmulator, bot: Bot, dispatcher: Dispatcher, polling
) -> None:
    user = emulator.user(user_id=9, first_name="Petr")
    async with polling(dispatcher, bot):
        await user.send("/start")
        with pytest.raises(AssertionError, match=r"'Deutsch'.*\['Русский', 'English', 'Site'\]"):
            await user.click("Deutsch")
        with pytest.raises(AssertionError, match=r"opens https://example\.com"):
            await user.click("Site")
        with pytest.raises(AssertionError, match="no reply keyboard"):
            await user.press("📦 Каталог")
    assert user.find_button("Site").url == "https://example.com"


async def test_web_app_button_gives_a_signed_launch_url(
    emulator: TelegramEmulator, bot: Bot
) -> None:
    user = emulator.user(user_id=10, first_name="Vera")
    await user.send("hi", wait=False)
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text="Shop", web_app=WebAppInfo(url="https://shop.example/app")
                ),
            ]
        ]
    )
    await bot.send_message(10, "Open the shop", reply_markup=keyboard)
    url = user.web_app_url("Shop")
    assert url.startswith("https://shop.example/app#tgWebAppData=")
    assert "tgWebAppVersion=8.0" in url and "tgWebAppPlatform=web" in url
    with pytest.raises(AssertionError, match="opens the Mini App"):
        await user.click("Shop")


async def test_a_stale_button_can_still_be_pressed(
    emulator: TelegramEmulator, bot: Bot, dispatcher: Dispatcher, polling
) -> None:
    user = emulator.user(user_id=11, first_name="Lev")
    async with polling(dispatcher, bot):
        [choice] = await user.send("/start")
        await user.click("English")  # the bot edits the keyboard away
        assert user.find_button("Русский", message=choice).callback_data == "lang:ru"
        replies = await user.click("Русский", message=choice)  # an old client view
    assert [m.text for m in replies] == ["Language: ru", "Menu below"]
    with pytest.raises(AssertionError, match="buttons: \\[\\]"):
        user.find_button("Русский", message=choice.message_id)


async def test_someone_elses_contact_and_update_log(
    emulator: TelegramEmulator, bot: Bot, dispatcher: Dispatcher, polling
) -> None:
    user = emulator.user(user_id=12, first_name="Mila")
    async with polling(dispatcher, bot):
        await user.share_contact(phone="+70000000001", user_id=5555, first_name="Friend")
    contact = user.messages[0].contact
    assert contact is not None and (contact.user_id, contact.first_name) == (5555, "Friend")
    assert user.profile.phone_number is None  # the user's own number was not shared
    updates = emulator.updates()
    assert [u.message.contact.user_id for u in updates if u.message and u.message.contact] == [5555]
