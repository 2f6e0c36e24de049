"""Admin: providers — list, screen, switches and settings, creation with an owner or invite."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.errors import InvalidInput
from core.i18n import gettext as _
from core.money import format_price, parse_amount
from db.models import Provider, ProviderKind, User
from handlers.admin_common import show
from keyboards import admin as kb
from keyboards.admin import (
    AdmFlowCB,
    AdminAction,
    AdminCB,
    AdmKindCB,
    AdmProviderCB,
    AdmTaxCB,
    AdmToggleCB,
    FlowAction,
    ProviderAction,
)
from services import admin, catalog
from services.deeplinks import invite_link


class NewProviderStates(StatesGroup):
    """Creating a provider: kind → name → slug → owner."""

    kind = State()
    name = State()
    slug = State()
    owner = State()


class ProviderEditStates(StatesGroup):
    """Typing one setting of an existing provider (`provider_id` in the state data)."""

    owner = State()
    address = State()
    fee = State()
    threshold = State()
    legal_name = State()
    inn = State()


EDIT_STATES = {
    ProviderAction.owner: ProviderEditStates.owner,
    ProviderAction.address: ProviderEditStates.address,
    ProviderAction.fee: ProviderEditStates.fee,
    ProviderAction.threshold: ProviderEditStates.threshold,
    ProviderAction.legal_name: ProviderEditStates.legal_name,
    ProviderAction.inn: ProviderEditStates.inn,
}
CLEAR_MARK = "-"


def tax_system_names() -> dict[int, str]:
    """54-FZ tax systems, in the current locale."""
    return {
        1: _("General (OSN)"),
        2: _("Simplified, income (USN)"),
        3: _("Simplified, income minus expenses"),
        4: _("Imputed income (ENVD)"),
        5: _("Unified agricultural tax (ESKhN)"),
        6: _("Patent (PSN)"),
    }


def kind_name(kind: ProviderKind) -> str:
    """Shop or tutor, in the current locale."""
    return _("tutor") if ProviderKind(kind) is ProviderKind.tutor else _("shop")


def owner_text(owner: User | None) -> str:
    """Who owns a provider, as the admin recognises them."""
    if owner is None:
        return _("nobody yet — send an invite link")
    if owner.is_anonymized:
        return escape(owner.pseudonym)
    parts = [escape(owner.full_name) or _("(no name yet)")]
    if owner.username:
        parts.append("@" + escape(owner.username))
    if owner.tg_id is not None:
        parts.append(_("id {id}").format(id=owner.tg_id))
    return ", ".join(parts)


async def provider_text(provider_id: int, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    """The provider screen: owner, counts, switches and receipt data."""
    provider, stats = await admin.provider_card(provider_id)
    on, off = _("on"), _("off")
    text = _(
        "<b>{name}</b> ({kind}) · <code>{slug}</code>\n"
        "Status: {status}\n"
        "Owner: {owner}\n"
        "Products: {products} (visible {visible}, blocked {blocked})\n"
        "Orders: {orders} (in progress {active})\n\n"
        "Pickup: {pickup} · Delivery: {delivery} · Cash: {cash}\n"
        "Pickup address: {address}\n"
        "Delivery fee: {fee}\n"
        "Low-stock threshold: {threshold}\n\n"
        "Legal name: {legal}\n"
        "INN: {inn}\n"
        "Tax system: {tax}"
    ).format(
        name=escape(provider.name),
        kind=kind_name(provider.kind),
        slug=escape(provider.slug),
        status=_("active") if provider.is_active else _("deactivated"),
        owner=owner_text(provider.owner),
        products=stats.products,
        visible=stats.visible,
        blocked=stats.blocked,
        orders=stats.orders,
        active=stats.active_orders,
        pickup=on if provider.allow_pickup else off,
        delivery=on if provider.allow_delivery else off,
        cash=on if provider.allow_cash else off,
        address=escape(provider.pickup_address) or "—",
        fee=format_price(provider.delivery_fee, provider.currency, locale),
        threshold=provider.low_stock_threshold,
        legal=escape(provider.legal_name) or "—",
        inn=escape(provider.inn) or "—",
        tax=tax_system_names().get(provider.tax_system_code, str(provider.tax_system_code)),
    )
    return text, kb.provider_screen(provider)


async def _send_provider(message: Message, provider_id: int, locale: str, notice: str) -> None:
    text, keyboard = await provider_text(provider_id, locale)
    await message.answer(f"{notice}\n\n{text}", reply_markup=keyboard)


# List and screen ----------------------------------------------------------------------------


async def providers_list(
    callback: CallbackQuery,
    callback_data: AdminCB,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    """Every provider, paginated; the CSV section lists them too."""
    await state.clear()
    page = await admin.all_providers(callback_data.page)
    if page.out_of_range:
        callback_answer.text = _("That page no longer exists.")
    if callback_data.action is AdminAction.csv:
        title = _("<b>Catalog CSV</b>\nChoose a provider:")
    else:
        title = _("<b>Providers</b> ({count})").format(count=page.total)
    if not page.items:
        title += "\n\n" + _("There are no providers yet.")
    elif page.pages > 1:
        title += "\n" + _("Page {number} of {pages}").format(number=page.number, pages=page.pages)
    await show(callback, title, kb.provider_list(page, callback_data.action))


async def provider_screen(
    callback: CallbackQuery,
    callback_data: AdmProviderCB,
    state: FSMContext,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """One provider's screen (also "back" from any of its settings)."""
    await state.clear()
    text, keyboard = await provider_text(callback_data.provider_id, locale)
    await show(callback, text, keyboard)


