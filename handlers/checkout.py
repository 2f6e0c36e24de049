"""Checkout as a conversation: pickup or delivery, address, time slot, phone, payment, comment,
confirmation, and the order.

`advance()` decides the next question from what is already answered, so every step (and
"Change details") goes through one place. Each state has a valid-input handler and a
wrong-input fallback; /cancel (handlers.common) leaves the conversation at any point.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.callback_answer import CallbackAnswer

from core.config import Settings
from core.errors import CartChanged, DomainError, EmptyCart, SoldOut
from core.i18n import gettext as _
from core.money import STARS, format_price
from core.problems import explain
from core.texts import (
    digital_handover,
    fulfilment_name,
    local_time,
    payment_method_name,
    status_name,
)
from db.models import ConsentKind, Fulfilment, Order, OrderStatus, PaymentMethod, Provider, User
from handlers import screens
from handlers.cart import cart_screen, change_note, lines_text
from handlers.catalog import Screen, show, show_for
from handlers.profile import normalize_phone
from keyboards import menus
from keyboards import payments as pay_kb
from keyboards import shop as kb
from keyboards.shop import CartAction, CartCB, CheckoutAction, CheckoutCB, CheckoutConsentCB
from services import cart as carts
from services import checkout, consent, orders, payments, users
from services.cart import CartView
from services.events import ShopEvents

DATA_KEY = "checkout"
PLACED_KEY = "placed"
SLOT_HOURS = ((10, 14), (14, 18), (18, 22))
MIN_ADDRESS = 5
MAX_ADDRESS = 500
MAX_COMMENT = 500


class CheckoutStates(StatesGroup):
    """Where the checkout conversation is."""

    fulfilment = State()
    consent = State()
    address = State()
    slot = State()
    phone = State()
    payment = State()
    comment = State()
    confirm = State()


# Delivery slots ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    """A delivery window on a day, in the shop's time zone."""

    day: date
    start: int
    end: int

    @property
    def code(self) -> str:
        """Compact form for callback data: 2025052110."""
        return f"{self.day:%Y%m%d}{self.start:02d}"

    @property
    def stored(self) -> str:
        """How the order keeps it: 21.05.2025 10:00–14:00."""
        return f"{self.day:%d.%m.%Y} {self.start:02d}:00–{self.end:02d}:00"


def delivery_slots(now: datetime, timezone: str) -> list[Slot]:
    """Today's and tomorrow's windows that have not started yet."""
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    slots = []
    for offset in (0, 1):
        day = local_now.date() + timedelta(days=offset)
        for start, end in SLOT_HOURS:
            if datetime.combine(day, time(start), tzinfo=zone) > local_now:
                slots.append(Slot(day, start, end))
    return slots


def slot_label(slot: Slot, today: date) -> str:
    """ "Today 14–18" / "Tomorrow 10–14"."""
    hours = f"{slot.start}–{slot.end}"
    if slot.day == today:
        return _("Today {hours}").format(hours=hours)
    return _("Tomorrow {hours}").format(hours=hours)


# Conversation data ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Turn:
    """One step of the conversation: who, where to answer, and the message to edit if any."""

    bot: Bot
    chat_id: int
    current: Message | None
    user: User
    settings: Settings
    locale: str
    state: FSMContext


async def _answers(state: FSMContext) -> dict[str, Any]:
    return dict((await state.get_data()).get(DATA_KEY) or {})


async def _remember(state: FSMContext, **answers: Any) -> None:
    data = await _answers(state)
    data.update(answers)
    await state.update_data({DATA_KEY: data})


async def _leave(state: FSMContext) -> None:
    """End the conversation, keeping unrelated FSM data (the last search, the last order)."""
    await state.set_state(None)
    await state.update_data({DATA_KEY: None})


def _draft(answers: dict[str, Any]) -> checkout.CheckoutDraft:
    return checkout.CheckoutDraft(
        fulfilment=Fulfilment(answers.get("fulfilment", Fulfilment.pickup.value)),
        payment_method=PaymentMethod(answers.get("payment", PaymentMethod.online.value)),
        address=answers.get("address"),
        latitude=answers.get("latitude"),
        longitude=answers.get("longitude"),
        delivery_slot=answers.get("slot"),
        phone=answers.get("phone"),
        comment=answers.get("comment") or "",
    )


