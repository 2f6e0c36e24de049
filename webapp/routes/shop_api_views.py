"""ORM objects and service results turned into the API's response models."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from core.config import Settings
from core.i18n import gettext as _
from core.i18n import pick_locale
from core.texts import status_name
from db.models import (
    ActorRole,
    Category,
    Fulfilment,
    OrderStatus,
    OrderTransition,
    PaymentChannel,
    Product,
    ProductPhoto,
    Provider,
    User,
)
from db.models import Order as OrderRow
from services import cart as carts
from services import consent, orders, payments, reviews, seller
from services.cart import CartLine as CartRow
from services.cart import CartView
from services.catalog import Page as ServicePage
from services.catalog import tracks_stock
from services.checkout import CheckoutOptions
from webapp.routes import shop_api_models as m
from webapp.routes.media import media_url
from webapp.routes.shop_api_kit import Call


def storefront(provider: Provider, rating: reviews.Rating) -> m.Storefront:
    """A provider as listed in the catalog, with its rating."""
    return m.Storefront(
        id=provider.id,
        slug=provider.slug,
        kind=provider.kind,
        name=provider.name,
        description=provider.description,
        legal_name=provider.legal_name,
        inn=provider.inn,
        rating=rating.average,
        reviews_count=rating.count,
    )


def provider_ref(provider: Provider) -> m.ProviderRef:
    """A provider named from a product, cart or order."""
    return m.ProviderRef(id=provider.id, slug=provider.slug, name=provider.name)


def provider_page(
    call: Call, provider: Provider, categories: list[Category], rating: reviews.Rating
) -> m.ProviderOut:
    """A storefront with its categories and what it offers at checkout."""
    return m.ProviderOut(
        **storefront(provider, rating).model_dump(),
        categories=[m.CategoryOut(id=c.id, title=c.title) for c in categories],
        checkout=m.CheckoutOptions(
            pickup=provider.allow_pickup,
            delivery=provider.allow_delivery,
            cash=provider.allow_cash,
            pickup_address=provider.pickup_address,
            delivery_fee=call.money(provider.delivery_fee, provider.currency),
        ),
    )


def stock(product: Product) -> m.Stock:
    """Whether the product can be bought now."""
    if not tracks_stock(product):
        return m.Stock(state="not_tracked", available=None, label=_("Available"))
    if product.stock <= 0:
        return m.Stock(state="sold_out", available=0, label=_("Sold out"))
    return m.Stock(
        state="in_stock",
        available=product.stock,
        label=_("In stock: {count}").format(count=product.stock),
    )


async def cover_photos(product_ids: Iterable[int]) -> dict[int, ProductPhoto]:
    """The first photo of each product, in one query."""
    covers: dict[int, ProductPhoto] = {}
    photos = await ProductPhoto.filter(product_id__in=list(product_ids)).order_by(
        "-position", "-id"
    )
    for photo in photos:  # the last one written per product is the first by position
        covers[photo.product_id] = photo  # type: ignore[attr-defined]
    return covers


async def product_list(call: Call, page: ServicePage[Product]) -> m.ProductList:
    """One page of products with their thumbnails."""
    covers = await cover_photos(product.id for product in page.items)
    rated = await reviews.product_ratings([product.id for product in page.items])
    return m.ProductList(
        items=[
            m.ProductSummary(
                id=product.id,
                provider_id=product.provider_id,  # type: ignore[attr-defined]
                title=product.title,
                kind=product.kind,
                price=call.money(product.price, product.currency),
                stock=stock(product),
                thumbnail_url=media_url(covers[product.id].thumb_path)
                if product.id in covers
                else None,
                rating=rated[product.id].average,
                reviews_count=rated[product.id].count,
            )
            for product in page.items
        ],
        page=page.number,
        pages=page.pages,
        total=page.total,
    )


async def product_card(call: Call, product: Product) -> m.ProductCard:
    """A visible product fetched with its provider and category."""
    rows = await ProductPhoto.filter(product_id=product.id).order_by("position", "id")
    photos = [
        m.Photo(url=url, thumbnail_url=thumb)
        for photo in rows
        if (url := media_url(photo.path)) and (thumb := media_url(photo.thumb_path))
    ]
    category = product.category
    rated = (await reviews.product_ratings([product.id]))[product.id]
    return m.ProductCard(
        id=product.id,
        provider=provider_ref(product.provider),
        category=m.CategoryOut(id=category.id, title=category.title) if category else None,
        sku=product.sku,
        kind=product.kind,
        title=product.title,
        description=product.description,
        price=call.money(product.price, product.currency),
        stock=stock(product),
        photo_url=photos[0].url if photos else None,
        thumbnail_url=photos[0].thumbnail_url if photos else None,
        rating=rated.average,
        reviews_count=rated.count,
        photos=photos,
        model_url=media_url(product.model_path),
        personal_text=m.PersonalTextOption(
            prompt=product.personal_text_prompt or "", max_length=product.personal_text_limit
        )
        if carts.asks_personal_text(product)
        else None,
    )


def _changes(call: Call, line: CartRow) -> list[m.CartChange]:
    product = line.product
    title = escape(product.title)
    found: list[m.CartChange] = []
    if not line.available:
        found.append(
            m.CartChange(
                product_id=product.id,
                kind="unavailable",
                message=_("“{title}” is no longer available.").format(title=title),
                old_price=None,
                new_price=None,
                available=None,
            )
        )
        return found
    if line.price_changed:
        old = call.money(line.price_seen, product.currency)
        new = call.money(product.price, product.currency)
        found.append(
            m.CartChange(
                product_id=product.id,
                kind="price_changed",
                message=_("The price of “{title}” changed from {old} to {new}.").format(
                    title=title, old=old.formatted, new=new.formatted
                ),
                old_price=old,
                new_price=new,
                available=None,
            )
        )
    if line.short_of_stock:
        available = max(product.stock, 0)
        message = (
            _("Only {count} of “{title}” left.").format(count=available, title=title)
            if available
            else _("“{title}” is sold out.").format(title=title)
        )
        found.append(
            m.CartChange(
                product_id=product.id,
                kind="short_of_stock",
                message=message,
                old_price=None,
                new_price=None,
                available=available,
            )
        )
    return found


async def cart(call: Call, view: CartView) -> m.Cart:
    """The cart with current prices and what changed since the customer saw it."""
    covers = await cover_photos(line.product.id for line in view.lines)
    provider = view.provider
    return m.Cart(
        items=[
            m.CartLine(
                product_id=line.product.id,
                title=line.product.title,
                kind=line.product.kind,
                quantity=line.quantity,
                price=call.money(line.price, line.product.currency),
                price_seen=call.money(line.price_seen, line.product.currency),
                subtotal=call.money(line.subtotal, line.product.currency),
                available=line.available,
                stock=stock(line.product),
                thumbnail_url=media_url(covers[line.product.id].thumb_path)
                if line.product.id in covers
                else None,
                personal_text=line.personal_text,
                design_id=line.design_id,
            )
            for line in view.lines
        ],
        provider=provider_ref(provider) if provider is not None else None,
        total=call.money(view.total, view.currency),
        changes=[change for line in view.lines for change in _changes(call, line)],
    )


def order_summary(call: Call, order: OrderRow) -> m.OrderSummary:
    """An order fetched with its provider, as listed."""
    return m.OrderSummary(
        id=order.id,
        status=order.status,
        status_name=status_name(order.status),
        provider=provider_ref(order.provider),
        total=call.money(order.total, order.currency),
        created_at=order.created_at,
    )


def order_list(call: Call, page: ServicePage[OrderRow]) -> m.OrderList:
    """One page of the person's orders."""
    return m.OrderList(
        items=[order_summary(call, order) for order in page.items],
        page=page.number,
        pages=page.pages,
        total=page.total,
    )


