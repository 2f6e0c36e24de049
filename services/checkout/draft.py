"""What the customer typed or chose, and the cleaning both faces' input goes through."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import InvalidInput
from db.models import Fulfilment, PaymentMethod
from services.users import normalize_phone

MIN_ADDRESS = 5
MAX_ADDRESS = 500
MAX_COMMENT = 500


@dataclass(slots=True)
class CheckoutDraft:
    """The customer's choices, collected by the chat conversation or the Mini App.

    `delivery_slot` is the id of one of the offered slots (`Slot.id`), `phone` as typed.
    """

    fulfilment: Fulfilment = Fulfilment.pickup
    payment_method: PaymentMethod = PaymentMethod.online
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    delivery_slot: str | None = None
    phone: str | None = None
    comment: str = ""
    promo_code: str | None = None
    """As typed; checked by services.promo (the options show its discount)."""
    points: int | None = None
    """Loyalty points to pay with (1 point = 1 rouble), up to the options' `points_max`."""

    @property
    def has_location(self) -> bool:
        """A shared location (both coordinates) stands in for the address."""
        return self.latitude is not None and self.longitude is not None

    @property
    def has_personal_data(self) -> bool:
        """Phone, address or location: collected only with the person's consent (152-FZ)."""
        return any(
            value is not None for value in (self.phone, self.address, self.latitude, self.longitude)
        )


def clean_address(text: str | None) -> str:
    """The address with its spaces collapsed; InvalidInput when too short or too long."""
    address = " ".join((text or "").split())
    if len(address) < MIN_ADDRESS:
        raise InvalidInput(field="address", min=MIN_ADDRESS)
    if len(address) > MAX_ADDRESS:
        raise InvalidInput(field="address", max=MAX_ADDRESS)
    return address


def clean_phone(text: str | None) -> str:
    """The phone in E.164 ('+79991234567'); InvalidInput when it is not a phone number."""
    phone = normalize_phone(text or "")
    if phone is None:
        raise InvalidInput(field="phone")
    return phone


def clean_comment(text: str | None) -> str:
    """The comment without surrounding spaces; InvalidInput when too long."""
    comment = (text or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(field="comment", max=MAX_COMMENT)
    return comment
