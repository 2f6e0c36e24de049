"""One cart per person in the database, shared by the chat and the Mini App."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from core.errors import (
    CartLimit,
    InvalidInput,
    NotFound,
    OtherCurrencyInCart,
    OtherProviderInCart,
    SoldOut,
)
from db.models import CartItem, Product, ProductKind, Provider, User
from services import custom_products
from services.catalog import get_visible_product, tracks_stock

MAX_QUANTITY = 99


@dataclass(frozen=True, slots=True)
class CartLine:
    """A cart line as it stands now, compared with what the customer saw."""

    product: Product
    quantity: int
    price_seen: int
    personal_text: str | None = None
    design_id: int | None = None
    """The customer's picture of a custom product."""

    @property
    def price(self) -> int:
        """The current price."""
        return self.product.price

    @property
    def subtotal(self) -> int:
        """Current price × quantity."""
        return self.product.price * self.quantity

    @property
    def available(self) -> bool:
        """The product can still be bought."""
        return (
            self.product.is_active
            and not self.product.is_blocked
            and self.product.provider.is_active
        )

    @property
    def short_of_stock(self) -> bool:
        """Fewer items in stock than in the cart."""
        return tracks_stock(self.product) and self.product.stock < self.quantity

    @property
    def price_changed(self) -> bool:
        """The price differs from the one the customer saw."""
        return self.product.price != self.price_seen

    @property
    def changed(self) -> bool:
        """Anything the customer must see before ordering."""
        return self.price_changed or not self.available or self.short_of_stock


@dataclass(frozen=True, slots=True)
class CartView:
    """The whole cart."""

    lines: list[CartLine]

    @property
    def empty(self) -> bool:
        """No lines."""
        return not self.lines

    @property
    def provider(self) -> Provider | None:
        """The one provider whose products are in the cart."""
        return self.lines[0].product.provider if self.lines else None

    @property
    def digital_only(self) -> bool:
        """Every line is a digital product: nothing to pick up or deliver."""
        return bool(self.lines) and all(
            line.product.kind is ProductKind.digital for line in self.lines
        )

    @property
    def currency(self) -> str:
        """The cart's currency (one provider, one currency per product kind)."""
        return self.lines[0].product.currency if self.lines else "RUB"

    @property
    def total(self) -> int:
        """Sum of the available lines at current prices."""
        return sum(line.subtotal for line in self.lines if line.available)

    @property
    def changes(self) -> list[CartLine]:
        """Lines whose price, availability or stock changed."""
        return [line for line in self.lines if line.changed]


async def view(user: User) -> CartView:
    """The person's cart, lines in the order they were added."""
    items = (
        await CartItem.filter(user_id=user.id).order_by("id").prefetch_related("product__provider")
    )
    return CartView(
        [
            CartLine(
                item.product, item.quantity, item.price_seen, item.personal_text, item.design_id
            )
            for item in items
        ]
    )


def asks_personal_text(product: Product) -> bool:
    """The product is made with the customer's own text, asked when it goes into the cart."""
    return bool(product.personal_text_prompt) and product.personal_text_limit > 0


def check_personal_text(product: Product, text: str | None) -> str | None:
    """The customer's text for the product, tidied; InvalidInput when it is missing, too long or
    not wanted (the product takes none)."""
    if not asks_personal_text(product):
        if text:
            raise InvalidInput(field="personal_text", reason="not_taken")
        return None
    tidy = " ".join((text or "").split())
    if not tidy:
        raise InvalidInput(field="personal_text", reason="missing", max=product.personal_text_limit)
    if len(tidy) > product.personal_text_limit or not tidy.isprintable():
        raise InvalidInput(field="personal_text", max=product.personal_text_limit)
    return tidy


