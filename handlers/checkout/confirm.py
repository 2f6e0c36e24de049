"""Checkout's last step: "Place order" on the confirmation, and what the person sees then."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.config import Settings
from core.errors import (
    CartChanged,
    ConsentRequired,
    EmptyCart,
    InvalidInput,
    PromoRefused,
    SoldOut,
)
from core.i18n import gettext as _
from core.money import STARS, format_price
from core.problems import explain
from core.texts import digital_handover, fulfilment_name, local_time, status_name
from db.models import Order, OrderStatus, PaymentMethod
from handlers.cart import cart_screen
from handlers.checkout.conversation import (
    DATA_KEY,
    PLACED_KEY,
    CheckoutStates,
    Turn,
    draft_of,
    finish,
    forget,
    leave,
    remember,
    say,
)
from handlers.checkout.flow import advance, show_confirmation
from keyboards import payments as pay_kb
from keyboards import shop as kb
from keyboards.shop import CheckoutAction, CheckoutCB
from services import cart as carts
from services import checkout, orders, payments
from services.events import ShopEvents


def placed_text(order: Order, settings: Settings, locale: str) -> str:
    """ "Order #N placed", its status, how it is received, and what happens with the payment."""
    lines = [
        _("✅ <b>Order #{number} placed</b>").format(number=order.id),
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
        keyboard = pay_kb.pay_choices(order.id, payments.channels_for(order.currency, settings))
    else:
        keyboard = kb.order_placed(order.id)
    if settings.mini_app_available:
        keyboard.inline_keyboard.append([kb.order_in_app(settings.mini_app_order_url(order.id))])
    return keyboard


async def place(
    callback: CallbackQuery,
    callback_data: CheckoutCB,
    turn: Turn,
    shop_events: ShopEvents,
    callback_answer: CallbackAnswer,
) -> None:
    """ "Place order": one order per confirmation, however many times it is pressed."""
    user, settings, locale, state = turn.user, turn.settings, turn.locale, turn.state
    key = callback_data.value
    data = await state.get_data()
    placed = data.get(PLACED_KEY) or {}
    if placed.get("key") == key:
        order = await orders.customer_order(user, int(placed["order"]))
        callback_answer.text = _("This order is already placed.")
        await say(turn, placed_text(order, settings, locale), placed_keyboard(order, settings))
        return
    given = dict(data.get(DATA_KEY) or {})
    if await state.get_state() != CheckoutStates.confirm.state or given.get("key") != key:
        callback_answer.text = _("This button is out of date.")
        return
    try:
        order = await checkout.place_order(
            user, draft_of(given), settings=settings, checkout_key=key, events=shop_events
        )
    except CartChanged as error:  # the confirmation again, with the changes
        callback_answer.text = explain(error)
        await show_confirmation(turn)
        return
    except PromoRefused as error:  # used up or ended meanwhile: the order without it
        callback_answer.text = explain(error)
        callback_answer.show_alert = True
        await remember(state, promo=None)
        await show_confirmation(turn, explain(error))
        return
    except SoldOut as error:  # the cart again
        await leave(state)
        screen = cart_screen(await carts.view(user), locale)
        text = explain(error) + "\n" + _("The order was not placed.") + "\n\n" + screen.text
        await say(turn, text, screen.keyboard)
        return
    except (InvalidInput, ConsentRequired) as refusal:
        callback_answer.text = explain(refusal)
        field = refusal.details.get("field")
        if isinstance(refusal, ConsentRequired) or await forget(state, field):
            await advance(turn, explain(refusal))  # that question again
            return
        await finish(turn, explain(refusal) + "\n" + _("The order was not placed."))
        return
    except EmptyCart as error:
        await finish(turn, explain(error) + "\n" + _("The order was not placed."))
        return
    await state.set_state(None)
    await state.update_data({DATA_KEY: None, PLACED_KEY: {"key": key, "order": order.id}})
    await say(turn, placed_text(order, settings, locale), placed_keyboard(order, settings))


async def buttons_wrong_input(message: Message) -> None:
    """Typing while the conversation waits for a button."""
    await message.answer(
        _("Please choose with the buttons above, or send /cancel to stop the checkout.")
    )


def create_router() -> Router:
    """Placing the order; typing where a button is expected."""
    router = Router(name=__name__)
    # "Place order" answers in any state: a second click after the order exists shows it.
    router.callback_query.register(place, CheckoutCB.filter(F.action == CheckoutAction.place))
    router.message.register(
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
