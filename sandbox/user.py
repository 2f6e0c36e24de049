"""Test users: send messages, click buttons, share contacts and pay, like a person would.

Every action that reaches the bot returns once the bot has finished handling it ("settled"),
with the bot messages that appeared or changed in the chat meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiogram.types import InlineKeyboardButton, KeyboardButton, Message

from sandbox.checkout import PaymentResult, pay_invoice
from sandbox.common import JsonDict, clone, random_id, random_int_id
from sandbox.entities import FormattedText, add_auto_entities
from sandbox.initdata import launch_url, sign_init_data
from sandbox.state import (
    BotState,
    CallbackAnswer,
    ChatState,
    PendingQuery,
    UpdateRecord,
    UserProfile,
)

if TYPE_CHECKING:
    from sandbox.emulator import TelegramEmulator

DEFAULT_LOCATION = (55.7558, 37.6173)


class MessageViews:
    """Stored messages as aiogram `Message`s: the same object while a message is unchanged."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, int], tuple[JsonDict, Message]] = {}

    def __call__(self, data: JsonDict) -> Message:
        key = (int(data["chat"]["id"]), int(data["message_id"]))
        cached = self._cache.get(key)
        if cached is not None and cached[0] == data:
            return cached[1]
        message = Message.model_validate(clone(data))
        self._cache[key] = (clone(data), message)
        return message