async def _say(turn: Turn, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """Edit the message of the pressed button, or send a new one after typed input."""
    await show(turn.bot, turn.chat_id, Screen(text, keyboard), turn.settings, turn.current)


async def _ask_with_reply_keyboard(turn: Turn, text: str, keyboard: ReplyKeyboardMarkup) -> None:
    """Reply keyboards come only with new messages: the pressed buttons are taken away."""
    if turn.current is not None:
        with suppress(TelegramBadRequest):  # nothing to take away
            await turn.current.edit_reply_markup(reply_markup=None)
    await turn.bot.send_message(turn.chat_id, text, reply_markup=keyboard)


async def _finish(turn: Turn, text: str) -> None:
    await _leave(turn.state)
    await _say(turn, text, kb.back_to_cart())


def _turn(
    event: CallbackQuery | Message,
    bot: Bot,
    user: User,
    settings: Settings,
    locale: str,
    state: FSMContext,
) -> Turn:
    if isinstance(event, CallbackQuery):
        current = event.message if isinstance(event.message, Message) else None
        chat_id = current.chat.id if current is not None else event.from_user.id
        return Turn(bot, chat_id, current, user, settings, locale, state)
    return Turn(bot, event.chat.id, None, user, settings, locale, state)


# The next question ---------------------------------------------------------------------------


async def advance(turn: Turn, notice: str = "") -> None:
    """Ask the first question that has no answer yet, or show the confirmation."""
    cart = await carts.view(turn.user)
    if cart.empty:
        await _finish(turn, explain(EmptyCart()))
        return
    provider = cart.provider
    assert provider is not None
    answers = await _answers(turn.state)
    fulfilment = answers.get("fulfilment")
    if fulfilment is None and cart.digital_only:
        fulfilment = Fulfilment.pickup.value  # handed over in the chat
        await _remember(turn.state, fulfilment=fulfilment, digital=True)
    if fulfilment is None:
        options = [
            kind
            for kind, allowed in (
                (Fulfilment.pickup, provider.allow_pickup),
                (Fulfilment.delivery, provider.allow_delivery),
            )
            if allowed
        ]
        if not options:
            await _finish(turn, _("This shop does not take orders right now."))
            return
        if len(options) > 1:
            await _ask_fulfilment(turn, provider, notice)
            return
        fulfilment = options[0].value
        await _remember(turn.state, fulfilment=fulfilment)
    if fulfilment == Fulfilment.delivery.value:
        version = turn.settings.privacy_policy_version
        if not await consent.may_collect_personal_data(turn.user, version):
            await turn.state.set_state(CheckoutStates.consent)
            await _say(turn, screens.consent_text(turn.settings), kb.checkout_consent(version))
            return
        if not answers.get("address") and answers.get("latitude") is None:
            await turn.state.set_state(CheckoutStates.address)
            await _ask_with_reply_keyboard(
                turn,
                _(
                    "Where should we deliver? Type the address (street, house, flat), "
                    "or share a location with the button below."
                ),
                kb.request_location(),
            )
            return
        if not answers.get("slot"):
            await _ask_slot(turn)
            return
        if not answers.get("phone"):
            await _ask_phone(turn)
            return
    if answers.get("payment") is None:
        online = bool(payments.channels_for(cart.currency, turn.settings))
        cash = provider.allow_cash and cart.currency != STARS and not cart.digital_only
        if not online and not cash:
            await _finish(
                turn,
                _("Online payment is not available right now, and this shop takes no cash."),
            )
            return
        if online and cash:
            await turn.state.set_state(CheckoutStates.payment)
            choices = [
                (_("💳 Pay online"), PaymentMethod.online.value),
                (_("💵 Cash on receipt"), PaymentMethod.cash.value),
            ]
            await _say(
                turn,
                _("How will you pay?"),
                kb.checkout_choices(CheckoutAction.payment, choices),
            )
            return
        method = PaymentMethod.online if online else PaymentMethod.cash
        await _remember(turn.state, payment=method.value)
    if answers.get("comment") is None:
        await turn.state.set_state(CheckoutStates.comment)
        await _say(
            turn,
            _("Any wishes for the seller? Send a comment, or press “Skip”."),
            kb.checkout_comment(),
        )
        return
    await show_confirmation(turn, notice)


async def _ask_fulfilment(turn: Turn, provider: Provider, notice: str = "") -> None:
    await turn.state.set_state(CheckoutStates.fulfilment)
    lines = [notice, ""] if notice else []
    lines.append(_("How do you want to get the order?"))
    if provider.pickup_address:
        lines.append(_("🏪 Pickup: {address}").format(address=escape(provider.pickup_address)))
    fee = (
        format_price(provider.delivery_fee, provider.currency, turn.locale)
        if provider.delivery_fee
        else _("free")
    )
    lines.append(_("🚚 Delivery: {fee}").format(fee=fee))
    choices = [
        (_("🏪 Pickup"), Fulfilment.pickup.value),
        (_("🚚 Delivery"), Fulfilment.delivery.value),
    ]
    await _say(turn, "\n".join(lines), kb.checkout_choices(CheckoutAction.fulfilment, choices))


async def _ask_slot(turn: Turn, notice: str = "") -> None:
    await turn.state.set_state(CheckoutStates.slot)
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(turn.settings.timezone)).date()
    choices = [
        (slot_label(slot, today), slot.code) for slot in delivery_slots(now, turn.settings.timezone)
    ]
    text = (notice + "\n\n" if notice else "") + _("When should we deliver?")
    await _say(turn, text, kb.checkout_choices(CheckoutAction.slot, choices, columns=3))


