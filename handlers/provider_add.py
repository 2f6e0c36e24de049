"""Adding a product by conversation: title, description, kind, price, stock, category, photos.

Each state has a valid-input handler and a wrong-input fallback; /cancel leaves at any step.
Photos may come one by one or as an album (one update per photo, same media group).
"""

from __future__ import annotations

import secrets
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.errors import NotFound
from core.i18n import gettext as _
from core.money import STARS
from core.problems import explain
from db.models import Category, ProductKind, User
from handlers.provider_kit import (
    MAX_DESCRIPTION,
    MAX_DESCRIPTION_SHOWN,
    NewProduct,
    ProviderOwner,
    edit,
    money,
    owned,
    parse_price,
    parse_stock,
    photos_added,
    photos_wrong_input,
    price_prompt,
    product_screen,
    provider_categories,
    report_photos,
    store_photo,
    valid_category,
)
from handlers.turn import Turn, with_turns
from keyboards import provider as kb
from keyboards.provider import (
    CategoryCB,
    DraftAction,
    DraftCB,
    KindCB,
    ShopAction,
    ShopCB,
)
from services import catalog
from services.catalog import MAX_STOCK, ProductDraft


async def add_start(
    callback: CallbackQuery, callback_data: ShopCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """Start a new product: the title first."""
    provider = await owned(turn.user, callback_data.provider_id)
    await turn.state.clear()
    await turn.state.set_state(NewProduct.title)
    await turn.state.update_data(provider_id=provider.id)
    await edit(
        callback,
        _(
            "<b>New product in {shop}</b>\n\n"
            "Send the title (up to 128 characters). /cancel stops at any step."
        ).format(shop=escape(provider.name)),
        None,
    )


async def new_title(message: Message, state: FSMContext) -> None:
    """The title, then the description."""
    title = catalog.validate_title(message.text or "")  # refused: handlers.errors asks again
    await state.update_data(title=title)
    await state.set_state(NewProduct.description)
    await message.answer(
        _("Now a description: what it is, size, what is included. Or press “Skip”."),
        reply_markup=kb.skip(),
    )


async def new_title_wrong(message: Message) -> None:
    """Not a text title."""
    await message.answer(_("Please send the title as text."))


def kind_question() -> str:
    """Ask for the product kind."""
    return _("What kind of product is it? Digital goods are sold only for Telegram Stars.")


async def new_description(message: Message, state: FSMContext) -> None:
    """The description, then the kind."""
    description = (message.text or "").strip()
    if len(description) > MAX_DESCRIPTION:
        await message.answer(
            _("The description is too long: at most {max} characters.").format(max=MAX_DESCRIPTION)
        )
        return
    await state.update_data(description=description)
    await state.set_state(NewProduct.kind)
    await message.answer(kind_question(), reply_markup=kb.kinds())


async def new_description_skip(callback: CallbackQuery, state: FSMContext) -> None:
    """No description."""
    await state.update_data(description="")
    await state.set_state(NewProduct.kind)
    await edit(callback, kind_question(), kb.kinds())


async def new_description_wrong(message: Message) -> None:
    """Not a text description."""
    await message.answer(_("Please send the description as text, or press “Skip”."))


async def new_kind(callback: CallbackQuery, callback_data: KindCB, state: FSMContext) -> None:
    """The kind fixes the currency (Stars for digital goods), then the price."""
    kind = callback_data.kind
    if kind not in kb.NEW_PRODUCT_KINDS:
        return
    currency = STARS if kind is ProductKind.digital else "RUB"
    await state.update_data(kind=kind.value, currency=currency)
    await state.set_state(NewProduct.price)
    await edit(
        callback,
        _("Kind: {kind}").format(kind=kb.kind_name(kind)) + "\n\n" + price_prompt(currency),
        None,
    )


async def new_kind_wrong(message: Message) -> None:
    """Typed text where a kind button is expected."""
    await message.answer(
        _("Please choose the kind with the buttons below."), reply_markup=kb.kinds()
    )


async def ask_category(message: Message, state: FSMContext, user: User) -> None:
    """The category question with the shop's categories as buttons."""
    data = await state.get_data()
    existing = await provider_categories(await owned(user, int(data["provider_id"])))
    await state.set_state(NewProduct.category)
    await message.answer(
        _("Choose a category, send the name of a new one, or press “Skip”."),
        reply_markup=kb.categories(existing),
    )


async def new_price(message: Message, state: FSMContext, user: User) -> None:
    """The price, then the stock (physical goods) or the category."""
    data = await state.get_data()
    currency = str(data.get("currency", "RUB"))
    price = parse_price(message.text or "", currency)
    if price is None:
        await message.answer(_("That is not a price.") + " " + price_prompt(currency))
        return
    catalog.validate_price(price)  # refused: handlers.errors explains and asks again
    await state.update_data(price=price)
    if data.get("kind") == ProductKind.physical.value:
        await state.set_state(NewProduct.stock)
        await message.answer(_("How many do you have in stock? Send a whole number, like 10."))
        return
    await ask_category(message, state, user)


async def new_price_wrong(message: Message, state: FSMContext) -> None:
    """Not a typed price."""
    currency = str((await state.get_data()).get("currency", "RUB"))
    await message.answer(_("Please type the price.") + " " + price_prompt(currency))


async def new_stock(message: Message, state: FSMContext, user: User) -> None:
    """The stock, then the category."""
    stock = parse_stock(message.text or "")
    if stock is None or stock > MAX_STOCK:
        await message.answer(
            _("Send the stock as a whole number from 0 to {max}, like 10.").format(max=MAX_STOCK)
        )
        return
    await state.update_data(stock=stock)
    await ask_category(message, state, user)


async def new_stock_wrong(message: Message) -> None:
    """Not a typed number."""
    await message.answer(_("Please type the stock as a whole number, like 10."))


def photos_question() -> str:
    """Ask for the product photos."""
    return _("Send photos of the product: one, or several as an album. Or press “Skip”.")


async def _to_photos(state: FSMContext, category: str | None) -> None:
    await state.update_data(category=category, photos=[], status_id=None, status_group=None)
    await state.set_state(NewProduct.photos)


async def new_category_text(message: Message, state: FSMContext) -> None:
    """A new category by name."""
    category = valid_category(message.text or "")
    if category is None:
        await message.answer(_("A category name must be 1 to 128 characters long."))
        return
    await _to_photos(state, category)
    await message.answer(photos_question(), reply_markup=kb.photos_prompt(0))


async def new_category_pick(
    callback: CallbackQuery, callback_data: CategoryCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """An existing category."""
    data = await turn.state.get_data()
    category = await Category.get_or_none(
        id=callback_data.category_id,
        provider_id=int(data["provider_id"]),
        provider__owner_id=turn.user.id,
    )
    if category is None:
        callback_answer.text = explain(NotFound(entity="category"))
        return
    await _to_photos(turn.state, category.title)
    await turn.edit(photos_question(), kb.photos_prompt(0))


async def new_category_skip(callback: CallbackQuery, state: FSMContext) -> None:
    """No category."""
    await _to_photos(state, None)
    await edit(callback, photos_question(), kb.photos_prompt(0))


async def new_category_wrong(message: Message) -> None:
    """Not a typed category name."""
    await message.answer(_("Please send the category name as text, or use the buttons above."))


async def new_photo(message: Message, turn: Turn) -> None:
    """One photo (an album arrives as one update per photo): saved, counted."""
    provider = await owned(turn.user, int((await turn.state.get_data())["provider_id"]))
    stored = await store_photo(message, turn.bot, turn.settings, provider)
    if stored is None:
        await message.answer(_("I could not read this picture. Please send another photo."))
        return
    # Read after the slow download, write at once: the window for a lost photo stays small.
    photos = [*(await turn.state.get_data()).get("photos", []), stored]
    await turn.state.update_data(photos=photos)
    await report_photos(message, turn.bot, turn.state, photos_added(len(photos)), len(photos))


def summary(data: dict[str, Any], locale: str) -> str:
    """The new product as it will be saved."""
    kind = ProductKind(data["kind"])
    lines = [
        _("<b>Check the new product</b>"),
        "",
        _("Title: {title}").format(title=escape(data["title"])),
        _("Kind: {kind}").format(kind=kb.kind_name(kind)),
        _("Price: {price}").format(price=money(int(data["price"]), data["currency"], locale)),
    ]
    if kind is ProductKind.physical:
        lines.append(_("In stock: {count}").format(count=data.get("stock", 0)))
    category = data.get("category")
    lines.append(_("Category: {category}").format(category=escape(category) if category else "—"))
    lines.append(_("Photos: {count}").format(count=len(data.get("photos", []))))
    description = data.get("description") or ""
    if len(description) > MAX_DESCRIPTION_SHOWN:
        description = description[: MAX_DESCRIPTION_SHOWN - 1] + "…"
    lines.append(_("Description: {text}").format(text=escape(description) if description else "—"))
    return "\n".join(lines)


async def new_photos_done(callback: CallbackQuery, state: FSMContext, locale: str) -> None:
    """Photos finished (or skipped): the summary with Save and Discard."""
    # The SKU is fixed here: a double-clicked "Save" hits the unique SKU and saves once.
    await state.update_data(sku="p-" + secrets.token_hex(5))
    await state.set_state(NewProduct.confirm)
    data = await state.get_data()
    await edit(callback, summary(data, locale), kb.confirm_product())


async def new_confirm_wrong(message: Message) -> None:
    """Anything typed on the summary."""
    await message.answer(_("Press “Save” or “Discard” above, or /cancel."))


async def new_save(callback: CallbackQuery, turn: Turn, callback_answer: CallbackAnswer) -> None:
    """Create the product with its photos."""
    data = await turn.state.get_data()
    provider = await owned(turn.user, int(data["provider_id"]))
    draft = ProductDraft(
        title=data["title"],
        price=int(data["price"]),
        description=data.get("description", ""),
        kind=ProductKind(data["kind"]),
        stock=int(data.get("stock", 0)),
        currency=data["currency"],
        category=data.get("category"),
        sku=data["sku"],
    )
    product = await catalog.create_product(provider, draft)
    for photo in data.get("photos", []):
        await catalog.add_photo(product, photo["path"], photo["thumb"], photo["file_id"])
    await turn.state.clear()
    text, markup = await product_screen(provider, product, 1, turn.locale)
    await turn.edit(_("✅ Saved.") + "\n\n" + text, markup)


async def new_discard(callback: CallbackQuery, state: FSMContext) -> None:
    """Throw the draft away."""
    data = await state.get_data()
    await state.clear()
    provider_id = int(data.get("provider_id", 0))
    await edit(callback, _("Discarded: nothing was saved."), kb.back_to_shop(provider_id))


def create_router() -> Router:
    """The add-product conversation, for owners of a provider (a child of /shop's router)."""
    router = with_turns(Router(name=__name__))
    router.message.filter(StateFilter(NewProduct), ProviderOwner())
    router.callback_query.filter(F.data.startswith(("vs:", "vk:", "vc:", "vd:")), ProviderOwner())
    msg, cbq = router.message, router.callback_query

    cbq.register(add_start, ShopCB.filter(F.action == ShopAction.add))
    # A valid-input handler and a wrong-input fallback per state.
    msg.register(new_title, StateFilter(NewProduct.title), F.text)
    msg.register(new_title_wrong, StateFilter(NewProduct.title))
    msg.register(new_description, StateFilter(NewProduct.description), F.text)
    cbq.register(
        new_description_skip,
        StateFilter(NewProduct.description),
        DraftCB.filter(F.action == DraftAction.skip),
    )
    msg.register(new_description_wrong, StateFilter(NewProduct.description))
    cbq.register(new_kind, StateFilter(NewProduct.kind), KindCB.filter())
    msg.register(new_kind_wrong, StateFilter(NewProduct.kind))
    msg.register(new_price, StateFilter(NewProduct.price), F.text)
    msg.register(new_price_wrong, StateFilter(NewProduct.price))
    msg.register(new_stock, StateFilter(NewProduct.stock), F.text)
    msg.register(new_stock_wrong, StateFilter(NewProduct.stock))
    msg.register(new_category_text, StateFilter(NewProduct.category), F.text)
    cbq.register(new_category_pick, StateFilter(NewProduct.category), CategoryCB.filter())
    cbq.register(
        new_category_skip,
        StateFilter(NewProduct.category),
        DraftCB.filter(F.action == DraftAction.skip),
    )
    msg.register(new_category_wrong, StateFilter(NewProduct.category))
    msg.register(new_photo, StateFilter(NewProduct.photos), F.photo)
    cbq.register(
        new_photos_done,
        StateFilter(NewProduct.photos),
        DraftCB.filter(F.action.in_({DraftAction.done, DraftAction.skip})),
    )
    msg.register(photos_wrong_input, StateFilter(NewProduct.photos))
    cbq.register(
        new_save, StateFilter(NewProduct.confirm), DraftCB.filter(F.action == DraftAction.save)
    )
    cbq.register(
        new_discard,
        StateFilter(NewProduct.confirm),
        DraftCB.filter(F.action == DraftAction.discard),
    )
    msg.register(new_confirm_wrong, StateFilter(NewProduct.confirm))
    return router
