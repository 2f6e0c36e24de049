"""People for the admin: find, see, give a role, ban; and the audit log of admin actions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.errors import Forbidden, NotFound
from db.models import AuditAction, AuditLog, Order, Provider, Role, User
from services.catalog import Page, paginate
from services.users import grant_role, is_admin, user_changed

FOUND_LIMIT = 10
AUDIT_PAGE = 10
_DIGITS = re.compile(r"\D")


async def find_people(query: str) -> list[User]:
    """People by Telegram id or internal id, @username (or its start), or phone digits."""
    text = query.strip()
    if not text:
        return []
    conditions = Q(username__iexact=text.removeprefix("@"))
    if text.startswith("@") and len(text) > 2:
        conditions |= Q(username__istartswith=text[1:])
    digits = _DIGITS.sub("", text)
    if digits and text.lstrip("+").replace(" ", "").replace("-", "").isdigit():
        number = int(digits)
        conditions |= Q(tg_id=number) | Q(id=number)
        if len(digits) >= 7:
            conditions |= Q(phone__contains=digits[-10:])
    people = await User.filter(conditions, anonymized_at__isnull=True).order_by("id")
    return people[:FOUND_LIMIT]


@dataclass(frozen=True, slots=True)
class PersonCard:
    """What the admin sees of one person."""

    user: User
    orders: int
    shops: list[str]
    admin: bool
    """An admin by role or by ADMIN_IDS (who cannot be banned here)."""


async def person(user_id: int, admin_ids: list[int]) -> PersonCard:
    """One person's card."""
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise NotFound(entity="user")
    shops = await Provider.filter(owner_id=user.id).order_by("name").values_list("name", flat=True)
    return PersonCard(
        user=user,
        orders=await Order.filter(customer_id=user.id).count(),
        shops=[str(name) for name in shops],
        admin=is_admin(user, admin_ids),
    )


async def set_role(user_id: int, role: Role, *, actor: User) -> User:
    """Give a person a role (audited with before and after)."""
    user = await User.get_or_none(id=user_id)
    if user is None or user.tg_id is None:
        raise NotFound(entity="user")
    if user.id == actor.id and role is not Role.admin:
        raise Forbidden(reason="own_role")  # nobody locks themselves out by a slip
    return await grant_role(user.tg_id, role, actor=actor)


async def set_banned(user_id: int, banned: bool, *, actor: User, admin_ids: list[int]) -> User:
    """Ban a person or let them back (audited); admins are never banned here."""
    async with in_transaction():
        user = await User.get_or_none(id=user_id)
        if user is None:
            raise NotFound(entity="user")
        if banned and is_admin(user, admin_ids):
            raise Forbidden(reason="admin")
        previous = user.is_banned
        if previous != banned:
            await User.filter(id=user.id).update(is_banned=banned)
            await AuditLog.create(
                actor=actor,
                action=AuditAction.user_ban if banned else AuditAction.user_unban,
                target=f"user:{user.id}",
                data={"from": previous, "to": banned},
            )
        user.is_banned = banned
    await user_changed(user.tg_id)
    return user


async def audit_log(page: int, per_page: int = AUDIT_PAGE) -> Page[AuditLog]:
    """Admin actions, newest first, with who did them."""
    return await paginate(
        AuditLog.all().order_by("-created_at", "-id").prefetch_related("actor"), page, per_page
    )
