"""The provider's /shop menu: their products (edit, hide, restock, photos), adding one, orders.

The router answers only people who own a provider (`ProviderOwner`); every callback names its
provider and is re-checked with services.catalog.owned_provider, so a forged id is "not found".
"""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, StateFilter, or_f
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.errors import NotFound
from core.i18n import gettext as _
from core.problems import explain
from core.texts import shorten
from db.models import Category, OrderStatus, Product, ProductPhoto, Provider, User
from handlers import provider_add
from handlers.provider_kit import (
    EditProduct,
    ProviderOwner,
    edit,
    money,
    owned,
    parse_delta,
    parse_personal_text_setting,
    parse_price,
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
    ProductAction,
    ProductCB,
    ShopAction,
    ShopCB,
)
from services import catalog, orders
from services.catalog import tracks_stock

PRODUCTS_PER_PAGE = 8
WAITING_STATUSES = [OrderStatus.placed, OrderStatus.paid]
MAX_TITLE_IN_BUTTON = 40

# /shop and its menu ---------------------------------------------------------------------------


async def menu_screen(provider: Provider, *, several: bool) -> tuple[str, InlineKeyboardMarkup]:
    """The shop's summary and its menu."""
    total = await Product.filter(provider_id=provider.id).count()
    hidden = await Product.filter(provider_id=provider.id, is_active=False).count()
    waiting = (await orders.provider_orders(provider.id, WAITING_STATUSES, per_page=1)).total
    text = _(
        "🏪 <b>{name}</b>\n\n"
        "Products: {total} (hidden: {hidden})\n"
        "Orders waiting for you: {waiting}"
    ).format(name=escape(provider.name), total=total, hidden=hidden, waiting=waiting)
    return text, kb.shop_menu(provider.id, several=several)


async def shop_command(message: Message, state: FSMContext, providers: list[Provider]) -> None:
    """/shop: the menu of the person's shop (a choice first if they own several)."""
    await state.clear()
    if len(providers) == 1:
        text, markup = await menu_screen(providers[0], several=False)
        await message.answer(text, reply_markup=markup)
        return
    await message.answer(_("Choose a shop:"), reply_markup=kb.shop_picker(providers))


async def no_shop(message: Message) -> None:
    """/shop from someone who owns nothing."""
    await message.answer(
        _(
            "You don't have a shop yet. To sell here, ask the administrators to create one "
            "for you or to send you an invite link."
        )
    )


async def pick_shop(callback: CallbackQuery, state: FSMContext, providers: list[Provider]) -> None:
    """The shop picker again."""
    await state.clear()
    await edit(callback, _("Choose a shop:"), kb.shop_picker(providers))


async def shop_menu(
    callback: CallbackQuery,
    callback_data: ShopCB,
    turn: Turn,
    providers: list[Provider],
    callback_answer: CallbackAnswer,
) -> None:
    """The menu of one shop."""
    provider = await owned(turn.user, callback_data.provider_id)
    await turn.state.clear()
    text, markup = await menu_screen(provider, several=len(providers) > 1)
    await turn.edit(text, markup)


# My products --------------------------------------------------------------------------------


def product_label(product: Product, locale: str) -> str:
    """A product's button in the list: hidden mark, title, price, stock."""
    title = shorten(product.title, MAX_TITLE_IN_BUTTON)
    parts = [
        ("🙈 " if not product.is_active else "") + title,
        money(product.price, product.currency, locale),
    ]
    if tracks_stock(product):
        parts.append(_("{count} in stock").format(count=product.stock))
    return " · ".join(parts)


async def products_screen(
    provider: Provider, page: int, locale: str
) -> tuple[str, InlineKeyboardMarkup, bool]:
    """The provider's products, hidden ones too; True when the page asked for was gone."""
    query = Product.filter(provider_id=provider.id).order_by("title", "id")
    result = await catalog.paginate(query, page, PRODUCTS_PER_PAGE)
    if result.total:
        text = _("<b>My products</b>: {total}\n🙈 — hidden from customers").format(
            total=result.total
        )
    else:
        text = _("<b>My products</b>\n\nNo products yet. Add the first one!")
    labels = [product_label(product, locale) for product in result.items]
    return text, kb.products_list(provider.id, result, labels), result.out_of_range


