"""Callback data and keyboards of the admin's statistics, people and audit screens."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.i18n import gettext as _
from db.models import AuditLog, Role, User
from keyboards.admin import AdminAction, AdminCB
from services.admin import OrderPeriod
from services.catalog import Page


class StatsView(StrEnum):
    """What the statistics screen shows."""

    sales = "s"
    chart = "c"
    funnel = "f"
    csv = "x"


class StatsCB(CallbackData, prefix="st"):
    """A statistics screen of a period."""

    view: StatsView
    period: OrderPeriod


class PersonAction(StrEnum):
    """What the admin does with one person."""

    show = "show"
    ban = "ban"
    unban = "unban"
    role = "role"


class PersonCB(CallbackData, prefix="pp"):
    """An action on one person; `role` for PersonAction.role."""

    action: PersonAction
    user_id: int
    role: Role = Role.customer


class AuditCB(CallbackData, prefix="au"):
    """A page of the audit log."""

    page: int


PERIODS = (OrderPeriod.today, OrderPeriod.week, OrderPeriod.month)


def period_label(period: OrderPeriod) -> str:
    """The period's button text."""
    return {
        OrderPeriod.today: _("Today"),
        OrderPeriod.week: _("7 days"),
        OrderPeriod.month: _("30 days"),
    }.get(period, "")


def stats(period: OrderPeriod, view: StatsView) -> InlineKeyboardMarkup:
    """Periods (the shown one marked), chart, funnel and its CSV, back to the admin menu."""
    builder = InlineKeyboardBuilder()
    for each in PERIODS:
        mark = "• " if each is period else ""
        builder.button(
            text=mark + period_label(each), callback_data=StatsCB(view=view, period=each)
        )
    builder.button(text=_("💰 Sales"), callback_data=StatsCB(view=StatsView.sales, period=period))
    builder.button(text=_("📈 Chart"), callback_data=StatsCB(view=StatsView.chart, period=period))
    builder.button(text=_("🔀 Funnel"), callback_data=StatsCB(view=StatsView.funnel, period=period))
    builder.button(text=_("⬇️ Funnel CSV"), callback_data=StatsCB(view=StatsView.csv, period=period))
    builder.button(text=_("⬅️ Admin menu"), callback_data=AdminCB(action=AdminAction.menu))
    builder.adjust(3, 2, 2)
    return builder.as_markup()


def people(found: list[User]) -> InlineKeyboardMarkup:
    """One button per person found."""
    builder = InlineKeyboardBuilder()
    for user in found:
        name = " ".join(part for part in (user.first_name, user.last_name) if part) or "—"
        handle = f" @{user.username}" if user.username else ""
        builder.button(
            text=f"{name}{handle} · {user.tg_id}"[:64],
            callback_data=PersonCB(action=PersonAction.show, user_id=user.id),
        )
    builder.button(text=_("⬅️ Admin menu"), callback_data=AdminCB(action=AdminAction.menu))
    builder.adjust(1)
    return builder.as_markup()


ROLE_CHOICES = (Role.customer, Role.staff, Role.support, Role.admin)


def role_label(role: Role) -> str:
    """A role as the admin reads it."""
    return {
        Role.customer: _("customer"),
        Role.provider: _("provider"),
        Role.staff: _("staff"),
        Role.support: _("support agent"),
        Role.admin: _("admin"),
    }.get(role, role.value)


def person(user: User, can_ban: bool) -> InlineKeyboardMarkup:
    """Role choices (the current one marked), ban or unban, back."""
    builder = InlineKeyboardBuilder()
    for role in ROLE_CHOICES:
        mark = "• " if user.role is role else ""
        builder.button(
            text=mark + role_label(role),
            callback_data=PersonCB(action=PersonAction.role, user_id=user.id, role=role),
        )
    if user.is_banned:
        builder.button(
            text=_("✅ Unban"), callback_data=PersonCB(action=PersonAction.unban, user_id=user.id)
        )
    elif can_ban:
        builder.button(
            text=_("⛔ Ban"), callback_data=PersonCB(action=PersonAction.ban, user_id=user.id)
        )
    builder.button(text=_("⬅️ Admin menu"), callback_data=AdminCB(action=AdminAction.menu))
    builder.adjust(len(ROLE_CHOICES), 1, 1)
    return builder.as_markup()


def audit(page: Page[AuditLog]) -> InlineKeyboardMarkup:
    """Paging and back."""
    builder = InlineKeyboardBuilder()
    row = 0
    if page.number > 1:
        builder.button(text="◀️", callback_data=AuditCB(page=page.number - 1))
        row += 1
    if page.number < page.pages:
        builder.button(text="▶️", callback_data=AuditCB(page=page.number + 1))
        row += 1
    builder.button(text=_("⬅️ Admin menu"), callback_data=AdminCB(action=AdminAction.menu))
    builder.adjust(*([row] if row else []), 1)
    return builder.as_markup()
