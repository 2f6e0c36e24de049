"""What the emulator remembers: bots, chats with their message history, pending queries."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from sandbox.common import JsonDict, clone

DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
"""Every update type except chat_member and reactions, which Telegram sends only on request."""


@dataclass
class UserProfile:
    """A test user: who they are, as Telegram would describe them to a bot."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    phone_number: str | None = None

    def as_user(self) -> JsonDict:
        """The Bot API `User` object."""
        user: JsonDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        optional = {
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }
        user.update({key: value for key, value in optional.items() if value})
        return user

    def dump(self) -> JsonDict:
        """The profile as saved across restarts."""
        return asdict(self)

    @classmethod
    def restore(cls, data: JsonDict) -> UserProfile:
        """A profile saved by `dump`."""
        return cls(**data)

    def as_private_chat(self) -> JsonDict:
        """The Bot API `Chat` object of this user's private chat with a bot."""
        chat: JsonDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat


@dataclass(frozen=True)
class ChatEvent:
    """One change in a chat, in order: a new, edited or deleted message, a keyboard, ..."""

    seq: int
    kind: str
    data: JsonDict


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot answered to a button press (answerCallbackQuery)."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    message_id: int | None


class ChatState:
    """One chat as a bot sees it: messages by id, the reply keyboard, a change log."""

    def __init__(self, chat: JsonDict, member_ids: Iterable[int] = ()) -> None:
        self.chat = chat
        self.member_ids = set(member_ids)
        self.messages: dict[int, JsonDict] = {}
        self.last_message_id = 0
        self.reply_keyboard: JsonDict | None = None
        self.menu_button: JsonDict | None = None
        self.pinned: list[int] = []
        self.topics: dict[int, str] = {}
        """Forum topics by message_thread_id (forum supergroups only)."""
        self.blocked = False
        self.events: list[ChatEvent] = []
        self.closed = False
        self.on_change: Callable[[], None] | None = None
        """Called after every recorded change (the emulator saves its state then)."""
        self._first_seq = 0
        self._changed = asyncio.Event()

    @property
    def id(self) -> int:
        """The chat id."""
        return int(self.chat["id"])

    @property
    def is_private(self) -> bool:
        """Whether this is a one-to-one chat with a user."""
        return bool(self.chat["type"] == "private")

    @property
    def is_group(self) -> bool:
        """Whether this is a group or a supergroup."""
        return self.chat["type"] in ("group", "supergroup")

    @property
    def is_forum(self) -> bool:
        """Whether this supergroup has topics (createForumTopic works)."""
        return bool(self.chat.get("is_forum"))

    def thread(self, thread_id: int | None) -> JsonDict:
        """{"message_thread_id", "is_topic_message"} of a forum topic, or {} outside a forum."""
        if thread_id is None or not self.is_forum:
            return {}
        return {"message_thread_id": thread_id, "is_topic_message": True}

    @property
    def seq(self) -> int:
        """The number of the latest change; wait for events after it."""
        return self.events[-1].seq if self.events else self._first_seq

    def dump(self) -> JsonDict:
        """The chat as saved across restarts: messages and keyboards, not the change log."""
        return clone(
            {
                "chat": self.chat,
                "member_ids": sorted(self.member_ids),
                "messages": list(self.messages.values()),
                "last_message_id": self.last_message_id,
                "reply_keyboard": self.reply_keyboard,
                "menu_button": self.menu_button,
                "pinned": self.pinned,
                "topics": {str(key): name for key, name in self.topics.items()},
                "blocked": self.blocked,
                "seq": self.seq,
            }
        )

    @classmethod
    def restore(cls, data: JsonDict) -> ChatState:
        """A chat saved by `dump`; its change numbers go on from where they stopped."""
        chat = cls(data["chat"], data["member_ids"])
        chat.messages = {int(m["message_id"]): m for m in data["messages"]}
        chat.last_message_id = int(data["last_message_id"])
        chat.reply_keyboard = data["reply_keyboard"]
        chat.menu_button = data["menu_button"]
        chat.pinned = list(data["pinned"])
        chat.topics = {int(key): name for key, name in data.get("topics", {}).items()}
        chat.blocked = bool(data["blocked"])
        chat._first_seq = int(data["seq"])
        return chat

    def post(
        self, sender: JsonDict, content: JsonDict, date: int, reply_markup: JsonDict | None = None
    ) -> JsonDict:
        """Add a message; an inline keyboard stays on it, a reply keyboard goes to the chat."""
        self.last_message_id += 1
        message: JsonDict = {
            "message_id": self.last_message_id,
            "from": sender,
            "chat": self.chat,
            "date": date,
            **content,
        }
        self._apply_markup(message, reply_markup)
        self.messages[message["message_id"]] = message
        self.record("message", clone(message))
        if reply_markup is not None and "inline_keyboard" not in reply_markup:
            self.record("keyboard", {"reply_keyboard": self.reply_keyboard})
        return clone(message)

    def edit(
        self,
        message_id: int,
        changes: JsonDict,
        date: int,
        reply_markup: JsonDict | bool | None = False,
    ) -> JsonDict:
        """Apply an edit; None removes a field, reply_markup=False keeps the keyboard."""
        message = self.messages[message_id]
        for key, value in changes.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        if reply_markup is not False:
            message.pop("reply_markup", None)
            if isinstance(reply_markup, dict):
                message["reply_markup"] = reply_markup
        message["edit_date"] = date
        self.record("edit", clone(message))
        return clone(message)

    def delete(self, message_id: int) -> None:
        """Remove a message for everyone."""
        self.messages.pop(message_id)
        if message_id in self.pinned:
            self.pinned.remove(message_id)
        self.record("delete", {"message_id": message_id})

    def record(self, kind: str, data: JsonDict) -> None:
        """Append a change and wake whoever waits for one."""
        self.events.append(ChatEvent(self.seq + 1, kind, data))
        self._changed.set()
        self._changed = asyncio.Event()
        if self.on_change is not None:
            self.on_change()

    def events_after(self, seq: int) -> list[ChatEvent]:
        """The changes after `seq`."""
        return [event for event in self.events if event.seq > seq]

    def close(self) -> None:
        """End every waiting long poll now and answer later ones at once (server stopping)."""
        self.closed = True
        self._changed.set()

    async def wait_events(self, after: int, seconds: float) -> list[ChatEvent]:
        """Long-poll: the changes after `after`, waiting up to `seconds` for the first one."""
        if self.seq <= after and not self.closed:
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), seconds)
            except TimeoutError:
                return []
        return self.events_after(after)

    def _apply_markup(self, message: JsonDict, markup: JsonDict | None) -> None:
        if markup is None:
            return
        if "inline_keyboard" in markup:
            message["reply_markup"] = markup
        elif "keyboard" in markup:
            self.reply_keyboard = markup
        elif markup.get("remove_keyboard"):
            self.reply_keyboard = None


