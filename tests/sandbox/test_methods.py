"""Every emulated method answers what aiogram's result types accept."""

from __future__ import annotations

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramBadRequest, TelegramNotFound
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    MenuButtonWebApp,
    Message,
    ReplyParameters,
    WebAppInfo,
)

from sandbox import TelegramEmulator


@pytest.fixture
async def user(emulator: TelegramEmulator):
    user = emulator.user(1001, "Anna", "ru", username="anna")
    await user.send("/start", wait=False)
    return user


async def test_bot_settings(bot: Bot, user) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "prilavok_bot", True)
    assert await bot.set_my_commands(
        [BotCommand(command="start", description="Начать")], language_code="ru"
    )
    assert await bot.set_my_commands(
        [BotCommand(command="help", description="Help")], scope=BotCommandScopeAllPrivateChats()
    )
    assert [c.command for c in await bot.get_my_commands(language_code="ru")] == ["start"]
    assert [
        c.command for c in await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats())
    ] == ["help"]
    assert await bot.delete_my_commands(language_code="ru")
    assert await bot.get_my_commands(language_code="ru") == []

    assert await bot.set_my_description("Магазин чая", language_code="ru")
    assert await bot.set_my_short_description("Tea shop")
    assert (await bot.get_my_description(language_code="ru")).description == "Магазин чая"
    assert (await bot.get_my_short_description(language_code="en")).short_description == "Tea shop"
    assert (await bot.get_my_name()).name == "Prilavok"
    with pytest.raises(TelegramBadRequest, match="too long"):
        await bot.set_my_short_description("x" * 121)

    assert isinstance(await bot.get_chat_menu_button(), MenuButtonCommands)
    web_app = MenuButtonWebApp(text="Shop", web_app=WebAppInfo(url="https://shop.example/"))
    assert await bot.set_chat_menu_button(chat_id=user.id, menu_button=web_app)
    assert isinstance(await bot.get_chat_menu_button(chat_id=user.id), MenuButtonWebApp)
    with pytest.raises(TelegramBadRequest, match="Only HTTPS links are allowed"):
        await bot.set_chat_menu_button(
            menu_button=MenuButtonWebApp(
                text="Shop", web_app=WebAppInfo(url="http://shop.example/")
            )
        )


async def test_chats_and_members(bot: Bot, user, emulator: TelegramEmulator) -> None:
    chat = await bot.get_chat(user.id)
    assert isinstance(chat, ChatFullInfo) and chat.username == "anna" and chat.type == "private"
    member = await bot.get_chat_member(user.id, user.id)
    assert isinstance(member, ChatMemberMember) and member.user.first_name == "Anna"
    group = emulator.group(-100123, "Support", members=[user], username="prilavok_support")
    admin = await bot.get_chat_member("@prilavok_support", bot.id)
    assert isinstance(admin, ChatMemberAdministrator)
    with pytest.raises(TelegramBadRequest, match="user not found"):
        await bot.get_chat_member(group.chat_id, 4242)
    assert (await bot.get_chat(group.chat_id)).title == "Support"


async def test_message_methods(bot: Bot, user) -> None:
    first = await bot.send_message(user.id, "first", reply_parameters=ReplyParameters(message_id=1))
    assert first.reply_to_message is not None and first.reply_to_message.text == "/start"
    location = await bot.send_location(user.id, 55.75, 37.61)
    assert location.location is not None and location.location.latitude == 55.75
    contact = await bot.send_contact(user.id, "+70000000000", "Shop")
    assert contact.contact is not None
    forwarded = await bot.forward_message(user.id, user.id, first.message_id)
    assert forwarded.forward_origin is not None and forwarded.text == "first"
    copied = await bot.copy_message(user.id, user.id, first.message_id)
    assert user.messages[-1].text == "first"
    assert copied.message_id == user.messages[-1].message_id
    assert await bot.send_chat_action(user.id, "typing")
    assert await bot.pin_chat_message(user.id, first.message_id)
    assert user.messages[-1].pinned_message is not None
    assert await bot.unpin_chat_message(user.id)
    assert await bot.delete_messages(user.id, [location.message_id, contact.message_id, 999])
    assert location.message_id not in [m.message_id for m in user.messages]
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]]
    )
    edited = await bot.edit_message_reply_markup(
        chat_id=user.id, message_id=first.message_id, reply_markup=keyboard
    )
    assert isinstance(edited, Message) and edited.reply_markup is not None
    assert edited.reply_markup.inline_keyboard[0][0].callback_data == "a"
    with pytest.raises(TelegramBadRequest, match="not modified"):
        await bot.edit_message_reply_markup(
            chat_id=user.id, message_id=first.message_id, reply_markup=keyboard
        )
    with pytest.raises(TelegramBadRequest, match="there is no caption"):
        await bot.edit_message_caption(chat_id=user.id, message_id=first.message_id, caption="x")
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(user.id, "x", reply_parameters=ReplyParameters(message_id=999))


async def test_not_emulated_method_is_a_clear_404(bot: Bot, user) -> None:
    with pytest.raises(TelegramNotFound, match="sendPoll is not emulated"):
        await bot.send_poll(user.id, "Tea?", ["Yes", "No"])


async def test_group_chat(emulator: TelegramEmulator, bot: Bot, polling) -> None:
    anna = emulator.user(1, "Anna")
    stranger = emulator.user(2, "Boris")
    support = emulator.group(-1001, "Support", members=[anna])
    dp = Dispatcher()

    @dp.message(F.chat.type == "supergroup")
    async def in_group(message: Message) -> None:
        assert message.from_user is not None
        await message.reply(f"ticket from {message.from_user.first_name}")

    async with polling(dp, bot):
        replies = await anna.in_group(support).send("help please")
        with pytest.raises(AssertionError, match="not a member"):
            await stranger.in_group(support).send("let me in")
    assert [m.text for m in replies] == ["ticket from Anna"]
    assert support.last_message is not None
    assert support.last_message.reply_to_message is not None
    assert [m.text for m in support.messages] == ["help please", "ticket from Anna"]
    with pytest.raises(TelegramBadRequest, match="BUTTON_TYPE_INVALID"):
        await bot.send_message(
            support.chat_id,
            "x",
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(
                            text="App", web_app=WebAppInfo(url="https://shop.example/")
                        )
                    ]
                ]
            ),
        )
