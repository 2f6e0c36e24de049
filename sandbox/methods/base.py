"""What every Bot API method handler gets: the bot, the request's files and helpers."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiogram.types import InputFile

from sandbox.common import JsonDict
from sandbox.errors import CHAT_NOT_FOUND, bad_request, forbidden
from sandbox.files import StoredFile
from sandbox.params import Upload
from sandbox.state import BotState, ChatState

if TYPE_CHECKING:
    from sandbox.emulator import TelegramEmulator

Handler = Callable[["CallContext", Any], Awaitable[Any]]


@dataclass(frozen=True)
class MethodSpec:
    """How the emulator runs one Bot API method."""

    handler: Handler
    # Sending methods count against flood limits; edits, answers and reads do not.
    sends: bool = False


MethodTable = Mapping[str, MethodSpec]


@dataclass
class CallContext:
    """One Bot API call in progress."""

    emulator: TelegramEmulator
    bot: BotState
    uploads: dict[str, Upload]
    spec: MethodSpec

    @staticmethod
    def now() -> int:
        """Unix time, for message dates."""
        return int(time.time())

    def chat(self, chat_id: int | str) -> ChatState:
        """A chat the bot can see, or "chat not found"."""
        if isinstance(chat_id, str):
            chat_id = self._resolve_username(chat_id)
        chat = self.bot.chats.get(chat_id)
        if chat is None:
            raise bad_request(CHAT_NOT_FOUND)
        return chat

    def admit(self, chat: ChatState) -> None:
        """Let a send into `chat` through: not blocked by the user, within flood limits."""
        if chat.blocked:
            raise forbidden("bot was blocked by the user")
        if self.spec.sends:
            self.emulator.flood.check(self.bot.id, chat.id, chat.is_group)

    def message(self, chat: ChatState, message_id: int, missing: str) -> JsonDict:
        """A live message in the chat, or 400 with Telegram's wording for this method."""
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request(missing)
        return message

    def post(
        self, chat: ChatState, content: JsonDict, reply_markup: JsonDict | None = None
    ) -> JsonDict:
        """Add a message from the bot to the chat and return it."""
        return chat.post(self.bot.user, content, self.now(), reply_markup)

    def upload(self, value: str | InputFile) -> Upload | None:
        """The uploaded part an `attach://name` value points to, if it is one."""
        if isinstance(value, str) and value.startswith("attach://"):
            upload = self.uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"file {value!r} is not attached")
            return upload
        return None

    def existing_file(self, value: str, kind: str) -> StoredFile:
        """A file_id sent again; the file must exist and be of a usable type."""
        stored = self.emulator.files.get(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if (stored.kind == "photo") != (kind == "photo"):
            raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        return stored

    def _resolve_username(self, chat_id: str) -> int:
        if chat_id.lstrip("-").isdigit():
            return int(chat_id)
        username = chat_id.removeprefix("@").lower()
        for chat in self.bot.chats.values():
            if not chat.is_private and str(chat.chat.get("username", "")).lower() == username:
                return chat.id
        raise bad_request(CHAT_NOT_FOUND)