@dataclass
class UpdateRecord:
    """An update on its way to a bot, and how its delivery ended."""

    update: JsonDict
    redelivery: bool = False
    returned: bool = False
    outcome: str = "pending"  # fetched | delivered | failed | dropped
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def update_id(self) -> int:
        """The update's id."""
        return int(self.update["update_id"])

    @property
    def kind(self) -> str:
        """The update type: "message", "callback_query", ..."""
        return next(key for key in self.update if key != "update_id")

    def finish(self, outcome: str) -> None:
        """Mark the delivery as ended."""
        if not self.done.is_set():
            self.outcome = outcome
            self.done.set()


@dataclass
class WebhookConfig:
    """The webhook set with setWebhook, and its last delivery error."""

    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class PendingQuery:
    """A callback / pre-checkout / web app query waiting for the bot's answer."""

    id: str
    user_id: int
    chat_id: int | None
    created: float
    message_id: int | None = None
    answer: JsonDict | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class PreparedMessage:
    """A message saved with savePreparedInlineMessage for one user's Mini App to share."""

    id: str
    user_id: int
    result: JsonDict
    expiration_date: int


@dataclass
class Invoice:
    """An invoice sent with sendInvoice or made with createInvoiceLink."""

    slug: str
    title: str
    description: str
    payload: str
    currency: str
    prices: list[JsonDict]
    provider_token: str | None
    max_tip_amount: int = 0
    need_shipping_address: bool = False
    is_flexible: bool = False
    subscription_period: int | None = None
    chat_id: int | None = None
    message_id: int | None = None

    @property
    def total_amount(self) -> int:
        """The sum of the price portions, in the smallest units of the currency."""
        return sum(int(price["amount"]) for price in self.prices)


@dataclass
class Payment:
    """A successful payment, kept so refundStarPayment can find it."""

    charge_id: str
    user_id: int
    currency: str
    total_amount: int
    payload: str
    refunded: bool = False


@dataclass
class Activity:
    """When the bot last touched the API, for "has it finished handling the update?"."""

    last: float = 0.0
    in_flight: int = 0


@dataclass
class BotState:
    """Everything the emulator keeps for one registered bot."""

    token: str
    user: JsonDict
    chats: dict[int, ChatState] = field(default_factory=dict)
    next_update_id: int = 1
    pending: list[UpdateRecord] = field(default_factory=list)
    history: dict[int, JsonDict] = field(default_factory=dict)
    allowed_updates: list[str] | None = None
    webhook: WebhookConfig | None = None
    new_update: asyncio.Event = field(default_factory=asyncio.Event)
    poll_generation: int = 0
    commands: dict[tuple[str, str], list[JsonDict]] = field(default_factory=dict)
    texts: dict[tuple[str, str], str] = field(default_factory=dict)
    default_menu_button: JsonDict = field(default_factory=lambda: {"type": "commands"})
    callback_queries: dict[str, PendingQuery] = field(default_factory=dict)
    pre_checkout_queries: dict[str, PendingQuery] = field(default_factory=dict)
    web_app_queries: dict[str, PendingQuery] = field(default_factory=dict)
    invoices: dict[str, Invoice] = field(default_factory=dict)
    prepared_messages: dict[str, PreparedMessage] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)
    callback_answers: dict[int, list[CallbackAnswer]] = field(default_factory=dict)
    activity: Activity = field(default_factory=Activity)

    @property
    def id(self) -> int:
        """The bot's user id (the number before ":" in its token)."""
        return int(self.user["id"])

    @property
    def username(self) -> str:
        """The bot's @username without the "@"."""
        return str(self.user["username"])

    def accepts(self, update_type: str) -> bool:
        """Whether the bot's allowed_updates let this update type through."""
        if not self.allowed_updates:
            return update_type in DEFAULT_ALLOWED_UPDATES
        return update_type in self.allowed_updates
