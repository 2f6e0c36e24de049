"""/stats, /users and /audit: the admin's figures, people and the audit log."""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.config import Settings
from core.i18n import gettext as _
from core.money import format_price
from db.models import AuditLog, User
from handlers.admin_common import show
from keyboards import admin_insights as kb
from keyboards.admin import AdminAction, AdminCB
from keyboards.admin_insights import AuditCB, PersonAction, PersonCB, StatsCB, StatsView
from services import admin_users, stats
from services.admin import OrderPeriod

QUERY_LIMIT = 64


class PeopleSearch(StatesGroup):
    """The admin types who to find."""

    query = State()


# Statistics --------------------------------------------------------------------------------


def _amounts(amounts: dict[str, int], locale: str) -> str:
    if not amounts:
        return "0"
    return ", ".join(format_price(value, currency, locale) for currency, value in amounts.items())


def sales_text(figures: stats.Sales, locale: str) -> str:
    """The sales of a period, as the admin reads them."""
    share = figures.conversion
    lines = [
        _("<b>📊 Statistics: {period}</b>").format(period=kb.period_label(figures.period)),
        "",
        _("Revenue: {amount}").format(amount=_amounts(figures.revenue, locale)),
        _("Orders placed: {placed}, sold: {sold}").format(placed=figures.placed, sold=figures.sold),
        _("Average check: {amount}").format(amount=_amounts(figures.average, locale)),
        _("New users: {count}").format(count=figures.new_users),
        _("Conversion from catalogue view to paid order: {share} ({buyers} of {viewers})").format(
            share="—" if share is None else f"{share * 100:.1f}%",
            buyers=figures.buyers,
            viewers=figures.viewers,
        ),
    ]
    if figures.top:
        lines += ["", _("<b>Top products</b>")]
        lines += [
            _("{number}. {title} — {count} pcs").format(
                number=number, title=escape(title), count=count
            )
            for number, (title, count) in enumerate(figures.top, 1)
        ]
    return "\n".join(lines)


def funnel_headings() -> list[str]:
    """The funnel's columns."""
    return [
        _("Source"),
        _("Started"),
        _("Catalogue"),
        _("Product"),
        _("Cart"),
        _("Checkout"),
        _("Paid"),
        _("Conversion, %"),
    ]


def funnel_text(rows: list[stats.FunnelRow], period: OrderPeriod) -> str:
    """The funnel by source (the first ten sources; the CSV has them all)."""
    lines = [
        _("<b>🔀 Funnel by source: {period}</b>").format(period=kb.period_label(period)),
        _("started → catalogue → product → cart → checkout → paid"),
        "",
    ]
    if not rows:
        lines.append(_("Nobody started the bot in this period."))
    for row in rows[:10]:
        share = row.conversion
        lines.append(
            f"<b>{escape(row.source)}</b>: "
            + " → ".join(str(count) for count in row.counts)
            + ("" if share is None else f" ({share * 100:.1f}%)")
        )
    return "\n".join(lines)


async def _sales_screen(
    callback_or_message: CallbackQuery | Message,
    period: OrderPeriod,
    settings: Settings,
    locale: str,
) -> None:
    figures = await stats.sales(period, settings.timezone)
    text, keyboard = sales_text(figures, locale), kb.stats(period, StatsView.sales)
    if isinstance(callback_or_message, CallbackQuery):
        await show(callback_or_message, text, keyboard)
    else:
        await callback_or_message.answer(text, reply_markup=keyboard)


async def stats_command(
    message: Message, state: FSMContext, settings: Settings, locale: str
) -> None:
    """/stats: today's sales with the period, chart and funnel buttons."""
    await state.clear()
    await _sales_screen(message, OrderPeriod.today, settings, locale)


async def stats_from_menu(callback: CallbackQuery, settings: Settings, locale: str) -> None:
    """Admin menu → Statistics."""
    await _sales_screen(callback, OrderPeriod.today, settings, locale)