async def add(
    user: User,
    product_id: int,
    quantity: int = 1,
    *,
    replace: bool = False,
    personal_text: str | None = None,
    design_id: int | None = None,
) -> CartView:
    """Add a product; a cart holds one provider's products (`replace` empties it first). A product
    made with a personal text needs one, a custom product with a template the person's design;
    adding it again replaces the line's text and design."""
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput(field="quantity", min=1, max=MAX_QUANTITY)
    product = await get_visible_product(product_id)
    personal_text = check_personal_text(product, personal_text)
    design_id = await custom_products.design_for_cart(user, product, design_id)
    other = (
        await CartItem.filter(user_id=user.id)
        .exclude(product__provider_id=product.provider.id)
        .prefetch_related("product__provider")
        .first()
    )
    if other is not None:
        if not replace:
            raise OtherProviderInCart(provider=other.product.provider.name)
        await CartItem.filter(user_id=user.id).delete()
    elif await _other_currency_in_cart(user, product.currency):
        # Stars (digital goods) and roubles are paid by different invoices: never one order.
        if not replace:
            raise OtherCurrencyInCart(currency=product.currency)
        await CartItem.filter(user_id=user.id).delete()
    item = await CartItem.get_or_none(user_id=user.id, product_id=product.id)
    wanted = quantity + (item.quantity if item else 0)
    if wanted > MAX_QUANTITY:  # a fine request the cart's contents refuse
        raise CartLimit(max=MAX_QUANTITY)
    _check_quantity(product, wanted)
    if item is None:
        try:
            await CartItem.create(
                user_id=user.id,
                product_id=product.id,
                quantity=quantity,
                price_seen=product.price,
                personal_text=personal_text,
                design_id=design_id,
            )
        except IntegrityError:  # the same button pressed twice at once
            await CartItem.filter(user_id=user.id, product_id=product.id).update(
                quantity=F("quantity") + quantity,
                price_seen=product.price,
                personal_text=personal_text,
                design_id=design_id,
            )
    else:
        await CartItem.filter(id=item.id).update(
            quantity=wanted,
            price_seen=product.price,
            personal_text=personal_text,
            design_id=design_id,
        )
    return await view(user)


async def _other_currency_in_cart(user: User, currency: str) -> bool:
    return await CartItem.filter(user_id=user.id).exclude(product__currency=currency).exists()


def _check_quantity(product: Product, quantity: int) -> None:
    if quantity > MAX_QUANTITY:
        raise InvalidInput(field="quantity", min=1, max=MAX_QUANTITY)
    if tracks_stock(product) and quantity > product.stock:
        raise SoldOut(title=product.title, available=product.stock)


async def set_quantity(user: User, product_id: int, quantity: int) -> CartView:
    """Set a line's quantity; zero removes it."""
    if quantity <= 0:
        return await remove(user, product_id)
    item = await CartItem.get_or_none(user_id=user.id, product_id=product_id).prefetch_related(
        "product"
    )
    if item is None:
        raise NotFound(entity="cart_item")
    _check_quantity(item.product, quantity)
    await CartItem.filter(id=item.id).update(quantity=quantity)
    return await view(user)


async def remove(user: User, product_id: int) -> CartView:
    """Remove a line (removing what is not there is not an error)."""
    await CartItem.filter(user_id=user.id, product_id=product_id).delete()
    return await view(user)


async def clear(user: User) -> None:
    """Empty the cart."""
    await CartItem.filter(user_id=user.id).delete()


async def acknowledge_changes(user: User) -> CartView:
    """The customer saw the current prices: drop unavailable lines, cap quantities to stock."""
    cart = await view(user)
    for line in cart.changes:
        if not line.available or (tracks_stock(line.product) and line.product.stock == 0):
            await CartItem.filter(user_id=user.id, product_id=line.product.id).delete()
            continue
        quantity = (
            min(line.quantity, line.product.stock) if tracks_stock(line.product) else line.quantity
        )
        await CartItem.filter(user_id=user.id, product_id=line.product.id).update(
            price_seen=line.product.price, quantity=quantity
        )
    return await view(user)