async def _ask_phone(turn: Turn) -> None:
    await turn.state.set_state(CheckoutStates.phone)
    if turn.user.phone:
        await _say(
            turn,
            _("The courier will call you at {phone}. Use this number?").format(
                phone=escape(turn.user.phone)
            ),
            kb.checkout_phone(turn.user.phone),
        )
        return
    await _ask_with_reply_keyboard(
        turn,
        _(
            "The courier needs your phone number. Press the button below to share it, "
            "or type it like +79991234567."
        ),
        menus.request_phone(),
    )


def _delivery_lines(answers: dict[str, Any], provider: Provider) -> list[str]:
    if answers.get("digital"):
        return [digital_handover()]
    if answers.get("fulfilment") != Fulfilment.delivery.value:
        address = provider.pickup_address or provider.name
        return [_("🏪 Pickup: {address}").format(address=escape(address))]
    lines = [_("🚚 Delivery: {address}").format(address=escape(_address_text(answers)))]
    if answers.get("slot"):
        lines.append(_("🕒 Time: {slot}").format(slot=escape(answers["slot"])))
    if answers.get("phone"):
        lines.append(_("📱 Phone: {phone}").format(phone=escape(answers["phone"])))
    return lines


def _address_text(answers: dict[str, Any]) -> str:
    if answers.get("address"):
        return str(answers["address"])
    return "📍 {lat:.5f}, {lon:.5f}".format(lat=answers["latitude"], lon=answers["longitude"])


async def show_confirmation(turn: Turn, notice: str = "") -> None:
    """The order as it will be placed; changes since the cart are shown and accepted first."""
    cart = await carts.view(turn.user)
    if cart.changes:
        notes = [
            "• {title}: {note}".format(
                title=escape(line.product.title[:60]),
                note=change_note(line, turn.locale).replace("\n", "; "),
            )
            for line in cart.changes
        ]
        cart = await carts.acknowledge_changes(turn.user)
        notice = "\n".join(
            [
                notice or _("⚠️ Prices or availability changed:"),
                *notes,
                _("Please check the order again."),
            ]
        )
    if cart.empty:
        await _finish(turn, (notice + "\n\n" if notice else "") + explain(EmptyCart()))
        return
    provider = cart.provider
    assert provider is not None
    answers = await _answers(turn.state)
    key = checkout.new_checkout_key()
    await _remember(turn.state, key=key)
    await turn.state.set_state(CheckoutStates.confirm)
    await _say(
        turn,
        _confirmation_text(cart, provider, answers, turn.locale, notice),
        kb.checkout_confirm(key),
    )


