"""The catalog in chat: storefronts → categories → pages of products → a product card."""

from __future__ import annotations

from collections.abc import Awaitable
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer

from core.config import Settings
from core.errors import DomainError, OtherProviderInCart
from core.i18n import gettext as _
from core.money import format_price
from core.problems import explain
from core.texts import shorten
from db.models import Product, ProductKind, Provider, User
from handlers import designs
from handlers.ui import Screen, not_modified, show, show_for, visible_length
from keyboards import shop as kb
from keyboards.shop import (
    CartAction,
    CartCB,
    CatalogCB,
    CatalogView,
    Choice,
    Origin,
    ProductAction,
    ProductCB,
    SearchCB,
)
from services import cart as carts
from services import catalog, custom_products, reviews
from services.cart import MAX_QUANTITY
from services.onboarding import StartResult

CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096
FEW_LEFT = 5
"""Stock at or below this is shown as "only N left"."""
STOREFRONTS_PER_PAGE = 8


# Screens -----------------------------------------------------------------------------------


def _seller_line(provider: Provider) -> str:
    """The 54-FZ identity of the seller, when the provider filled it in."""
    if provider.legal_name and provider.inn:
        return _("Seller: {legal_name}, INN {inn}").format(
            legal_name=escape(provider.legal_name), inn=escape(provider.inn)
        )
    if provider.legal_name:
        return _("Seller: {legal_name}").format(legal_name=escape(provider.legal_name))
    return ""