def transition(record: OrderTransition) -> m.Transition:
    """One step of an order's history, as both the customer's and the seller's views show it."""
    return m.Transition(
        from_status=record.from_status,
        to_status=record.to_status,
        status_name=status_name(record.to_status),
        actor_role=record.actor_role,
        reason=record.reason,
        at=record.created_at,
    )


def checkout_offer(call: Call, options: CheckoutOptions) -> m.CheckoutOffer:
    """The checkout options of the caller's cart, as the service decided them."""
    provider = options.provider
    contact = options.contact
    return m.CheckoutOffer(
        provider=provider_ref(provider),
        digital_only=options.digital_only,
        fulfilments=list(options.fulfilments),
        pickup_address=provider.pickup_address,
        delivery_fee=call.money(options.delivery_fee, options.currency),
        delivery_slots=[
            m.DeliverySlot(
                id=slot.id, start=slot.starts_at, end=slot.ends_at, label=slot.label(options.now)
            )
            for slot in options.slots
        ],
        payment_methods=list(options.payment_methods),
        payment_channels=list(options.payment_channels),
        contact=m.ContactNeeds(
            delivery_phone=contact.delivery_phone,
            receipt_contact=contact.receipt_contact,
            consent=contact.consent,
            has_phone=contact.known_phone is not None,
        ),
        quote=m.Quote(
            items_total=call.money(options.items_total, options.currency),
            promo_code=options.promo.code if options.promo is not None else None,
            discount=call.money(options.discount, options.currency),
            points_balance=options.points_balance,
            points_max=options.points_max,
            points=options.points,
            points_value=call.money(options.points_value, options.currency),
            total_pickup=call.money(options.total(Fulfilment.pickup), options.currency),
            total_delivery=call.money(options.total(Fulfilment.delivery), options.currency),
        ),
    )