async def toggle(
    callback: CallbackQuery,
    callback_data: AdmToggleCB,
    user: User,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """Set a switch (active, pickup, delivery, cash) to the value the button showed."""
    column = kb.TOGGLE_COLUMNS[callback_data.field]
    await admin.update_provider(
        callback_data.provider_id, actor=user, **{column: callback_data.value}
    )
    text, keyboard = await provider_text(callback_data.provider_id, locale)
    callback_answer.text = _("Saved.")
    await show(callback, text, keyboard)


async def tax_screen(
    callback: CallbackQuery, callback_data: AdmProviderCB, callback_answer: CallbackAnswer
) -> None:
    """Choose the tax system of the provider's receipts."""
    provider = await Provider.get_or_none(id=callback_data.provider_id)
    if provider is None:
        callback_answer.text = _("Not found. It may have been removed.")
        return
    await show(
        callback,
        _("<b>{name}</b>: choose the tax system for receipts (54-FZ).").format(
            name=escape(provider.name)
        ),
        kb.tax_systems(provider.id, provider.tax_system_code, tax_system_names()),
    )


async def set_tax(
    callback: CallbackQuery,
    callback_data: AdmTaxCB,
    user: User,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """Store the chosen tax system."""
    await admin.update_provider(
        callback_data.provider_id, actor=user, tax_system_code=callback_data.code
    )
    text, keyboard = await provider_text(callback_data.provider_id, locale)
    callback_answer.text = _("Saved.")
    await show(callback, text, keyboard)


async def invite(
    callback: CallbackQuery,
    callback_data: AdmProviderCB,
    user: User,
    bot: Bot,
    callback_answer: CallbackAnswer,
) -> None:
    """A fresh one-time invite link for an existing provider."""
    provider = await Provider.get_or_none(id=callback_data.provider_id)
    if provider is None:
        callback_answer.text = _("Not found. It may have been removed.")
        return
    code = (await catalog.create_invite(provider, actor=user)).code
    await show(
        callback,
        await invite_text(bot, provider, code),
        kb.back_to_provider(provider.id),
    )


async def invite_text(bot: Bot, provider: Provider, code: str) -> str:
    """The invite link with how it works."""
    me = await bot.me()
    link = invite_link(me.username or "", code)
    return _(
        "Invite link for <b>{name}</b>. Whoever opens it first becomes the owner; "
        "it works once and expires in 7 days:\n\n{link}"
    ).format(name=escape(provider.name), link=escape(link))


# Typed settings -----------------------------------------------------------------------------


def _prompt(action: ProviderAction) -> str:
    prompts = {
        ProviderAction.owner: _("Send the Telegram id of the new owner (digits)."),
        ProviderAction.address: _("Send the pickup address, or “-” to clear it."),
        ProviderAction.fee: _("Send the delivery fee in roubles, like 300 or 149.90 (0: free)."),
        ProviderAction.threshold: _(
            "Send the low-stock threshold: the owner is warned when stock falls below it."
        ),
        ProviderAction.legal_name: _(
            "Send the legal name for receipts, like “IP Ivanov Ivan Ivanovich”, or “-” to clear."
        ),
        ProviderAction.inn: _("Send the INN: 10 digits (organisation) or 12 (entrepreneur)."),
    }
    return prompts[action]


async def ask_setting(
    callback: CallbackQuery,
    callback_data: AdmProviderCB,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    """Start typing one setting of the provider."""
    provider = await Provider.get_or_none(id=callback_data.provider_id)
    if provider is None:
        callback_answer.text = _("Not found. It may have been removed.")
        return
    await state.set_state(EDIT_STATES[callback_data.action])
    await state.update_data(provider_id=provider.id)
    text = "<b>{name}</b>\n\n{prompt}\n\n{cancel}".format(
        name=escape(provider.name),
        prompt=_prompt(callback_data.action),
        cancel=_("/cancel — leave it as it is."),
    )
    await show(callback, text, kb.back_to_provider(provider.id))


def _parse_setting(current: str | None, text: str) -> dict[str, object]:
    """The typed value as provider fields; InvalidInput names the problem."""
    value = text.strip()
    if current == ProviderEditStates.address.state:
        return {"pickup_address": "" if value == CLEAR_MARK else value}
    if current == ProviderEditStates.legal_name.state:
        return {"legal_name": "" if value == CLEAR_MARK else value}
    if current == ProviderEditStates.fee.state:
        try:
            fee = parse_amount(value, "RUB")
        except ValueError:
            raise InvalidInput(field="delivery_fee") from None
        return {"delivery_fee": fee}
    if current == ProviderEditStates.threshold.state:
        if not value.isdigit():
            raise InvalidInput(field="low_stock_threshold")
        return {"low_stock_threshold": int(value)}
    if current == ProviderEditStates.inn.state:
        if not admin.valid_inn(value):
            raise InvalidInput(field="inn")
        return {"inn": value}
    raise InvalidInput(field="state")


async def setting_text(
    message: Message, state: FSMContext, user: User, locale: str, bot: Bot
) -> None:
    """A typed setting value: validated, saved, then the provider screen again."""
    data = await state.get_data()
    provider_id = int(data.get("provider_id", 0))
    current = await state.get_state()
    # A wrong value is explained and asked again, other refusals end this (handlers.errors).
    if current == ProviderEditStates.owner.state:
        owner = await admin.user_by_tg_id(_tg_id(message.text or ""))
        await admin.set_owner(provider_id, owner, actor=user)
    else:
        changes = _parse_setting(current, message.text or "")
        await admin.update_provider(provider_id, actor=user, **changes)
    await state.clear()
    await _send_provider(message, provider_id, locale, _("✅ Saved."))


async def setting_wrong_input(message: Message) -> None:
    """A photo, sticker, ... while a setting is expected."""
    await message.answer(_("Please send the value as text, or /cancel."))


# New provider -------------------------------------------------------------------------------


def _tg_id(text: str) -> int:
    value = text.strip()
    if not value.isdigit() or len(value) > 16:
        raise InvalidInput(field="tg_id")
    return int(value)


async def new_provider(callback: CallbackQuery, state: FSMContext) -> None:
    """Start creating a provider: its kind first."""
    await state.clear()
    await state.set_state(NewProviderStates.kind)
    await show(
        callback,
        _("<b>New provider</b>\n\nIs it a shop or a tutor? /cancel to stop."),
        kb.provider_kinds(),
    )


async def new_kind(callback: CallbackQuery, callback_data: AdmKindCB, state: FSMContext) -> None:
    """Kind chosen: ask the name."""
    await state.update_data(kind=callback_data.kind.value)
    await state.set_state(NewProviderStates.name)
    await show(
        callback,
        _("<b>New {kind}</b>\n\nSend its name as customers will see it.").format(
            kind=kind_name(callback_data.kind)
        ),
    )


async def new_kind_wrong_input(message: Message) -> None:
    """Anything typed while the kind buttons are shown."""
    await message.answer(_("Choose “Shop” or “Tutor” with the buttons above, or /cancel."))


async def new_name(message: Message, state: FSMContext) -> None:
    """Name given: suggest a slug from it."""
    name = " ".join((message.text or "").split())
    if not 1 <= len(name) <= 128:
        await message.answer(_("The name must be 1 to 128 characters. Send another, or /cancel."))
        return
    suggestion = await admin.free_slug(admin.suggest_slug(name))
    await state.update_data(name=name, suggested_slug=suggestion)
    await state.set_state(NewProviderStates.slug)
    await message.answer(
        _(
            "Now the short name for links (slug): Latin letters, digits and hyphens, "
            "2 to 63 characters, e.g. t.me/…?start=s_<b>{slug}</b>.\n\n"
            "Send one, or use the suggestion."
        ).format(slug=escape(suggestion)),
        reply_markup=kb.use_slug(suggestion),
    )


async def _accept_slug(message: Message, state: FSMContext, slug: str) -> None:
    slug = slug.strip().lower()
    if not admin.valid_slug(slug):
        await message.answer(
            _(
                "A slug has 2 to 63 Latin letters, digits or hyphens and starts with a letter "
                "or digit. Send another, or /cancel."
            )
        )
        return
    if await admin.slug_taken(slug):
        await message.answer(
            _("The slug “{slug}” is taken. Send another, or /cancel.").format(slug=escape(slug))
        )
        return
    await state.update_data(slug=slug)
    await state.set_state(NewProviderStates.owner)
    await message.answer(
        _(
            "Who owns it? Send the owner's Telegram id (digits), or press “Invite link” "
            "to get a one-time link for the owner to open."
        ),
        reply_markup=kb.owner_choice(),
    )


async def new_slug(message: Message, state: FSMContext) -> None:
    """A typed slug."""
    await _accept_slug(message, state, message.text or "")


async def new_slug_suggested(callback: CallbackQuery, state: FSMContext) -> None:
    """The suggested slug accepted with the button."""
    if not isinstance(callback.message, Message):
        return
    await callback.message.edit_reply_markup(reply_markup=None)
    slug = str((await state.get_data()).get("suggested_slug", ""))
    await _accept_slug(callback.message, state, slug)


async def _create(state: FSMContext, user: User, owner: User | None) -> Provider:
    data = await state.get_data()
    await state.clear()  # created or refused (the slug taken meanwhile): this flow is over
    return await catalog.create_provider(
        ProviderKind(data["kind"]), data["name"], data["slug"], actor=user, owner=owner
    )


async def new_owner_id(message: Message, state: FSMContext, user: User, locale: str) -> None:
    """Owner given by Telegram id: create the provider with them as owner."""
    owner = await admin.user_by_tg_id(_tg_id(message.text or ""))
    provider = await _create(state, user, owner)
    await _send_provider(message, provider.id, locale, _("✅ Created."))


async def new_owner_invite(
    callback: CallbackQuery, state: FSMContext, user: User, bot: Bot
) -> None:
    """Owner by invite: create the provider without an owner and show the one-time link."""
    if not isinstance(callback.message, Message):
        return
    provider = await _create(state, user, None)
    code = (await catalog.create_invite(provider, actor=user)).code
    text = _("✅ Created.") + "\n\n" + await invite_text(bot, provider, code)
    await show(callback, text, kb.back_to_provider(provider.id))


async def text_expected(message: Message) -> None:
    """Not text where a name, slug or id is expected."""
    await message.answer(_("Please send it as text, or /cancel."))


def create_router() -> Router:
    """Providers section of the admin panel (under the admin router's filter)."""
    router = Router(name=__name__)
    cb = router.callback_query
    cb.register(
        providers_list,
        AdminCB.filter(F.action.in_({AdminAction.providers, AdminAction.csv})),
    )
    cb.register(new_provider, AdminCB.filter(F.action == AdminAction.new_provider))
    cb.register(provider_screen, AdmProviderCB.filter(F.action == ProviderAction.show))
    cb.register(toggle, AdmToggleCB.filter())
    cb.register(tax_screen, AdmProviderCB.filter(F.action == ProviderAction.tax))
    cb.register(set_tax, AdmTaxCB.filter())
    cb.register(invite, AdmProviderCB.filter(F.action == ProviderAction.invite))
    cb.register(ask_setting, AdmProviderCB.filter(F.action.in_(set(EDIT_STATES))))
    cb.register(new_kind, StateFilter(NewProviderStates.kind), AdmKindCB.filter())
    cb.register(
        new_slug_suggested,
        StateFilter(NewProviderStates.slug),
        AdmFlowCB.filter(F.action == FlowAction.use_slug),
    )
    cb.register(
        new_owner_invite,
        StateFilter(NewProviderStates.owner),
        AdmFlowCB.filter(F.action == FlowAction.invite),
    )

    msg = router.message
    msg.register(setting_text, StateFilter(ProviderEditStates), F.text)
    msg.register(setting_wrong_input, StateFilter(ProviderEditStates))
    msg.register(new_kind_wrong_input, StateFilter(NewProviderStates.kind))
    msg.register(new_name, StateFilter(NewProviderStates.name), F.text)
    msg.register(new_slug, StateFilter(NewProviderStates.slug), F.text)
    msg.register(new_owner_id, StateFilter(NewProviderStates.owner), F.text)
    msg.register(text_expected, StateFilter(NewProviderStates))
    return router