async def storefronts_screen(page: int = 1, by_rating: bool = False) -> tuple[Screen, bool]:
    """The list of storefronts (by name, or the best rated first); the flag tells that the
    requested page no longer exists."""
    providers = await catalog.storefronts(by_rating=by_rating)
    pages = max(1, -(-len(providers) // STOREFRONTS_PER_PAGE))
    number = min(max(page, 1), pages)
    shown = providers[(number - 1) * STOREFRONTS_PER_PAGE : number * STOREFRONTS_PER_PAGE]
    if not providers:
        text = _("The catalog is empty for now. Please come back later.")
    else:
        text = _("<b>Catalog</b>\n\nChoose a shop or a tutor:")
        if pages > 1:
            text += "\n" + _("Page {number} of {pages}").format(number=number, pages=pages)
    choices = [
        Choice(
            shorten(provider.name, 60),
            CatalogCB(view=CatalogView.storefront, provider_id=provider.id),
        )
        for provider in shown
    ]
    return Screen(text, kb.storefronts(choices, number, pages, by_rating)), number != page


async def storefront_screen(provider_id: int, locale: str) -> Screen:
    """A storefront: who sells (54-FZ), how to get the goods, and its categories."""
    provider = await catalog.get_provider(provider_id)
    lines = [f"<b>{escape(provider.name)}</b>"]
    rated = await reviews.rating(provider.id)
    if rated.average is not None:
        lines.append(f"★ {rated.average:.1f} ({rated.count})")
    if provider.description:
        lines.append(escape(provider.description[:1500]))
    lines.append("")
    seller = _seller_line(provider)
    if seller:
        lines.append(seller)
    if provider.allow_pickup and provider.pickup_address:
        lines.append(_("Pickup: {address}").format(address=escape(provider.pickup_address)))
    if provider.allow_delivery:
        if provider.delivery_fee:
            fee = format_price(provider.delivery_fee, provider.currency, locale)
            lines.append(_("Delivery: {fee}").format(fee=fee))
        else:
            lines.append(_("Delivery: free"))
    lines.append("")
    categories = await catalog.categories(provider.id)
    lines.append(_("Choose a category:") if categories else _("Open the products:"))
    choices = [
        Choice(
            shorten(category.title, 60),
            CatalogCB(view=CatalogView.products, provider_id=provider.id, category_id=category.id),
        )
        for category in categories
    ]
    return Screen("\n".join(lines), kb.storefront(provider.id, choices))


def _stock_state(product: Product) -> str:
    if not catalog.tracks_stock(product):
        return ""
    if product.stock <= 0:
        return _("❌ Sold out")
    if product.stock <= FEW_LEFT:
        return _("⚠️ Only {count} left").format(count=product.stock)
    return _("✅ In stock")


def _can_buy(product: Product) -> bool:
    return not catalog.tracks_stock(product) or product.stock > 0


def max_quantity(product: Product) -> int:
    """How many of the product one order may take now."""
    if catalog.tracks_stock(product):
        return max(0, min(MAX_QUANTITY, product.stock))
    return MAX_QUANTITY


async def products_screen(
    provider_id: int, category_id: int, page: int, locale: str
) -> tuple[Screen, bool]:
    """A page of a storefront's products; the flag tells that the page no longer exists."""
    provider = await catalog.get_provider(provider_id)
    found = await catalog.products_page(provider.id, category_id or None, page)
    category_title = _("All products")
    if category_id:
        category = next(
            (c for c in await catalog.categories(provider.id) if c.id == category_id), None
        )
        if category is not None:
            category_title = category.title
    lines = [f"<b>{escape(provider.name)}</b> · {escape(category_title)}", ""]
    if not found.items:
        lines.append(_("No products here yet."))
    else:
        lines.append(_("Page {number} of {pages}").format(number=found.number, pages=found.pages))
    choices = []
    for product in found.items:
        price = format_price(product.price, product.currency, locale)
        label = f"{shorten(product.title, 40)} — {price}"
        if not _can_buy(product):
            label += " · " + _("sold out")
        choices.append(
            Choice(
                label,
                ProductCB(
                    action=ProductAction.open,
                    product_id=product.id,
                    category_id=category_id,
                    page=found.number,
                ),
            )
        )
    keyboard = kb.products(choices, provider.id, category_id, found.number, found.pages)
    return Screen("\n".join(lines), keyboard), found.out_of_range


def _back(product: Product, origin: Origin, category_id: int, page: int) -> CallbackData:
    if origin is Origin.search:
        return SearchCB(page=page)
    if origin is Origin.cart:
        return CartCB(action=CartAction.show)
    if origin is Origin.link:
        return CatalogCB(view=CatalogView.storefront, provider_id=product.provider.id)
    return CatalogCB(
        view=CatalogView.products,
        provider_id=product.provider.id,
        category_id=category_id,
        page=page,
    )


def card_text(product: Product, locale: str, limit: int) -> str:
    """Title, price, stock, the seller, and as much of the description as fits in `limit`."""
    head = [
        f"<b>{escape(product.title)}</b>",
        format_price(product.price, product.currency, locale),
    ]
    stock = _stock_state(product)
    if stock:
        head.append(stock)
    if product.kind is ProductKind.digital:
        head.append(_("Digital product: delivered after payment"))
    tail = [f"🏪 {escape(product.provider.name)}"]
    seller = _seller_line(product.provider)
    if seller:
        tail.append(seller)
    skeleton = "\n".join(head) + "\n\n" + "\n".join(tail)
    description = product.description.strip()
    room = limit - visible_length(skeleton) - 2
    if description and room > 10:
        if len(description) > room:
            description = description[: room - 1].rstrip() + "…"
        return "\n".join(head) + "\n\n" + escape(description) + "\n\n" + "\n".join(tail)
    return skeleton


async def product_screen(
    product_id: int,
    locale: str,
    settings: Settings,
    *,
    quantity: int = 1,
    origin: Origin = Origin.catalog,
    category_id: int = 0,
    page: int = 1,
) -> Screen:
    """A product card: photo (when there is one), text and the buying buttons."""
    product = await catalog.get_visible_product(product_id)
    photo = await catalog.first_photo(product)
    limit = CAPTION_LIMIT if photo is not None else TEXT_LIMIT
    keyboard = _card_keyboard(
        product,
        settings,
        max(1, min(quantity, max_quantity(product) or 1)),
        origin,
        category_id,
        page,
    )
    return Screen(card_text(product, locale, limit), keyboard, photo)


def app_link(product: Product, settings: Settings) -> kb.AppLink | None:
    """The product's page in the Mini App (its gallery, its 3D model), when the app can open."""
    if not settings.mini_app_available:
        return None
    return kb.AppLink(
        url=settings.mini_app_product_url(product.id), three_d=bool(product.model_path)
    )


def _card_keyboard(
    product: Product,
    settings: Settings,
    quantity: int,
    origin: Origin,
    category_id: int,
    page: int,
) -> InlineKeyboardMarkup:
    return kb.product_card(
        product.id,
        quantity=quantity,
        can_buy=_can_buy(product),
        back=_back(product, origin, category_id, page),
        origin=origin,
        category_id=category_id,
        page=page,
        app=app_link(product, settings),
    )


# Handlers ----------------------------------------------------------------------------------


async def open_storefronts(
    callback: CallbackQuery,
    callback_data: CatalogCB,
    settings: Settings,
    bot: Bot,
    callback_answer: CallbackAnswer,
) -> None:
    """The storefront list (main menu → Catalog)."""
    screen, stale = await storefronts_screen(callback_data.page, callback_data.by_rating)
    if stale:
        callback_answer.text = _("This page no longer exists.")
    await show_for(callback, screen, settings, bot)


async def open_storefront(
    callback: CallbackQuery,
    callback_data: CatalogCB,
    settings: Settings,
    bot: Bot,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """One storefront and its categories."""
    screen, _stale = await _or_storefronts(
        storefront_screen(callback_data.provider_id, locale), callback_answer
    )
    await show_for(callback, screen, settings, bot)


async def open_products(
    callback: CallbackQuery,
    callback_data: CatalogCB,
    settings: Settings,
    bot: Bot,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """A page of products; a page that no longer exists shows the nearest one."""
    screen, stale = await _or_storefronts(
        products_screen(
            callback_data.provider_id, callback_data.category_id, callback_data.page, locale
        ),
        callback_answer,
    )
    if stale and not callback_answer.text:
        callback_answer.text = _("This page no longer exists.")
    await show_for(callback, screen, settings, bot)


async def _or_storefronts(
    wanted: Awaitable[Screen | tuple[Screen, bool]], callback_answer: CallbackAnswer
) -> tuple[Screen, bool]:
    """The wanted screen, or the storefront list when its shop closed meanwhile."""
    try:
        screen = await wanted
    except DomainError as error:  # the flow branches: back to the list, with the reason
        callback_answer.text = explain(error)
        return await storefronts_screen()
    return screen if isinstance(screen, tuple) else (screen, False)


async def open_product(
    callback: CallbackQuery,
    callback_data: ProductCB,
    settings: Settings,
    bot: Bot,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """The product card."""
    screen = await product_screen(
        callback_data.product_id,
        locale,
        settings,
        origin=callback_data.origin,
        category_id=callback_data.category_id,
        page=callback_data.page,
    )
    await show_for(callback, screen, settings, bot)


async def change_quantity(
    callback: CallbackQuery,
    callback_data: ProductCB,
    settings: Settings,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """−/+ on the card: only the buttons change; the quantity lives in the callback data."""
    product = await catalog.get_visible_product(callback_data.product_id)
    limit = max_quantity(product)
    wanted = callback_data.quantity
    if wanted < 1:
        callback_answer.text = _("At least one.")
        return
    if wanted > limit:
        callback_answer.text = (
            _("Only {count} in stock.").format(count=limit)
            if catalog.tracks_stock(product)
            else _("At most {count} at once.").format(count=limit)
        )
        return
    keyboard = _card_keyboard(
        product,
        settings,
        wanted,
        callback_data.origin,
        callback_data.category_id,
        callback_data.page,
    )
    if isinstance(callback.message, Message):
        try:
            await callback.message.edit_reply_markup(reply_markup=keyboard)
        except TelegramBadRequest as error:
            if not not_modified(error):
                raise


async def quantity_hint(callback: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """The quantity label itself is not a button."""
    callback_answer.text = _("Use ➖ and ➕ to change the quantity.")


class PersonalText(StatesGroup):
    """Waiting for the customer's own text of a product made with one."""

    text = State()


PENDING_TEXT = "personal_text"
"""FSM data: the text typed for a product whose adding waits for "Replace the cart"."""


async def add_to_cart(
    callback: CallbackQuery,
    callback_data: ProductCB,
    user: User,
    state: FSMContext,
    locale: str,
    callback_answer: CallbackAnswer,
) -> None:
    """Add the chosen quantity; a product made with a personal text asks for it first."""
    product = await catalog.get_visible_product(callback_data.product_id)
    if await custom_products.has_template(product) and isinstance(callback.message, Message):
        await designs.ask_for_picture(callback.message, state, product, callback_data.quantity)
        return
    if carts.asks_personal_text(product):
        await state.clear()
        await state.set_state(PersonalText.text)
        await state.update_data(product_id=product.id, quantity=callback_data.quantity)
        if isinstance(callback.message, Message):
            await callback.message.answer(
                _(
                    "✍️ {title} is made with your text.\n<b>{prompt}</b> (up to {count} "
                    "characters)\n\nSend it as a message, or /cancel."
                ).format(
                    title=escape(product.title),
                    prompt=escape(product.personal_text_prompt or ""),
                    count=product.personal_text_limit,
                )
            )
        return
    if isinstance(callback.message, Message):
        text = await _add(callback.message, user, state, product.id, callback_data.quantity, locale)
        if text:
            callback_answer.text = text


async def _add(
    message: Message,
    user: User,
    state: FSMContext,
    product_id: int,
    quantity: int,
    locale: str,
    personal_text: str | None = None,
) -> str | None:
    """Put it into the cart: what to tell the person, or None when another shop's cart was
    found and replacing it is offered instead."""
    try:
        cart = await carts.add(user, product_id, quantity, personal_text=personal_text)
    except OtherProviderInCart as error:
        if personal_text is not None:  # kept for "Replace the cart"
            await state.update_data(
                {PENDING_TEXT: {"product_id": product_id, "text": personal_text}}
            )
        await message.answer(
            explain(error) + "\n\n" + _("Replace your cart with this product?"),
            reply_markup=kb.replace_cart(product_id, quantity),
        )
        return None
    line = next((ln for ln in cart.lines if ln.product.id == product_id), None)
    in_cart = line.quantity if line is not None else quantity
    return _("Added to the cart. Now in the cart: {count} pcs, total {total}.").format(
        count=in_cart, total=format_price(cart.total, cart.currency, locale)
    )


async def personal_text(message: Message, user: User, state: FSMContext, locale: str) -> None:
    """The customer's text: checked by the cart (a refusal is explained and asked again)."""
    data = await state.get_data()
    product_id, quantity = int(data.get("product_id", 0)), int(data.get("quantity", 1))
    product = await catalog.get_visible_product(product_id)
    text = carts.check_personal_text(product, message.text or "")
    await state.set_state(None)
    answer = await _add(message, user, state, product_id, quantity, locale, text)
    if answer:
        await message.answer(
            answer + "\n" + _("Your text: “{text}”").format(text=escape(text or "")),
            reply_markup=kb.after_adding(),
        )


async def personal_text_wrong(message: Message) -> None:
    """A photo, sticker, ... where the text is expected."""
    await message.answer(_("Please send your text as a message, or /cancel."))


# Deep links (called by /start) ---------------------------------------------------------------


async def open_deep_link(
    message: Message, result: StartResult, settings: Settings, locale: str
) -> None:
    """After the greeting, open what a p_<id> or s_<slug> link pointed at."""
    if message.bot is None:
        return
    if result.product is not None:
        screen = await product_screen(result.product.id, locale, settings, origin=Origin.link)
    elif result.provider is not None:
        screen = await storefront_screen(result.provider.id, locale)
    else:
        return
    await show(message.bot, message.chat.id, screen, settings)


def create_router() -> Router:
    """Browsing the catalog and the product card."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.callback_query.register(
        open_storefronts, CatalogCB.filter(F.view == CatalogView.storefronts)
    )
    router.callback_query.register(
        open_storefront, CatalogCB.filter(F.view == CatalogView.storefront)
    )
    router.callback_query.register(open_products, CatalogCB.filter(F.view == CatalogView.products))
    router.callback_query.register(open_product, ProductCB.filter(F.action == ProductAction.open))
    router.callback_query.register(
        change_quantity, ProductCB.filter(F.action == ProductAction.quantity)
    )
    router.callback_query.register(quantity_hint, ProductCB.filter(F.action == ProductAction.noop))
    router.callback_query.register(add_to_cart, ProductCB.filter(F.action == ProductAction.add))
    router.message.register(personal_text, StateFilter(PersonalText.text), F.text)
    router.message.register(personal_text_wrong, StateFilter(PersonalText.text))
    return router