def order(call: Call, order: OrderRow, history: list[OrderTransition]) -> m.Order:
    """An order fetched with its items and provider, with its history oldest first."""
    currency = order.currency
    return m.Order(
        **order_summary(call, order).model_dump(),
        fulfilment=order.fulfilment,
        payment_method=order.payment_method,
        items=[
            m.OrderItem(
                product_id=item.product_id,
                title=item.title,
                kind=item.kind,
                quantity=item.quantity,
                price=call.money(item.price, item.currency),
                subtotal=call.money(item.price * item.quantity, item.currency),
                personal_text=item.personal_text,
                design_id=item.design_id,
            )
            for item in sorted(order.items, key=lambda item: item.id)
        ],
        items_total=call.money(order.items_total, currency),
        delivery_fee=call.money(order.delivery_fee, currency),
        discount=call.money(order.discount, currency),
        points_spent=order.points_spent,
        address=order.address,
        latitude=order.latitude,
        longitude=order.longitude,
        delivery_slot=order.delivery_slot,
        phone=order.phone,
        comment=order.comment,
        pickup_code=order.pickup_code,
        expires_at=order.expires_at if order.status is OrderStatus.pending_payment else None,
        cancel_reason=order.cancel_reason,
        can_cancel=OrderStatus.cancelled in orders.allowed_targets(order, ActorRole.customer),
        can_resend_files=orders.can_resend_digital(order),
        payment_channels=payments.channels_for(order.currency, call.settings)
        if order.status is OrderStatus.pending_payment
        else [],
        receipt_contact_required=order.status is OrderStatus.pending_payment
        and payments.needs_receipt_contact(order, call.user, PaymentChannel.yookassa),
        history=[transition(record) for record in history],
    )


async def me(user: User, settings: Settings) -> m.Me:
    """The signed-in person, in the language they chose (else Telegram's, else the default)."""
    return m.Me(
        id=user.pseudonym,
        telegram_id=user.tg_id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        locale=pick_locale(user.locale, user.language_code, default=settings.default_locale),
        role=user.role,
        has_phone=user.phone is not None,
        consent=await consent.may_collect_personal_data(user, settings.privacy_policy_version),
        is_staff=bool(await seller.staff_shops(user)),
    )
