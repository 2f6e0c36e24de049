"""The verdict on a draft: it fits the options, or a domain error names what does not."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import ChoiceRefused, ConsentRequired, InvalidInput, PaymentChannelUnavailable
from db.models import Fulfilment, PaymentMethod
from services.checkout.draft import CheckoutDraft, clean_address, clean_comment, clean_phone
from services.checkout.offering import CheckoutOptions
from services.checkout.slots import Slot, slot_by_id


@dataclass(frozen=True, slots=True)
class OrderTerms:
    """A draft that passed: cleaned values, as the order keeps them."""

    fulfilment: Fulfilment
    payment_method: PaymentMethod
    address: str | None
    latitude: float | None
    longitude: float | None
    slot: Slot | None
    phone: str | None
    comment: str


def choose_fulfilment(value: Fulfilment, options: CheckoutOptions) -> Fulfilment:
    """One of the offered fulfilment kinds (InvalidInput otherwise)."""
    value = Fulfilment(value)
    if value not in options.fulfilments:
        raise ChoiceRefused(field="fulfilment")
    return value


def choose_payment(value: PaymentMethod, options: CheckoutOptions) -> PaymentMethod:
    """One of the offered payment methods; online with no channel is its own refusal."""
    value = PaymentMethod(value)
    if value is PaymentMethod.online and not options.payment_channels:
        raise PaymentChannelUnavailable(field="payment_method")
    if value not in options.payment_methods:
        raise ChoiceRefused(field="payment_method")
    return value


def choose_slot(slot_id: str | None, options: CheckoutOptions) -> Slot:
    """One of the offered slots; a started, fully booked or unknown one is refused."""
    if not slot_id:
        raise InvalidInput(field="delivery_slot", required=True)
    offered = options.slot(slot_id)
    if offered is not None:
        return offered
    if slot_id in options.full:
        raise InvalidInput(field="delivery_slot", reason="taken")
    known = slot_by_id(slot_id, options.timezone)
    if known is not None and known.starts_at <= options.now:
        raise InvalidInput(field="delivery_slot", reason="past")
    raise InvalidInput(field="delivery_slot", reason="unknown")


def validate(draft: CheckoutDraft, options: CheckoutOptions) -> OrderTerms:
    """The draft's terms if it fits the options; raises a domain error naming the problem.

    Values are checked before consent, so a malformed one is named even without consent
    (nothing is kept); delivery, or any phone, address or location, needs consent. Pickup
    orders keep no address, location or slot.
    """
    fulfilment = choose_fulfilment(draft.fulfilment, options)
    payment_method = choose_payment(draft.payment_method, options)
    delivering = fulfilment is Fulfilment.delivery
    address = slot = None
    if delivering:
        if draft.address is not None or not draft.has_location:
            address = clean_address(draft.address)
        slot = choose_slot(draft.delivery_slot, options)
    phone = clean_phone(draft.phone) if draft.phone is not None else None
    comment = clean_comment(draft.comment)
    if (delivering or draft.has_personal_data) and not options.contact.consent:
        raise ConsentRequired()
    if phone is None and delivering:
        phone = options.contact.known_phone  # the profile's phone, as the chat offers it
        if phone is None:
            raise InvalidInput(field="phone", required=True)
    return OrderTerms(
        fulfilment=fulfilment,
        payment_method=payment_method,
        address=address,
        latitude=draft.latitude if delivering and draft.has_location else None,
        longitude=draft.longitude if delivering and draft.has_location else None,
        slot=slot,
        phone=phone,
        comment=comment,
    )