async def products_list(
    callback: CallbackQuery, callback_data: ShopCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """A page of the provider's products."""
    provider = await owned(turn.user, callback_data.provider_id)
    await turn.state.clear()
    text, markup, gone = await products_screen(provider, callback_data.page, turn.locale)
    if gone:
        callback_answer.text = _("That page no longer exists.")
    await turn.edit(text, markup)


async def _product(user: User, callback_data: ProductCB) -> tuple[Provider, Product]:
    provider = await owned(user, callback_data.provider_id)
    return provider, await catalog.owned_product(provider, callback_data.product_id)


async def product_open(
    callback: CallbackQuery, callback_data: ProductCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """The manage screen of one product (also "Back" out of an edit)."""
    await turn.state.clear()
    found = await _product(turn.user, callback_data)
    text, markup = await product_screen(*found, callback_data.page, turn.locale)
    await turn.edit(text, markup)


async def product_visibility(
    callback: CallbackQuery, callback_data: ProductCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """Hide a product from the storefront, or show it again."""
    await turn.state.clear()
    provider, product = await _product(turn.user, callback_data)
    active = callback_data.action is ProductAction.show
    product = await catalog.set_active(provider, product.id, active)
    callback_answer.text = (
        _("Visible to customers again.") if active else _("Hidden from customers.")
    )
    text, markup = await product_screen(provider, product, callback_data.page, turn.locale)
    await turn.edit(text, markup)


EDIT_STATES = {
    ProductAction.retitle: EditProduct.title,
    ProductAction.description: EditProduct.description,
    ProductAction.price: EditProduct.price,
    ProductAction.category: EditProduct.category,
    ProductAction.restock: EditProduct.restock,
    ProductAction.photos: EditProduct.photos,
    ProductAction.personal_text: EditProduct.personal_text,
}


async def product_edit(
    callback: CallbackQuery, callback_data: ProductCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """Ask for the new value of one field."""
    await turn.state.clear()
    provider, product = await _product(turn.user, callback_data)
    action = callback_data.action
    if action is ProductAction.restock and not tracks_stock(product):
        callback_answer.text = _("This product has no stock to count.")
        return
    markup = kb.back_to_product(provider.id, product.id, callback_data.page)
    title = escape(product.title)
    if action is ProductAction.retitle:
        text = _("Send the new title of <b>{title}</b>.").format(title=title)
    elif action is ProductAction.description:
        text = _("Send the new description of <b>{title}</b>, or press “Clear”.").format(
            title=title
        )
        markup = kb.edit_with_skip(provider.id, product.id, callback_data.page, _("🧹 Clear"))
    elif action is ProductAction.price:
        text = _("Price of <b>{title}</b> now: {price}.").format(
            title=title, price=money(product.price, product.currency, turn.locale)
        )
        text += "\n" + price_prompt(product.currency)
    elif action is ProductAction.category:
        text = _("Choose a category for <b>{title}</b> or send a new one.").format(title=title)
        markup = kb.categories(
            await provider_categories(provider),
            skip_text=_("No category"),
            back=kb.ProductCB(
                action=ProductAction.open,
                provider_id=provider.id,
                product_id=product.id,
                page=callback_data.page,
            ),
        )
    elif action is ProductAction.restock:
        text = _(
            "<b>{title}</b>: {count} in stock.\nSend +10 to add ten items, or -3 to remove three."
        ).format(title=title, count=product.stock)
    elif action is ProductAction.personal_text:
        text = _(
            "Is <b>{title}</b> made with the customer's own text, like an engraved name? Send "
            "the question the customer answers and the longest text, like: "
            "<code>Name to engrave; 20</code>. Send “off” to sell it without a text."
        ).format(title=title)
        if product.personal_text_prompt:
            text += "\n\n" + _("Now: “{prompt}”, up to {count} characters.").format(
                prompt=escape(product.personal_text_prompt), count=product.personal_text_limit
            )
    else:
        photos = await ProductPhoto.filter(product_id=product.id).count()
        text = _(
            "Photos of <b>{title}</b>: {count}. Send more (one or an album), then press “Done”."
        ).format(title=title, count=photos)
        markup = kb.photos_prompt(photos, can_skip=False)
    await turn.state.set_state(EDIT_STATES[action])
    await turn.state.update_data(
        provider_id=provider.id, product_id=product.id, page=callback_data.page
    )
    await turn.edit(text, markup)


async def _editing(turn: Turn) -> tuple[Provider, Product, int]:
    """The provider and product an edit conversation is about, re-checked."""
    data = await turn.state.get_data()  # NotFound ends the conversation (handlers.errors)
    provider = await catalog.owned_provider(turn.user, int(data.get("provider_id", 0)))
    product = await catalog.owned_product(provider, int(data.get("product_id", 0)))
    return provider, product, int(data.get("page", 1))


async def _saved(
    message: Message, turn: Turn, provider: Provider, product: Product, page: int
) -> None:
    await turn.state.clear()
    text, markup = await product_screen(provider, product, page, turn.locale)
    await message.answer(_("✅ Saved.") + "\n\n" + text, reply_markup=markup)


async def edit_text_value(message: Message, turn: Turn) -> None:
    """A typed new title, description, price, category or stock change."""
    provider, product, page = await _editing(turn)
    text = message.text or ""
    current = await turn.state.get_state()
    # A value the service refuses is explained and asked again by handlers.errors.
    if current == EditProduct.title.state:
        product = await catalog.update_product(provider, product.id, title=text)
    elif current == EditProduct.description.state:
        product = await catalog.update_product(provider, product.id, description=text)
    elif current == EditProduct.category.state:
        category = valid_category(text)
        if category is None:
            await message.answer(_("A category name must be 1 to 128 characters long."))
            return
        product = await catalog.update_product(provider, product.id, category=category)
    elif current == EditProduct.personal_text.state:
        setting = parse_personal_text_setting(text)
        if setting is None:
            await message.answer(
                _(
                    "Send the question and the longest text, like: Name to engrave; 20. "
                    "Or send “off”."
                )
            )
            return
        product = await catalog.set_personal_text(provider, product.id, *setting)
    elif current == EditProduct.price.state:
        price = parse_price(text, product.currency)
        if price is None:
            await message.answer(_("That is not a price.") + " " + price_prompt(product.currency))
            return
        product = await catalog.update_product(provider, product.id, price=price)
    else:
        delta = parse_delta(text)
        if delta is None:
            await message.answer(
                _("Send a number with a sign: +10 adds ten items, -3 removes three.")
            )
            return
        product = await catalog.restock(provider, product.id, delta)
    await _saved(message, turn, provider, product, page)


async def edit_wrong_input(message: Message) -> None:
    """A photo, sticker, ... where a typed value is expected."""
    await message.answer(_("Please type the new value as text, or press “Back”."))


async def edit_skip(callback: CallbackQuery, turn: Turn) -> None:
    """Clear the description, or remove the category."""
    assert isinstance(callback.message, Message)
    provider, product, page = await _editing(turn)
    if await turn.state.get_state() == EditProduct.description.state:
        product = await catalog.update_product(provider, product.id, description="")
    else:
        product = await catalog.update_product(provider, product.id, category=None)
    await turn.state.clear()
    text, markup = await product_screen(provider, product, page, turn.locale)
    await turn.edit(_("✅ Saved.") + "\n\n" + text, markup)


async def edit_category_pick(
    callback: CallbackQuery, callback_data: CategoryCB, turn: Turn, callback_answer: CallbackAnswer
) -> None:
    """An existing category chosen for the product."""
    assert isinstance(callback.message, Message)
    provider, product, page = await _editing(turn)
    category = await Category.get_or_none(id=callback_data.category_id, provider_id=provider.id)
    if category is None:
        callback_answer.text = explain(NotFound(entity="category"))
        return
    product = await catalog.update_product(provider, product.id, category=category.title)
    await turn.state.clear()
    text, markup = await product_screen(provider, product, page, turn.locale)
    await turn.edit(_("✅ Saved.") + "\n\n" + text, markup)


async def edit_photo(message: Message, turn: Turn) -> None:
    """A photo (or one photo of an album) added to an existing product."""
    provider, product, _page = await _editing(turn)
    stored = await store_photo(message, turn.bot, turn.settings, provider)
    if stored is None:
        await message.answer(_("I could not read this picture. Please send another photo."))
        return
    await catalog.add_photo(
        product, stored["path"], stored["thumb"], telegram_file_id=stored["file_id"]
    )
    count = await ProductPhoto.filter(product_id=product.id).count()
    text = _("📷 Photos of the product: {count}. Send more, or press “Done”.").format(count=count)
    await report_photos(message, turn.bot, turn.state, text, count)


async def edit_photos_done(callback: CallbackQuery, turn: Turn) -> None:
    """Back to the product once the photos are in."""
    assert isinstance(callback.message, Message)
    editing = await _editing(turn)
    await turn.state.clear()
    text, markup = await product_screen(*editing, turn.locale)
    await turn.edit(text, markup)


def create_router() -> Router:
    """/shop for owners (a polite refusal for others) and the product conversations."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")

    owners = with_turns(Router(name=__name__ + ".owners"))
    owners.message.filter(or_f(Command("shop"), StateFilter(EditProduct)), ProviderOwner())
    owners.callback_query.filter(F.data.startswith(("vs:", "vp:", "vc:", "vd:")), ProviderOwner())
    msg, cbq = owners.message, owners.callback_query

    msg.register(shop_command, Command("shop"))
    cbq.register(pick_shop, ShopCB.filter(F.action == ShopAction.pick))
    cbq.register(shop_menu, ShopCB.filter(F.action == ShopAction.menu))
    cbq.register(products_list, ShopCB.filter(F.action == ShopAction.products))

    cbq.register(product_open, ProductCB.filter(F.action == ProductAction.open))
    cbq.register(
        product_visibility, ProductCB.filter(F.action.in_({ProductAction.hide, ProductAction.show}))
    )
    cbq.register(product_edit, ProductCB.filter(F.action.in_(set(EDIT_STATES))))

    # Editing one field.
    text_edits = StateFilter(
        EditProduct.title,
        EditProduct.description,
        EditProduct.price,
        EditProduct.category,
        EditProduct.restock,
        EditProduct.personal_text,
    )
    msg.register(edit_text_value, text_edits, F.text)
    msg.register(edit_wrong_input, text_edits)
    cbq.register(
        edit_skip,
        StateFilter(EditProduct.description, EditProduct.category),
        DraftCB.filter(F.action == DraftAction.skip),
    )
    cbq.register(edit_category_pick, StateFilter(EditProduct.category), CategoryCB.filter())
    msg.register(edit_photo, StateFilter(EditProduct.photos), F.photo)
    msg.register(photos_wrong_input, StateFilter(EditProduct.photos))
    cbq.register(
        edit_photos_done,
        StateFilter(EditProduct.photos),
        DraftCB.filter(F.action == DraftAction.done),
    )

    # A router's own handlers run before its children's: the refusal lives in a child
    # included after the owners' ones.
    others = Router(name=__name__ + ".others")
    others.message.register(no_shop, Command("shop"))
    router.include_routers(owners, provider_add.create_router(), others)
    return router
