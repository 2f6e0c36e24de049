"""Checkout, one service under both faces (chat and Mini App API).

`options()` says what the person's cart can be checked out with (fulfilment kinds, delivery
slots, payment methods and channels, the contact data needed and whether consent covers it);
`validate()` judges a draft against them; `place_order()` does both again and makes the order.
The faces render the options and send the draft; neither decides anything.
"""

from services.checkout.draft import (
    MAX_ADDRESS,
    MAX_COMMENT,
    MIN_ADDRESS,
    CheckoutDraft,
    clean_address,
    clean_comment,
    clean_phone,
)
from services.checkout.offering import (
    CheckoutOptions,
    CheckoutSettings,
    ContactNeeds,
    offer,
    options,
)
from services.checkout.placing import new_checkout_key, place_order
from services.checkout.slots import SLOT_CAPACITY, SLOT_HOURS, Slot, delivery_slots, slot_by_id
from services.checkout.validation import (
    OrderTerms,
    choose_fulfilment,
    choose_payment,
    choose_slot,
    validate,
)

__all__ = [
    "MAX_ADDRESS",
    "MAX_COMMENT",
    "MIN_ADDRESS",
    "SLOT_CAPACITY",
    "SLOT_HOURS",
    "CheckoutDraft",
    "CheckoutOptions",
    "CheckoutSettings",
    "ContactNeeds",
    "OrderTerms",
    "Slot",
    "choose_fulfilment",
    "choose_payment",
    "choose_slot",
    "clean_address",
    "clean_comment",
    "clean_phone",
    "delivery_slots",
    "new_checkout_key",
    "offer",
    "options",
    "place_order",
    "slot_by_id",
    "validate",
]
