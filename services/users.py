"""Users: upsert from a Telegram profile, roles, bans."""

from __future__ import annotations

import re
import secrets
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.i18n import pick_locale
from db.models import AuditAction, AuditLog, Provider, ProviderKind, Role, User
from services import jobs
from services.jobs import JobKind

_PHONE_RE = re.compile(r"^\+?[0-9]{10,15}$")

SEEN_RESOLUTION = timedelta(minutes=5)
"""How stale `last_seen_at` may get before an update writes it again (saves a write per update)."""


@dataclass(frozen=True, slots=True)
class TelegramProfile:
    """What Telegram tells us about a person on every update."""

    tg_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


class UserChangeListener(Protocol):
    """Something that keeps users in memory (services.user_cache) and must drop a changed one."""

    async def user_changed(self, tg_id: int) -> None:
        """The person's row changed (ban, erasure, role, phone, language): forget it."""


_change_listeners: weakref.WeakSet[UserChangeListener] = weakref.WeakSet()
"""The caches of this process. Module level on purpose: the services that change a user are
called from both faces and jobs, which hold no cache; a cache subscribes itself when built
and leaves with it (weak references), and tells the other processes itself (Redis)."""


def listen_to_user_changes(listener: UserChangeListener) -> None:
    """Call `listener.user_changed(tg_id)` after each committed change of a user."""
    _change_listeners.add(listener)


def stop_listening(listener: UserChangeListener) -> None:
    """Stop calling the listener (its process part is closing: its Redis client with it)."""
    _change_listeners.discard(listener)


async def user_changed(tg_id: int | None) -> None:
    """Tell every user cache that this person's row changed; call it after the commit."""
    if tg_id is None:
        return
    for listener in list(_change_listeners):
        await listener.user_changed(tg_id)


def normalize_phone(raw: str) -> str | None:
    """A phone in E.164: '+7 (999) 123-45-67', '8 999 123 45 67' and '999 123-45-67' all give
    '+79991234567'; None if it is not a phone number. Without a country code it is Russian."""
    compact = re.sub(r"[\s()\-.]", "", raw)
    if not _PHONE_RE.match(compact):
        return None
    digits = compact.lstrip("+")
    if not compact.startswith("+"):
        if len(digits) == 11 and digits.startswith("8"):
            digits = "7" + digits[1:]  # the Russian trunk prefix: 8 (999) … is +7 (999) …
        elif len(digits) == 10:
            digits = "7" + digits
    return "+" + digits


def new_pseudonym() -> str:
    """A random, stable identifier that carries no personal data."""
    return "u" + secrets.token_hex(8)


@dataclass(frozen=True, slots=True)
class ChatDefaults:
    """What every chat gets without a call of its own: the customers' commands per language and
    the menu button labelled in the default language (set once at start)."""

    default_locale: str
    admin_ids: frozenset[int] = frozenset()

    def covers(self, user: User) -> bool:
        """True when a newcomer needs no chat set-up of their own: a customer whose language
        is the default one (an admin of ADMIN_IDS gets admin commands; another language gets
        the menu button's label in it)."""
        if user.tg_id in self.admin_ids:
            return False
        locale = pick_locale(user.locale, user.language_code, default=self.default_locale)
        return locale == self.default_locale


async def upsert_user(
    profile: TelegramProfile,
    *,
    now: datetime | None = None,
    touch_seen: bool = True,
    defaults: ChatDefaults | None = None,
) -> User:
    """Create the user on first contact, refresh names and `last_seen_at` afterwards.

    With `touch_seen=False` a known user's `last_seen_at` is left for the caller to write
    later (services.user_cache batches it off the response path). A newcomer's own chat
    set-up (the chat.setup job) is queued unless `defaults` already cover them: a crowd of
    newcomers after a broadcast then costs no job rows and no Bot API calls."""
    now = now or datetime.now(UTC)
    user = await User.get_or_none(tg_id=profile.tg_id)
    if user is None:
        try:
            created = await User.create(
                tg_id=profile.tg_id,
                pseudonym=new_pseudonym(),
                first_name=profile.first_name,
                last_name=profile.last_name,
                username=profile.username,
                language_code=profile.language_code,
                last_seen_at=now,
            )
            if defaults is None or not defaults.covers(created):
                await refresh_chat(created)
            return created
        except IntegrityError:
            # Two updates of a new user raced; the other one created the row.
            user = await User.get(tg_id=profile.tg_id)
    changes: dict[str, object] = {}
    for field in ("first_name", "last_name", "username", "language_code"):
        value = getattr(profile, field)
        if getattr(user, field) != value:
            changes[field] = value
    if user.bot_blocked:
        changes["bot_blocked"] = False
    if touch_seen and (user.last_seen_at is None or now - user.last_seen_at > SEEN_RESOLUTION):
        changes["last_seen_at"] = now
    if changes:
        await User.filter(id=user.id).update(**changes)
        for field, value in changes.items():
            setattr(user, field, value)
        if "language_code" in changes and user.locale is None:
            await refresh_chat(user)
    return user