class ChatSession:
    """A test user acting in one chat with one bot."""

    def __init__(
        self, emulator: TelegramEmulator, bot: BotState, profile: UserProfile, chat_id: int
    ) -> None:
        self.emulator = emulator
        self.bot = bot
        self.profile = profile
        self.chat_id = chat_id
        self._view = MessageViews()

    # --- what the user sees ----------------------------------------------------------------

    @property
    def chat(self) -> ChatState | None:
        """The chat's state, once it exists."""
        return self.bot.chats.get(self.chat_id)

    @property
    def messages(self) -> list[Message]:
        """The chat history as the user sees it: edits applied, deleted messages gone."""
        chat = self.chat
        return [self._view(data) for data in chat.messages.values()] if chat else []

    @property
    def last_message(self) -> Message | None:
        """The latest message from the bot."""
        return next((m for m in reversed(self.messages) if self._from_bot(m)), None)

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """The bot's answers to this user's button presses, oldest first."""
        return list(self.bot.callback_answers.get(self.profile.id, []))

    @property
    def reply_keyboard(self) -> list[list[KeyboardButton]]:
        """The rows of the reply keyboard shown under the input field (empty if none)."""
        chat = self.chat
        if chat is None or chat.reply_keyboard is None:
            return []
        rows = chat.reply_keyboard["keyboard"]
        return [[KeyboardButton.model_validate(button) for button in row] for row in rows]

    # --- sending ---------------------------------------------------------------------------

    async def send(
        self,
        text: str,
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
        wait: bool = True,
    ) -> list[Message]:
        """Send a text (commands included), in a forum topic with `thread_id`; returns the
        bot's new or edited messages."""
        formatted = add_auto_entities(FormattedText(text))
        content: JsonDict = {"text": formatted.text}
        if formatted.entities:
            content["entities"] = formatted.entities
        if reply_to is not None:
            replied = self._open_chat().messages.get(reply_to)
            if replied is None:
                raise AssertionError(f"message {reply_to} is not in the chat")
            content["reply_to_message"] = replied
        return await self.send_content(content | self._topic(thread_id), wait)

    async def send_photo(
        self,
        data: bytes,
        caption: str | None = None,
        *,
        thread_id: int | None = None,
        wait: bool = True,
    ) -> list[Message]:
        """Send a photo (bytes Pillow cannot read get placeholder sizes)."""
        sizes = await self.emulator.files.save_photo(data, strict=False)
        content: JsonDict = {"photo": [size.as_photo_size() for size in sizes]}
        return await self.send_content(
            content | self._caption(caption) | self._topic(thread_id), wait
        )

    async def send_document(
        self,
        data: bytes,
        filename: str,
        caption: str | None = None,
        *,
        mime_type: str | None = None,
        thread_id: int | None = None,
        wait: bool = True,
    ) -> list[Message]:
        """Send a file as a document."""
        stored = await self.emulator.files.save(data, "document", filename, mime_type)
        content: JsonDict = {"document": stored.as_document()}
        return await self.send_content(
            content | self._caption(caption) | self._topic(thread_id), wait
        )

    async def send_location(
        self, latitude: float, longitude: float, *, wait: bool = True
    ) -> list[Message]:
        """Send a location."""
        location = {"latitude": latitude, "longitude": longitude}
        return await self.send_content({"location": location}, wait)

    async def share_contact(
        self,
        phone: str | None = None,
        *,
        user_id: int | None = None,
        first_name: str | None = None,
        wait: bool = True,
    ) -> list[Message]:
        """Share the user's own contact (as request_contact does), or someone else's."""
        if user_id is not None and user_id != self.profile.id:
            contact: JsonDict = {
                "phone_number": phone or f"+7999{user_id % 10_000_000:07d}",
                "first_name": first_name or "Contact",
                "user_id": user_id,
            }
            return await self.send_content({"contact": contact}, wait)
        if phone is not None:
            self.profile.phone_number = phone
        if self.profile.phone_number is None:
            self.profile.phone_number = f"+7999{self.profile.id % 10_000_000:07d}"
        contact = {
            "phone_number": self.profile.phone_number,
            "first_name": first_name or self.profile.first_name,
            "user_id": self.profile.id,
        }
        if self.profile.last_name:
            contact["last_name"] = self.profile.last_name
        return await self.send_content({"contact": contact}, wait)

    async def send_web_app_data(
        self, button_text: str, data: str, *, wait: bool = True
    ) -> list[Message]:
        """What Telegram.WebApp.sendData() sends from a Mini App opened by a reply button."""
        button = self._reply_button(button_text)
        if button.web_app is None:
            raise AssertionError(f"reply button {button_text!r} does not open a Mini App")
        web_app_data = {"data": data, "button_text": button_text}
        return await self.send_content({"web_app_data": web_app_data}, wait)

    # --- buttons ---------------------------------------------------------------------------

    def find_button(self, label: str, message: Message | int | None = None) -> InlineKeyboardButton:
        """The inline button with this label in `message` (default: the latest keyboard)."""
        return InlineKeyboardButton.model_validate(self._inline_button(label, message)[1])

    async def click(
        self, label: str, message: Message | int | None = None, *, wait: bool = True
    ) -> list[Message]:
        """Press an inline button by its label; a callback button reaches the bot."""
        data, button = self._inline_button(label, message)
        if "callback_data" in button:
            chat = self._open_chat()
            query_id = random_int_id()
            self.bot.callback_queries[query_id] = PendingQuery(
                query_id,
                self.profile.id,
                chat.id,
                self.emulator.clock(),
                message_id=data["message_id"],
            )
            query = {
                "id": query_id,
                "from": self.profile.as_user(),
                "message": clone(data),
                "chat_instance": str(abs(hash((self.bot.id, chat.id)))),
                "data": button["callback_data"],
            }
            return await self._submit({"callback_query": query}, wait)
        if button.get("pay"):
            return (await self.pay(data["message_id"])).messages
        if "copy_text" in button:
            return []  # the client copies the text; the bot is not told
        if "url" in button:
            raise AssertionError(f"button {label!r} opens {button['url']}; nothing reaches the bot")
        if "web_app" in button:
            raise AssertionError(
                f"button {label!r} opens the Mini App {button['web_app']['url']}; "
                f"use web_app_url({label!r}) to get its launch URL"
            )
        raise AssertionError(f"button {label!r} ({button}) is not emulated")

    async def press(self, label: str, *, wait: bool = True) -> list[Message]:
        """Press a reply-keyboard button: sends its text, or the contact / location it asks."""
        button = self._reply_button(label)
        if button.request_contact:
            return await self.share_contact(wait=wait)
        if button.request_location:
            return await self.send_location(*DEFAULT_LOCATION, wait=wait)
        if button.web_app is not None:
            raise AssertionError(
                f"button {label!r} opens the Mini App {button.web_app.url}; "
                f"use web_app_url({label!r}) to get its launch URL"
            )
        if button.request_users or button.request_chat or button.request_poll:
            raise AssertionError(f"reply button {label!r} is not emulated")
        return await self.send(button.text, wait=wait)

    # --- Mini Apps and payments --------------------------------------------------------------

    def web_app_url(
        self,
        label: str | None = None,
        *,
        message: Message | int | None = None,
        theme: dict[str, str] | None = None,
    ) -> str:
        """The URL a Telegram client opens for a web_app button (or the menu button if no label)."""
        chat = self._open_chat()
        query_id: str | None = random_id(12)
        if label is None:
            menu = chat.menu_button or self.bot.default_menu_button
            if menu.get("type") != "web_app":
                raise AssertionError(f"the chat menu button does not open a Mini App: {menu}")
            url = menu["web_app"]["url"]
        elif any(label == b.text for row in self.reply_keyboard for b in row):
            button = self._reply_button(label)
            if button.web_app is None:
                raise AssertionError(f"reply button {label!r} does not open a Mini App")
            url, query_id = button.web_app.url, None  # reply-button apps answer with sendData
        else:
            inline = self._inline_button(label, message)[1]
            if "web_app" not in inline:
                raise AssertionError(f"button {label!r} does not open a Mini App: {inline}")
            url = inline["web_app"]["url"]
        if query_id is not None:
            self.bot.web_app_queries[query_id] = PendingQuery(
                query_id, self.profile.id, chat.id, self.emulator.clock()
            )
        init_data = sign_init_data(self.bot.token, self.profile.as_user(), query_id=query_id)
        return launch_url(url, init_data, theme)

    async def pay(
        self,
        invoice: Message | int | str,
        *,
        tip_amount: int = 0,
        order_info: JsonDict | None = None,
        meanwhile: Callable[[], Awaitable[object]] | None = None,
    ) -> PaymentResult:
        """Pay an invoice (message, message id or invoice link) through the pre-checkout step.

        `meanwhile` runs after the bot approved the pre-checkout query and before
        successful_payment arrives, as a real payment leaves time for (the order cancelled
        while the customer confirms in Telegram's form).
        """
        return await pay_invoice(
            self, invoice, tip_amount=tip_amount, order_info=order_info, meanwhile=meanwhile
        )

    def in_chat(self, chat_id: int) -> ChatSession:
        """The same user acting in another chat of the same bot."""
        return ChatSession(self.emulator, self.bot, self.profile, chat_id)

    async def send_content(self, content: JsonDict, wait: bool = True) -> list[Message]:
        """Post a message with this content (any Message fields) from the user to the bot."""
        chat = self._open_chat()
        seq = chat.seq
        message = chat.post(self.profile.as_user(), content, int(time.time()))
        record = self.emulator.submit(self.bot, {"message": message})
        return await self._settled([record], chat, seq, wait)

    # --- internals -------------------------------------------------------------------------

    def _open_chat(self) -> ChatState:
        chat = self.chat
        if chat is None:
            raise AssertionError(f"chat {self.chat_id} does not exist")
        if self.profile.id not in chat.member_ids:
            raise AssertionError(f"{self.profile.first_name} is not a member of chat {chat.id}")
        return chat

    async def _submit(self, payload: JsonDict, wait: bool) -> list[Message]:
        chat = self._open_chat()
        seq = chat.seq
        record = self.emulator.submit(self.bot, payload)
        return await self._settled([record], chat, seq, wait)

    async def _settled(
        self, records: list[UpdateRecord], chat: ChatState, seq: int, wait: bool
    ) -> list[Message]:
        if not wait:
            return []
        await self.emulator.delivery.settle(self.bot, records)
        changed: dict[int, None] = {}
        for event in chat.events_after(seq):
            if event.kind in ("message", "edit") and event.data["from"]["id"] == self.bot.id:
                changed[event.data["message_id"]] = None
        return [self._view(chat.messages[mid]) for mid in changed if mid in chat.messages]

    def _from_bot(self, message: Message) -> bool:
        return message.from_user is not None and message.from_user.id == self.bot.id

    def _topic(self, thread_id: int | None) -> JsonDict:
        if thread_id is None:
            return {}
        chat = self._open_chat()
        if thread_id not in chat.topics:
            raise AssertionError(f"chat {chat.id} has no topic {thread_id}")
        return chat.thread(thread_id)

    def _caption(self, caption: str | None) -> JsonDict:
        if not caption:
            return {}
        formatted = add_auto_entities(FormattedText(caption))
        content: JsonDict = {"caption": formatted.text}
        if formatted.entities:
            content["caption_entities"] = formatted.entities
        return content

    def _inline_button(
        self, label: str, message: Message | int | None
    ) -> tuple[JsonDict, JsonDict]:
        chat = self._open_chat()
        if message is None:
            candidates = [
                m
                for m in chat.messages.values()
                if m["from"]["id"] == self.bot.id and "reply_markup" in m
            ]
            if not candidates:
                raise AssertionError("no bot message with an inline keyboard in this chat")
            data = candidates[-1]
        else:
            message_id = message if isinstance(message, int) else message.message_id
            if message_id not in chat.messages:
                raise AssertionError(f"message {message_id} is not in the chat (deleted?)")
            data = chat.messages[message_id]
        # A Message snapshot keeps the keyboard the user saw: a client can still press a
        # button the bot has since edited away, and Telegram passes that press on.
        markup: JsonDict = data.get("reply_markup", {})
        if isinstance(message, Message) and message.reply_markup is not None:
            markup = message.reply_markup.model_dump(mode="json", exclude_none=True)
        rows = markup.get("inline_keyboard", [])
        buttons = [button for row in rows for button in row]
        for button in buttons:
            if button["text"] == label:
                return data, button
        labels = [button["text"] for button in buttons]
        raise AssertionError(
            f"no inline button {label!r} in message {data['message_id']}; buttons: {labels}"
        )

    def _reply_button(self, label: str) -> KeyboardButton:
        rows = self.reply_keyboard
        if not rows:
            raise AssertionError("no reply keyboard is shown in this chat")
        for row in rows:
            for button in row:
                if button.text == label:
                    return button
        labels = [button.text for row in rows for button in row]
        raise AssertionError(f"no reply keyboard button {label!r}; buttons: {labels}")