async def stats_view(
    callback: CallbackQuery,
    callback_data: StatsCB,
    settings: Settings,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """Switch period or view; the chart and the CSV come as new messages."""
    period, view = callback_data.period, callback_data.view
    if period not in kb.PERIODS:
        period = OrderPeriod.today
    message = callback.message if isinstance(callback.message, Message) else None
    if view is StatsView.sales:
        await _sales_screen(callback, period, settings, locale)
    elif view is StatsView.funnel:
        rows = await stats.funnel(period, settings.timezone)
        await show(callback, funnel_text(rows, period), kb.stats(period, StatsView.funnel))
    elif view is StatsView.chart and message is not None:
        figures = await stats.sales(period, settings.timezone)
        currency = next(iter(figures.revenue), "RUB")
        labels = stats.ChartLabels(
            title=_("Revenue and sold orders by day"),
            revenue=_("Revenue, {currency}").format(currency=currency),
            orders=_("Sold orders"),
        )
        picture = await stats.chart_png(figures, currency, labels)
        await message.answer_photo(
            BufferedInputFile(picture, filename="stats.png"),
            caption=_("📈 {period}, {days} days, days start at midnight {zone}").format(
                period=kb.period_label(period),
                days=stats.chart_days(period),
                zone=ZoneInfo(settings.timezone).key,
            ),
        )
    elif view is StatsView.csv and message is not None:
        rows = await stats.funnel(period, settings.timezone)
        await message.answer_document(
            BufferedInputFile(
                stats.funnel_csv(rows, funnel_headings()), filename=f"funnel-{period.name}.csv"
            ),
            caption=_("Funnel by source: {period}").format(period=kb.period_label(period)),
        )
    else:
        callback_answer.text = _("This button no longer works.")


# People ------------------------------------------------------------------------------------


def person_text(card: admin_users.PersonCard) -> str:
    """One person's card for the admin."""
    user = card.user
    name = " ".join(part for part in (user.first_name, user.last_name) if part) or "—"
    lines = [
        f"<b>{escape(name)}</b>" + (f" @{escape(user.username)}" if user.username else ""),
        _("Telegram id: <code>{tg_id}</code>, internal id: {id}").format(
            tg_id=user.tg_id, id=user.id
        ),
        _("Role: {role}").format(role=kb.role_label(user.role))
        + (_(" (admin by ADMIN_IDS)") if card.admin and user.role.value != "admin" else ""),
        _("Phone: {phone}").format(phone=escape(user.phone or "—")),
        _("Language: {locale}").format(locale=user.locale or "—"),
        _("Orders: {count}").format(count=card.orders),
        _("Joined: {date}").format(date=user.created_at.strftime("%d.%m.%Y")),
    ]
    if card.shops:
        lines.append(_("Owns: {shops}").format(shops=escape(", ".join(card.shops))))
    if user.is_banned:
        lines.append(_("⛔ Banned"))
    if user.bot_blocked:
        lines.append(_("The person blocked the bot."))
    return "\n".join(lines)


async def _found(message: Message, query: str) -> None:
    found = await admin_users.find_people(query)
    if not found:
        await message.answer(
            _("Nobody found for “{query}”. Send an id, @username or phone, or /cancel.").format(
                query=escape(query)
            )
        )
        return
    await message.answer(
        _("Found {count}. Choose a person:").format(count=len(found)), reply_markup=kb.people(found)
    )


async def users_command(message: Message, command: CommandObject, state: FSMContext) -> None:
    """/users [id, @username or phone]: find people; without a query, ask for one."""
    await state.clear()
    if command.args:
        await _found(message, command.args[:QUERY_LIMIT])
        return
    await state.set_state(PeopleSearch.query)
    await message.answer(_("Whom to find? Send a Telegram id, @username or phone, or /cancel."))


async def users_from_menu(callback: CallbackQuery, state: FSMContext) -> None:
    """Admin menu → Users."""
    await state.set_state(PeopleSearch.query)
    if isinstance(callback.message, Message):
        await callback.message.answer(
            _("Whom to find? Send a Telegram id, @username or phone, or /cancel.")
        )


async def users_query(message: Message, state: FSMContext) -> None:
    """The typed query; the search stays open for another one."""
    text = (message.text or "").strip()
    if not text or len(text) > QUERY_LIMIT:
        await message.answer(
            _("Send an id, @username or phone of up to {max} characters, or /cancel.").format(
                max=QUERY_LIMIT
            )
        )
        return
    await _found(message, text)


async def users_query_wrong(message: Message) -> None:
    """Not text while a query is awaited."""
    await message.answer(_("Send an id, @username or phone as text, or /cancel."))


async def person_action(
    callback: CallbackQuery,
    callback_data: PersonCB,
    user: User,
    settings: Settings,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    """Show a person, change their role, ban or let them back."""
    await state.clear()
    target = callback_data.user_id
    if callback_data.action is PersonAction.role:
        await admin_users.set_role(target, callback_data.role, actor=user)
        callback_answer.text = _("Role: {role}").format(role=kb.role_label(callback_data.role))
    elif callback_data.action in (PersonAction.ban, PersonAction.unban):
        banned = callback_data.action is PersonAction.ban
        await admin_users.set_banned(target, banned, actor=user, admin_ids=settings.admin_ids)
        callback_answer.text = _("Banned.") if banned else _("Unbanned.")
    card = await admin_users.person(target, settings.admin_ids)
    await show(callback, person_text(card), kb.person(card.user, can_ban=not card.admin))


# Audit -------------------------------------------------------------------------------------


def audit_text(page: admin_users.Page[AuditLog], timezone: str) -> str:
    """A page of the audit log: when, who, what, on what, before → after."""
    zone = ZoneInfo(timezone)
    lines = [
        _("<b>🧾 Audit log</b> (page {number} of {pages})").format(
            number=page.number, pages=page.pages
        ),
        "",
    ]
    if not page.items:
        lines.append(_("No admin actions yet."))
    for entry in page.items:
        actor = entry.actor
        who = (
            f"{escape(actor.first_name or '')} ({actor.tg_id})"
            if actor is not None
            else _("system")
        )
        data = entry.data or {}
        change = ""
        if "from" in data or "to" in data:
            change = f": {escape(str(data.get('from')))} → {escape(str(data.get('to')))}"
        elif data:
            change = ": " + escape(", ".join(f"{k}={v}" for k, v in data.items()))[:200]
        lines.append(
            f"{entry.created_at.astimezone(zone).strftime('%d.%m %H:%M')} · {who} · "
            f"<code>{escape(entry.action)}</code> {escape(entry.target)}{change}"
        )
    return "\n".join(lines)


async def audit_command(message: Message, state: FSMContext, settings: Settings) -> None:
    """/audit: the latest admin actions."""
    await state.clear()
    page = await admin_users.audit_log(1)
    await message.answer(audit_text(page, settings.timezone), reply_markup=kb.audit(page))


async def audit_page(
    callback: CallbackQuery, settings: Settings, callback_data: AuditCB | AdminCB
) -> None:
    """Admin menu → Audit log, and its pages."""
    page = await admin_users.audit_log(
        callback_data.page if isinstance(callback_data, AuditCB) else 1
    )
    await show(callback, audit_text(page, settings.timezone), kb.audit(page))


def create_router() -> Router:
    """Statistics, people and the audit log (inside the admin router: admins only)."""
    router = Router(name=__name__)
    router.message.register(stats_command, Command("stats"))
    router.message.register(users_command, Command("users"))
    router.message.register(audit_command, Command("audit"))
    router.message.register(users_query, StateFilter(PeopleSearch.query), F.text)
    router.message.register(users_query_wrong, StateFilter(PeopleSearch.query))
    router.callback_query.register(stats_from_menu, AdminCB.filter(F.action == AdminAction.stats))
    router.callback_query.register(users_from_menu, AdminCB.filter(F.action == AdminAction.people))
    router.callback_query.register(audit_page, AdminCB.filter(F.action == AdminAction.audit))
    router.callback_query.register(audit_page, AuditCB.filter())
    router.callback_query.register(stats_view, StatsCB.filter())
    router.callback_query.register(person_action, PersonCB.filter())
    return router
