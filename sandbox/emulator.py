"""The Telegram Bot API emulator: registered bots, test users and every API call."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiogram.types import Update

from sandbox.common import JsonDict, clone
from sandbox.delivery import Delivery
from sandbox.errors import ApiError, bad_request, not_found, unauthorized
from sandbox.files import FileStore
from sandbox.limits import Clock, FloodControl, FloodLimits, SandboxTimings
from sandbox.methods import CallContext, method_table
from sandbox.params import Upload, aiogram_method_models, decode_params, validate_call
from sandbox.persistence import STATE_VERSION, StateWriter, read_state
from sandbox.state import BotState, ChatState, UpdateRecord, UserProfile
from sandbox.user import SandboxGroup, SandboxUser

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"(\d+):[\w-]+")


@dataclass(frozen=True)
class ApiCall:
    """One Bot API call as the emulator saw it, for assertions in tests."""

    bot_id: int | None
    method: str
    params: dict[str, Any]
    ok: bool
    result: Any = None
    error_code: int | None = None
    description: str | None = None


class TelegramEmulator:
    """A Bot API server in memory; serve it with `create_emulator_app(emulator)`."""

    def __init__(
        self,
        flood: FloodLimits | None = None,
        files_dir: Path | None = None,
        *,
        clock: Clock = time.monotonic,
        timings: SandboxTimings | None = None,
        state_file: Path | None = None,
    ) -> None:
        """`state_file`: keep users, chats and the file index there across restarts
        (`restore()` reads it back once the bots are registered); None keeps all in memory."""
        self.timings = timings or SandboxTimings()
        self.clock = clock
        self.flood = FloodControl(flood or FloodLimits(), clock)
        self._temporary_files = files_dir is None
        root = files_dir or Path(tempfile.gettempdir()) / f"sandbox-files-{secrets.token_hex(6)}"
        self.files = FileStore(root)
        self.delivery = Delivery(self.timings, self._execute_reply)
        self.calls: list[ApiCall] = []
        self._methods = method_table()
        self._bots: dict[str, BotState] = {}
        self._profiles: dict[int, UserProfile] = {}
        self._users: dict[tuple[str, int], SandboxUser] = {}
        self._saved = StateWriter(state_file, self.snapshot) if state_file else None

    # --- bots, users, groups -------------------------------------------------------------

    def register_bot(self, token: str, username: str, first_name: str = "Bot") -> JsonDict:
        """Make a token valid; returns the bot's `User` object (what getMe answers)."""
        match = _TOKEN.fullmatch(token)
        if match is None:
            raise ValueError(f"not a Telegram bot token: {token!r}")
        user: JsonDict = {
            "id": int(match.group(1)),
            "is_bot": True,
            "first_name": first_name,
            "username": username.removeprefix("@"),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._bots[token] = BotState(token=token, user=user)
        return clone(user)

    def is_registered(self, token: str) -> bool:
        """Whether this exact token belongs to a registered bot."""
        return token in self._bots

    @property
    def bots(self) -> list[BotState]:
        """Registered bots, in registration order."""
        return list(self._bots.values())

    def bot(self, token_or_username: str | None = None) -> BotState:
        """A registered bot by token or @username; the first registered one by default."""
        if not self._bots:
            raise LookupError("no bot is registered: call register_bot() first")
        if token_or_username is None:
            return next(iter(self._bots.values()))
        if token_or_username in self._bots:
            return self._bots[token_or_username]
        username = token_or_username.removeprefix("@").lower()
        for bot in self._bots.values():
            if bot.username.lower() == username:
                return bot
        raise LookupError(f"no registered bot {token_or_username!r}")

    def profile(self, user_id: int) -> UserProfile | None:
        """A test user created with `user()`, if any."""
        return self._profiles.get(user_id)

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
        *,
        last_name: str | None = None,
        phone_number: str | None = None,
        bot: str | None = None,
    ) -> SandboxUser:
        """A test user talking to `bot` (the first registered bot by default)."""
        profile = self._profiles.get(user_id)
        if profile is None:
            profile = UserProfile(
                id=user_id,
                first_name=first_name or f"User {user_id}",
                language_code=language_code or "en",
            )
            self._profiles[user_id] = profile
        changes = {
            "first_name": first_name,
            "language_code": language_code,
            "username": username,
            "last_name": last_name,
            "phone_number": phone_number,
        }
        for field, value in changes.items():
            if value is not None and getattr(profile, field) != value:
                setattr(profile, field, value)
                self._changed()
        state = self.bot(bot)
        key = (state.token, user_id)
        if key not in self._users:
            self._users[key] = SandboxUser(self, state, profile)
            self._changed()
        return self._users[key]

    def users(self, bot: str | None = None) -> list[SandboxUser]:
        """The test users of a bot, in creation order."""
        token = self.bot(bot).token
        return [user for (owner, _), user in self._users.items() if owner == token]

    def group(
        self,
        chat_id: int,
        title: str,
        members: Iterable[SandboxUser] = (),
        *,
        username: str | None = None,
        supergroup: bool = True,
        forum: bool = False,
        bot: str | None = None,
    ) -> SandboxGroup:
        """A group (e.g. a support chat) with the bot as an administrator and these members."""
        state = self.bot(bot)
        chat: JsonDict = {
            "id": chat_id,
            "type": "supergroup" if supergroup else "group",
            "title": title,
        }
        if username:
            chat["username"] = username
        if forum:
            chat["is_forum"] = True
        member_ids = [member.profile.id for member in members]
        existing = state.chats.get(chat_id)
        if existing is None:
            state.chats[chat_id] = self._watched(ChatState(chat, member_ids))
            self._changed()
        else:
            existing.member_ids.update(member_ids)
        return SandboxGroup(self, state, chat_id)

    def private_chat(self, bot: BotState, profile: UserProfile) -> ChatState:
        """The user's private chat with the bot, started on first use."""
        chat = bot.chats.get(profile.id)
        if chat is None:
            chat = self._watched(ChatState(profile.as_private_chat(), [profile.id]))
            bot.chats[profile.id] = chat
            self._changed()
        return chat

    # --- kept across restarts --------------------------------------------------------------

    def snapshot(self) -> JsonDict:
        """Users, each bot's chats and update counter, and the file index, as plain JSON."""
        bots: JsonDict = {}
        for bot in self._bots.values():
            bots[str(bot.id)] = {
                "next_update_id": bot.next_update_id,
                "users": [user_id for (token, user_id) in self._users if token == bot.token],
                "chats": [chat.dump() for chat in bot.chats.values()],
            }
        return {
            "version": STATE_VERSION,
            "profiles": [profile.dump() for profile in self._profiles.values()],
            "bots": bots,
            "files": self.files.dump(),
        }

    async def restore(self) -> bool:
        """Read the state file back (register the bots first); False when there was none."""
        if self._saved is None:
            return False
        state = await asyncio.to_thread(read_state, self._saved.path)
        if state is None:
            return False
        self.files.restore(state["files"])
        for data in state["profiles"]:
            profile = UserProfile.restore(data)
            self._profiles[profile.id] = profile
        for bot in self._bots.values():
            saved = state["bots"].get(str(bot.id))
            if saved is None:  # a bot registered since: starts empty
                continue
            bot.next_update_id = max(bot.next_update_id, int(saved["next_update_id"]))
            for data in saved["chats"]:
                chat = self._watched(ChatState.restore(data))
                bot.chats[chat.id] = chat
            for user_id in saved["users"]:
                if user_id in self._profiles:
                    self._users[(bot.token, user_id)] = SandboxUser(
                        self, bot, self._profiles[user_id]
                    )
        logger.info(
            "sandbox: users and chats restored from %s (users: %d)",
            self._saved.path,
            len(self._profiles),
        )
        return True

    def _watched(self, chat: ChatState) -> ChatState:
        chat.on_change = self._changed
        return chat

    def _changed(self) -> None:
        if self._saved is not None:
            self._saved.changed()

    # --- updates ---------------------------------------------------------------------------

    def submit(self, bot: BotState, payload: JsonDict, *, redelivery: bool = False) -> UpdateRecord:
        """Give the update the next update_id (unless it has one) and queue it for the bot."""
        update = dict(payload)
        if "update_id" not in update:
            update = {"update_id": bot.next_update_id, **update}
        bot.next_update_id = max(bot.next_update_id, int(update["update_id"]) + 1)
        bot.history[int(update["update_id"])] = clone(update)
        return self.delivery.enqueue(bot, update, redelivery=redelivery)

    def deliver_user_message(self, bot: BotState, user_id: int, content: JsonDict) -> UpdateRecord:
        """Post a message from a user into their private chat and send it to the bot."""
        profile = self._profiles.get(user_id) or UserProfile(id=user_id, first_name="User")
        chat = self.private_chat(bot, profile)
        message = chat.post(profile.as_user(), content, int(time.time()))
        return self.submit(bot, {"message": message})

    async def feed(self, bot_token: str, update: JsonDict) -> JsonDict:
        """Deliver a raw update (update_id added if missing) and wait until it is handled."""
        bot = self.bot(bot_token)
        record = self.submit(bot, update)
        await self.delivery.settle(bot, [record])
        return clone(record.update)

    async def redeliver(self, bot_token: str, update_id: int) -> None:
        """Deliver an earlier update again, same update_id, as Telegram does after a failure."""
        bot = self.bot(bot_token)
        if update_id not in bot.history:
            raise LookupError(f"update {update_id} was never delivered to @{bot.username}")
        record = self.delivery.enqueue(bot, bot.history[update_id], redelivery=True)
        await self.delivery.settle(bot, [record])

    async def wait_idle(self, within: float | None = None) -> None:
        """Wait until every queued update was taken and the bots stopped calling the API."""
        for bot in self._bots.values():
            waiting = [record for record in bot.pending if not record.returned]
            await self.delivery.settle(bot, waiting, within)

    # --- the API ---------------------------------------------------------------------------

    async def call(
        self,
        token: str,
        method: str,
        params: Mapping[str, Any],
        uploads: Mapping[str, Upload] | None = None,
    ) -> tuple[int, JsonDict]:
        """Run one Bot API call; returns the HTTP status and Telegram's JSON envelope."""
        bot = self._bots.get(token)
        name = method.lower()
        model = aiogram_method_models().get(name)
        tracked = bot is not None and name != "getupdates"  # a long poll is not "activity"
        loop = asyncio.get_running_loop()
        if tracked and bot is not None:
            bot.activity.in_flight += 1
            bot.activity.last = loop.time()
        logged = {**(decode_params(model, params) if model else params)}
        try:
            if bot is None:
                raise unauthorized()
            spec = self._methods.get(name)
            if model is None:
                raise not_found()
            if spec is None:
                raise not_found(f": {model.__api_method__} is not emulated by the sandbox")
            validated = validate_call(model, params)
            context = CallContext(self, bot, dict(uploads or {}), spec)
            result = await spec.handler(context, validated)
        except ApiError as exc:
            self._log(bot, model, method, logged, exc.code, exc.description)
            return exc.code, exc.envelope()
        except Exception as exc:  # a bug in the emulator: answer 500, keep serving
            logger.exception("sandbox: %s failed", method)
            error = ApiError(500, f"Internal Server Error: {type(exc).__name__}: {exc}")
            self._log(bot, model, method, logged, error.code, error.description)
            return error.code, error.envelope()
        finally:
            if tracked and bot is not None:
                bot.activity.in_flight -= 1
                bot.activity.last = loop.time()
        self.calls.append(ApiCall(bot.id, _api_name(model, method), logged, True, result))
        if tracked:  # a menu button, a pin, a file: anything but a long poll may change state
            self._changed()
        return 200, {"ok": True, "result": result}

    def updates(self, bot: str | None = None) -> list[Update]:
        """Every update given to a bot (the first registered by default), oldest first."""
        history = self.bot(bot).history
        return [Update.model_validate(clone(history[update_id])) for update_id in sorted(history)]

    async def download(self, bot_token: str, file_id: str) -> bytes:
        """The bytes behind a file_id, as the bot would download them."""
        if not self.is_registered(bot_token):
            raise unauthorized()
        if self.files.get(file_id) is None:
            raise bad_request("invalid file_id")
        return await self.files.read(file_id)

    def calls_to(self, method: str) -> list[ApiCall]:
        """The logged calls of one method (case-insensitive), oldest first."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    async def download_url(self, url: str) -> bytes:
        """Fetch a file a bot passed by HTTP URL, as Telegram would."""
        try:
            async with self.delivery.client().get(
                url, timeout=aiohttp.ClientTimeout(total=10)
            ) as response:
                if response.status != 200:
                    raise bad_request("failed to get HTTP URL content")
                return await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise bad_request("failed to get HTTP URL content") from exc

    async def shutdown(self) -> None:
        """End waiting long polls, the bots' and the chat pages' (before the server stops)."""
        self.delivery.closing = True
        for bot in self._bots.values():
            self.delivery.wake(bot)
            for chat in bot.chats.values():
                chat.close()

    async def close(self) -> None:
        """Stop background work, save the state, remove the temporary files directory."""
        await self.shutdown()
        await self.delivery.close()
        if self._saved is not None:
            await self._saved.close()
        if self._temporary_files:
            await asyncio.to_thread(shutil.rmtree, self.files.root, True)

    async def _execute_reply(
        self, bot: BotState, method: str, params: dict[str, Any], uploads: dict[str, Upload]
    ) -> None:
        status, body = await self.call(bot.token, method, params, uploads)
        if status != 200:
            logger.info("sandbox: method from a webhook reply failed: %s", body["description"])

    def _log(
        self,
        bot: BotState | None,
        model: Any,
        method: str,
        params: dict[str, Any],
        code: int,
        description: str,
    ) -> None:
        self.calls.append(
            ApiCall(
                bot.id if bot else None,
                _api_name(model, method),
                params,
                False,
                None,
                code,
                description,
            )
        )


def _api_name(model: Any, method: str) -> str:
    return str(model.__api_method__) if model is not None else method