class SandboxUser(ChatSession):
    """A test user in their private chat with a bot (see `ChatSession` for the actions)."""

    def __init__(self, emulator: TelegramEmulator, bot: BotState, profile: UserProfile) -> None:
        super().__init__(emulator, bot, profile, profile.id)

    @property
    def id(self) -> int:
        """The user's id (also their private chat's id)."""
        return self.profile.id

    def in_group(self, group: SandboxGroup) -> ChatSession:
        """The same user acting in a group chat."""
        return self.in_chat(group.chat_id)

    def block(self) -> None:
        """Block the bot: its sends to this chat fail with 403; the bot gets my_chat_member."""
        self._set_blocked(True)

    def unblock(self) -> None:
        """Unblock (restart) the bot."""
        self._set_blocked(False)

    def _open_chat(self) -> ChatState:
        chat = self.emulator.private_chat(self.bot, self.profile)
        if chat.blocked:
            raise AssertionError(f"{self.profile.first_name} blocked the bot: unblock() first")
        return chat

    def _set_blocked(self, blocked: bool) -> None:
        chat = self.emulator.private_chat(self.bot, self.profile)
        if chat.blocked == blocked:
            return
        chat.blocked = blocked
        statuses = [
            {"status": "member", "user": self.bot.user},
            {"status": "kicked", "user": self.bot.user, "until_date": 0},
        ]
        old, new = statuses if blocked else statuses[::-1]
        update = {
            "chat": chat.chat,
            "from": self.profile.as_user(),
            "date": int(time.time()),
            "old_chat_member": old,
            "new_chat_member": new,
        }
        self.emulator.submit(self.bot, {"my_chat_member": update})
        chat.record("blocked", {"blocked": blocked})


class SandboxGroup:
    """A group chat created with `emulator.group(...)`."""

    def __init__(self, emulator: TelegramEmulator, bot: BotState, chat_id: int) -> None:
        self.emulator = emulator
        self.bot = bot
        self.chat_id = chat_id
        self._view = MessageViews()

    @property
    def chat(self) -> ChatState:
        """The group's state."""
        return self.bot.chats[self.chat_id]

    @property
    def messages(self) -> list[Message]:
        """The group's history."""
        return [self._view(data) for data in self.chat.messages.values()]

    @property
    def last_message(self) -> Message | None:
        """The latest message from the bot in the group."""
        for data in reversed(list(self.chat.messages.values())):
            if data["from"]["id"] == self.bot.id:
                return self._view(data)
        return None

    @property
    def topics(self) -> dict[int, str]:
        """The forum's topics by message_thread_id."""
        return dict(self.chat.topics)

    def in_topic(self, thread_id: int) -> list[Message]:
        """The messages of one forum topic, oldest first."""
        return [m for m in self.messages if m.message_thread_id == thread_id]

    def add_member(self, user: SandboxUser) -> None:
        """Let one more user into the group."""
        self.chat.member_ids.add(user.profile.id)