async def refresh_chat(user: User) -> None:
    """Have the person's command menu and menu button set again (language or duties changed)."""
    await jobs.enqueue(JobKind.chat_setup, JobKind.chat_setup.key(user.id), {"user_id": user.id})


async def get_by_tg_id(tg_id: int) -> User | None:
    """The user with this Telegram id, if any."""
    return await User.get_or_none(tg_id=tg_id)


def is_admin(user: User, admin_ids: list[int]) -> bool:
    """Admins are named in ADMIN_IDS or were granted the role."""
    return user.role == Role.admin or (user.tg_id is not None and user.tg_id in admin_ids)


@dataclass(frozen=True, slots=True)
class Duties:
    """What a person does here besides buying: selling (owns a shop or tutor) and admin work."""

    seller: bool = False
    admin: bool = False
    tutor: bool = False
    """Owns a tutor profile (gets the tutoring commands besides the seller's)."""

    @property
    def staff(self) -> bool:
        """Sellers and admins get more commands than customers."""
        return self.seller or self.admin


async def duties_of(user: User, admin_ids: list[int]) -> Duties:
    """The person's duties, from their role, ADMIN_IDS and the providers they own."""
    kinds = set(await Provider.filter(owner_id=user.id).values_list("kind", flat=True))
    return Duties(
        seller=bool(kinds),
        admin=is_admin(user, admin_ids),
        tutor=ProviderKind.tutor in kinds,
    )


async def admin_recipients(admin_ids: list[int]) -> dict[int, User | None]:
    """Every admin's Telegram id (ADMIN_IDS and the admin role), with their user row when they
    have written to the bot (None: never did, so no language of their own is known)."""
    stored = await User.filter(role=Role.admin, tg_id__isnull=False, anonymized_at__isnull=True)
    admins: dict[int, User | None] = {
        int(user.tg_id): user for user in stored if user.tg_id is not None
    }
    for tg_id in admin_ids:
        admins.setdefault(tg_id, await User.get_or_none(tg_id=tg_id))
    return dict(sorted(admins.items()))


async def staff(admin_ids: list[int]) -> list[User]:
    """Everyone with duties who can be written to: admins (by role or ADMIN_IDS) and sellers."""
    owners = Provider.filter(owner_id__not_isnull=True).values_list("owner_id", flat=True)
    people = await User.filter(tg_id__not_isnull=True, anonymized_at__isnull=True).filter(
        Q(role=Role.admin) | Q(tg_id__in=admin_ids) | Q(id__in=await owners)
    )
    return sorted(people, key=lambda person: person.id)


async def set_locale(user: User, locale: str) -> None:
    """Remember the language the person chose."""
    user.locale = locale
    await User.filter(id=user.id).update(locale=locale)
    await refresh_chat(user)
    await user_changed(user.tg_id)


async def mark_bot_blocked(tg_id: int) -> None:
    """Telegram said the person blocked the bot: stop pushing to them."""
    await User.filter(tg_id=tg_id).update(bot_blocked=True)
    await user_changed(tg_id)  # the next Mini App request reads the row (and clears the flag)


async def grant_role(tg_id: int, role: Role, *, actor: User | None = None) -> User:
    """Give a Telegram id a role, creating a placeholder user if they never wrote yet."""
    async with in_transaction():
        user, _ = await User.get_or_create(
            tg_id=tg_id, defaults={"pseudonym": new_pseudonym(), "first_name": ""}
        )
        previous = user.role
        user.role = role
        await user.save(update_fields=["role"])
        await AuditLog.create(
            actor=actor,
            action=AuditAction.user_role,
            target=f"user:{user.id}",
            data={"from": previous.value, "to": role.value},
        )
        await refresh_chat(user)
    await user_changed(user.tg_id)
    return user


async def set_phone(user: User, phone: str) -> None:
    """Store a phone the person shared (callers check consent first)."""
    user.phone = phone
    await User.filter(id=user.id).update(phone=phone)
    await user_changed(user.tg_id)


async def set_banned(tg_id: int, banned: bool) -> bool:
    """Ban (or let back) a person: a banned person's updates and Mini App requests are refused
    from the next one on, in every process. False when no such user exists."""
    changed = await User.filter(tg_id=tg_id).update(is_banned=banned)
    await user_changed(tg_id)
    return bool(changed)