def _confirmation_text(
    cart: CartView, provider: Provider, answers: dict[str, Any], locale: str, notice: str
) -> str:
    delivery = answers.get("fulfilment") == Fulfilment.delivery.value
    fee = provider.delivery_fee if delivery else 0
    parts = [notice, ""] if notice else []
    parts += [
        _("<b>Check your order</b> · {shop}").format(shop=escape(provider.name)),
        "",
        lines_text(cart, locale),
        "",
        *_delivery_lines(answers, provider),
        _("💳 Payment: {method}").format(
            method=payment_method_name(PaymentMethod(answers.get("payment", "online")))
        ),
    ]
    if answers.get("comment"):
        parts.append(_("💬 Comment: {comment}").format(comment=escape(answers["comment"])))
    parts.append("")
    if fee:
        parts.append(
            _("Products: {amount}").format(amount=format_price(cart.total, cart.currency, locale))
        )
        parts.append(_("Delivery: {fee}").format(fee=format_price(fee, cart.currency, locale)))
    parts.append(
        _("<b>Total: {total}</b>").format(
            total=format_price(cart.total + fee, cart.currency, locale)
        )
    )
    return "\n".join(parts)


def placed_text(order: Order, settings: Settings, locale: str) -> str:
    """ "Order №N placed", its status, how it is received, and what happens with the payment."""
    lines = [
        _("✅ <b>Order №{number} placed</b>").format(number=order.id),
        _("Status: {status}").format(status=status_name(order.status)),
        _("Total: {total}").format(total=format_price(order.total, order.currency, locale)),
        digital_handover() if order.currency == STARS else fulfilment_name(order.fulfilment),
    ]
    if order.status is OrderStatus.pending_payment:
        lines.append(_("Payment: online, choose how to pay below."))
        if order.expires_at is not None:
            lines.append(
                _(
                    "Please pay by {deadline}: an unpaid order is cancelled after that "
                    "and the products go back on sale."
                ).format(deadline=local_time(order.expires_at, settings.timezone))
            )
    elif order.payment_method is PaymentMethod.cash:
        lines.append(_("Payment: cash on receipt."))
    return "\n".join(lines)


def placed_keyboard(order: Order, settings: Settings) -> InlineKeyboardMarkup:
    """The ways to pay an order awaiting payment; else the order card and the menu."""
    if order.status is OrderStatus.pending_payment:
        return pay_kb.pay_choices(order.id, payments.channels_for(order.currency, settings))
    return kb.order_placed(order.id)


# Entry ---------------------------------------------------------------------------------------


async def start_checkout(
    callback: CallbackQuery,
    user: User,
    settings: Settings,
    bot: Bot,
    locale: str,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    """ "Checkout" in the cart: starts (or restarts) the conversation."""
    turn = _turn(callback, bot, user, settings, locale, state)
    cart = await carts.view(user)
    if cart.empty or cart.changes:
        error = EmptyCart() if cart.empty else CartChanged()
        callback_answer.text = explain(error)
        await _leave(state)
        await show_for(callback, cart_screen(cart, locale), settings, bot)
        return
    await state.update_data({DATA_KEY: {}})
    await advance(turn)


async def busy_elsewhere(callback: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """ "Checkout" pressed while another conversation waits for an answer."""
    callback_answer.text = _("Please finish the current step first, or send /cancel.")
    callback_answer.show_alert = True


# Button steps --------------------------------------------------------------------------------


async def choose_fulfilment(
    callback: CallbackQuery,
    callback_data: CheckoutCB,
    user: User,
    settings: Settings,
    bot: Bot,
    locale: str,
    state: FSMContext,
) -> None:
    """Pickup or delivery."""
    try:
        fulfilment = Fulfilment(callback_data.value)
    except ValueError:
        fulfilment = Fulfilment.pickup
    await _remember(state, fulfilment=fulfilment.value)
    await advance(_turn(callback, bot, user, settings, locale, state))


async def decide_consent(
    callback: CallbackQuery,
    callback_data: CheckoutConsentCB,
    user: User,
    settings: Settings,
    bot: Bot,
    locale: str,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    """Consent before the address and phone; without it delivery is not possible."""
    version = settings.privacy_policy_version
    if callback_data.version != version:
        callback_answer.text = _("This button is out of date. Open /privacy again.")
        return
    await consent.record(
        user, ConsentKind.personal_data, granted=callback_data.accept, version=version
    )
    turn = _turn(callback, bot, user, settings, locale, state)
    if callback_data.accept:
        callback_answer.text = _("Thank you, your consent is recorded.")
        await advance(turn)
        return
    cart = await carts.view(user)
    provider = cart.provider
    refusal = _("Understood. Delivery needs your address and phone, so we cannot deliver.")
    if provider is not None and provider.allow_pickup:
        await _remember(state, fulfilment=None)
        await _ask_fulfilment(turn, provider, refusal + " " + _("You can pick the order up."))
        return
    await _finish(turn, refusal + " " + _("Your cart is kept."))


async def choose_slot(
    callback: CallbackQuery,
    callback_data: CheckoutCB,
    user: User,
    settings: Settings,
    bot: Bot,
    locale: str,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    """A delivery window; one that has started meanwhile is refused."""
    turn = _turn(callback, bot, user, settings, locale, state)
    slots = {slot.code: slot for slot in delivery_slots(datetime.now(UTC), settings.timezone)}
    slot = slots.get(callback_data.value)
    if slot is None:
        callback_answer.text = _("This time has already passed. Please choose another one.")
        await _ask_slot(turn)
        return
    await _remember(state, slot=slot.stored)
    await advance(turn)


async def use_saved_phone(
    callback: CallbackQuery,
    user: User,
    settings: Settings,
    bot: Bot,
    locale: str,
    state: FSMContext,
) -> None:
    """The phone the person gave before."""
    turn = _turn(callback, bot, user, settings, locale, state)
    if not user.phone:
        await _ask_phone(turn)
        return
    await _remember(state, phone=user.phone)
    await advance(turn)


async def other_phone(
    callback: CallbackQuery,
    user: User,
    settings: Settings,
    bot: Bot,
    locale: str,
    state: FSMContext,
) -> None:
    """Give another phone number."""
    turn = _turn(callback, bot, user, settings, locale, state)
    await _ask_with_reply_keyboard(
        turn,
        _("Press the button below to share your phone number, or type it like +79991234567."),
        menus.request_phone(),
    )


async def choose_payment(
    callback: CallbackQuery,
    callback_data: CheckoutCB,
    user: User,
    settings: Settings,
    bot: Bot,
    locale: str,
    state: FSMContext,
) -> None:
    """Online or cash on receipt."""
    try:
        method = PaymentMethod(callback_data.value)
    except ValueError:
        method = PaymentMethod.online
    await _remember(state, payment=method.value)
    await advance(_turn(callback, bot, user, settings, locale, state))


async def skip_comment(
    callback: CallbackQuery,
    user: User,
    settings: Settings,
    bot: Bot,
    locale: str,
    state: FSMContext,
) -> None:
    """No comment."""
    await _remember(state, comment="")
    await advance(_turn(callback, bot, user, settings, locale, state))


async def restart(
    callback: CallbackQuery,
    user: User,
    settings: Settings,
    bot: Bot,
    locale: str,
    state: FSMContext,
) -> None:
    """ "Change details": answer every question again."""
    await state.update_data({DATA_KEY: {}})
    await advance(_turn(callback, bot, user, settings, locale, state))


async def abort(
    callback: CallbackQuery,
    user: User,
    settings: Settings,
    bot: Bot,
    locale: str,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    """Leave the checkout; the cart stays as it is."""
    await _leave(state)
    callback_answer.text = _("Checkout cancelled. Your cart is kept.")
    await show_for(callback, cart_screen(await carts.view(user), locale), settings, bot)


async def place(
    callback: CallbackQuery,
    callback_data: CheckoutCB,
    user: User,
    settings: Settings,
    bot: Bot,
    locale: str,
    state: FSMContext,
    shop_events: ShopEvents,
    callback_answer: CallbackAnswer,
) -> None:
    """ "Place order": one order per confirmation, however many times it is pressed."""
    turn = _turn(callback, bot, user, settings, locale, state)
    key = callback_data.value
    data = await state.get_data()
    placed = data.get(PLACED_KEY) or {}
    if placed.get("key") == key:
        try:
            order = await orders.customer_order(user, int(placed["order"]))
        except DomainError as error:
            callback_answer.text = explain(error)
            return
        callback_answer.text = _("This order is already placed.")
        await _say(turn, placed_text(order, settings, locale), placed_keyboard(order, settings))
        return
    answers = dict(data.get(DATA_KEY) or {})
    if await state.get_state() != CheckoutStates.confirm.state or answers.get("key") != key:
        callback_answer.text = _("This button is out of date.")
        return
    try:
        order = await checkout.place_order(
            user,
            _draft(answers),
            checkout_key=key,
            events=shop_events,
            payment_timeout=timedelta(minutes=settings.order_payment_timeout),
        )
    except CartChanged as error:
        callback_answer.text = explain(error)
        await show_confirmation(turn)
        return
    except SoldOut as error:
        await _leave(state)
        cart = await carts.view(user)
        screen = cart_screen(cart, locale)
        text = explain(error) + "\n" + _("The order was not placed.") + "\n\n" + screen.text
        await _say(turn, text, screen.keyboard)
        return
    except DomainError as error:
        await _finish(turn, explain(error) + "\n" + _("The order was not placed."))
        return
    await state.set_state(None)
    await state.update_data({DATA_KEY: None, PLACED_KEY: {"key": key, "order": order.id}})
    await _say(turn, placed_text(order, settings, locale), placed_keyboard(order, settings))


# Typed steps ---------------------------------------------------------------------------------


async def address_text(
    message: Message, user: User, settings: Settings, bot: Bot, locale: str, state: FSMContext
) -> None:
    """A typed address."""
    address = " ".join((message.text or "").split())
    if len(address) < MIN_ADDRESS:
        await message.answer(
            _("That address is too short. Type the street, house and flat, or share a location.")
        )
        return
    if len(address) > MAX_ADDRESS:
        await message.answer(
            _("That address is too long: at most {count} characters.").format(count=MAX_ADDRESS)
        )
        return
    await _remember(state, address=address, latitude=None, longitude=None)
    await message.answer(
        _("📍 Address: {address}").format(address=escape(address)),
        reply_markup=ReplyKeyboardRemove(),
    )
    await advance(_turn(message, bot, user, settings, locale, state))


async def address_location(
    message: Message, user: User, settings: Settings, bot: Bot, locale: str, state: FSMContext
) -> None:
    """A shared location instead of an address."""
    location = message.location
    assert location is not None
    await _remember(state, address=None, latitude=location.latitude, longitude=location.longitude)
    await message.answer(_("📍 Location received."), reply_markup=ReplyKeyboardRemove())
    await advance(_turn(message, bot, user, settings, locale, state))


async def address_wrong_input(message: Message) -> None:
    """Anything else while we wait for an address."""
    await message.answer(
        _(
            "Please type the delivery address, or share a location with the button below. "
            "/cancel stops the checkout."
        )
    )


async def _take_phone(
    message: Message,
    phone: str,
    user: User,
    settings: Settings,
    bot: Bot,
    locale: str,
    state: FSMContext,
) -> None:
    await users.set_phone(user, phone)
    await _remember(state, phone=phone)
    await message.answer(
        _("📱 Phone: {phone}").format(phone=escape(phone)), reply_markup=ReplyKeyboardRemove()
    )
    await advance(_turn(message, bot, user, settings, locale, state))


async def phone_contact(
    message: Message, user: User, settings: Settings, bot: Bot, locale: str, state: FSMContext
) -> None:
    """A shared contact: only the person's own number is accepted."""
    contact = message.contact
    assert contact is not None
    if message.from_user is None or contact.user_id != message.from_user.id:
        await message.answer(_("Please share your own number with the button below."))
        return
    phone = normalize_phone(contact.phone_number)
    if phone is None:
        await message.answer(_("Telegram sent a number I cannot read. Please type it."))
        return
    await _take_phone(message, phone, user, settings, bot, locale, state)


async def phone_text(
    message: Message, user: User, settings: Settings, bot: Bot, locale: str, state: FSMContext
) -> None:
    """A typed number, validated."""
    phone = normalize_phone(message.text or "")
    if phone is None:
        await message.answer(
            _("That does not look like a phone number. Type it like +79991234567, or /cancel.")
        )
        return
    await _take_phone(message, phone, user, settings, bot, locale, state)


async def phone_wrong_input(message: Message) -> None:
    """Anything else while we wait for a phone."""
    await message.answer(
        _("I am waiting for your phone number: press the button below, or /cancel.")
    )


async def comment_text(
    message: Message, user: User, settings: Settings, bot: Bot, locale: str, state: FSMContext
) -> None:
    """A comment for the seller."""
    comment = (message.text or "").strip()
    if len(comment) > MAX_COMMENT:
        await message.answer(
            _("That comment is too long: at most {count} characters.").format(count=MAX_COMMENT)
        )
        return
    await _remember(state, comment=comment)
    await advance(_turn(message, bot, user, settings, locale, state))


async def comment_wrong_input(message: Message) -> None:
    """Anything but text while we wait for a comment."""
    await message.answer(_("Please send the comment as text, or press “Skip”."))


async def buttons_wrong_input(message: Message) -> None:
    """Typing while the conversation waits for a button."""
    await message.answer(
        _("Please choose with the buttons above, or send /cancel to stop the checkout.")
    )


def create_router() -> Router:
    """The checkout conversation."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    cb = router.callback_query
    cb.register(
        start_checkout,
        CartCB.filter(F.action == CartAction.checkout),
        StateFilter(None, CheckoutStates),
    )
    cb.register(busy_elsewhere, CartCB.filter(F.action == CartAction.checkout))
    # "Place order" answers in any state: a second click after the order exists shows it.
    cb.register(place, CheckoutCB.filter(F.action == CheckoutAction.place))
    cb.register(
        abort, CheckoutCB.filter(F.action == CheckoutAction.abort), StateFilter(CheckoutStates)
    )
    cb.register(
        restart,
        CheckoutCB.filter(F.action == CheckoutAction.restart),
        StateFilter(CheckoutStates.confirm),
    )
    cb.register(
        choose_fulfilment,
        CheckoutCB.filter(F.action == CheckoutAction.fulfilment),
        StateFilter(CheckoutStates.fulfilment),
    )
    cb.register(decide_consent, CheckoutConsentCB.filter(), StateFilter(CheckoutStates.consent))
    cb.register(
        choose_slot,
        CheckoutCB.filter(F.action == CheckoutAction.slot),
        StateFilter(CheckoutStates.slot),
    )
    cb.register(
        use_saved_phone,
        CheckoutCB.filter(F.action == CheckoutAction.saved_phone),
        StateFilter(CheckoutStates.phone),
    )
    cb.register(
        other_phone,
        CheckoutCB.filter(F.action == CheckoutAction.other_phone),
        StateFilter(CheckoutStates.phone),
    )
    cb.register(
        choose_payment,
        CheckoutCB.filter(F.action == CheckoutAction.payment),
        StateFilter(CheckoutStates.payment),
    )
    cb.register(
        skip_comment,
        CheckoutCB.filter(F.action == CheckoutAction.skip_comment),
        StateFilter(CheckoutStates.comment),
    )
    msg = router.message
    msg.register(address_location, StateFilter(CheckoutStates.address), F.location)
    msg.register(address_text, StateFilter(CheckoutStates.address), F.text, ~F.text.startswith("/"))
    msg.register(address_wrong_input, StateFilter(CheckoutStates.address))
    msg.register(phone_contact, StateFilter(CheckoutStates.phone), F.contact)
    msg.register(phone_text, StateFilter(CheckoutStates.phone), F.text)
    msg.register(phone_wrong_input, StateFilter(CheckoutStates.phone))
    msg.register(comment_text, StateFilter(CheckoutStates.comment), F.text, ~F.text.startswith("/"))
    msg.register(comment_wrong_input, StateFilter(CheckoutStates.comment))
    msg.register(
        buttons_wrong_input,
        StateFilter(
            CheckoutStates.fulfilment,
            CheckoutStates.consent,
            CheckoutStates.slot,
            CheckoutStates.payment,
            CheckoutStates.confirm,
        ),
    )
    return router
