"""Domain errors: a stable code for the API and for chat messages, plus plain-value details."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the caller explains to the person; `code` is stable (API error codes)."""

    code = "domain_error"
    status = 400

    def __init__(self, **details: Any) -> None:
        super().__init__(self.code, details)
        self.details = details


class NotFound(DomainError):
    """The thing does not exist, or is not the caller's to see (no ownership leak)."""

    code = "not_found"
    status = 404


class Forbidden(DomainError):
    """The caller may see it but not do this."""

    code = "forbidden"
    status = 403


class InvalidInput(DomainError):
    """A value is out of range or malformed; `field` names it."""

    code = "invalid_input"
    status = 422


class SoldOut(DomainError):
    """Not enough stock for a product (`title`, `available`)."""

    code = "sold_out"
    status = 409


class OtherProviderInCart(DomainError):
    """The cart holds another provider's products (`provider` names it)."""

    code = "other_provider_in_cart"
    status = 409


class OtherCurrencyInCart(DomainError):
    """The cart holds products in another currency (`currency` is the refused product's):
    Telegram Stars and roubles are never paid by one invoice."""

    code = "other_currency_in_cart"
    status = 409


class CartLimit(DomainError):
    """The cart would hold more of one product than it takes (`max`)."""

    code = "cart_limit"
    status = 409


class EmptyCart(DomainError):
    """Checkout of an empty cart."""

    code = "empty_cart"
    status = 409


class CartChanged(DomainError):
    """Prices or availability changed since the customer saw them (`changes`)."""

    code = "cart_changed"
    status = 409


class IllegalTransition(DomainError):
    """The order cannot move from its status to the requested one by this actor."""

    code = "illegal_transition"
    status = 409


class NothingToSend(DomainError):
    """The order has no digital goods that are paid for (`order_id`)."""

    code = "nothing_to_send"
    status = 409


class ConsentRequired(DomainError):
    """Personal data (phone, address, location) offered without consent to its processing."""

    code = "consent_required"
    status = 403


class ChoiceRefused(InvalidInput):
    """A well-formed choice that the shop's present state refuses (`field`): a fulfilment or
    payment method it does not take (now). The same request is right for another shop, so it
    is a conflict (409), not a bad value (422); chat explains it like any invalid input."""

    status = 409


class PaymentChannelUnavailable(ChoiceRefused):
    """Online payment chosen while no payment channel takes this currency (`field`)."""

    code = "payment_channel_unavailable"


class UploadRefused(DomainError):
    """An uploaded picture we do not take; the code names why (`upload_wrong_type`,
    `upload_too_large`, `upload_too_many_pixels`, `upload_bomb`, `upload_corrupt`,
    `upload_empty`, `upload_too_slow`)."""

    code = "upload_refused"
    status = 422

    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason=reason, **details)
        self.code = f"upload_{reason}"
        self.status = 413 if reason == "too_large" else 422


class PickupRefused(DomainError):
    """A pickup code that completes no order (the subclass says why; `order_id` where one
    order of the shop is meant)."""

    code = "pickup_refused"
    status = 409


class PickupCodeUnknown(PickupRefused):
    """No order of the seller's shops carries this pickup code (a typo, another shop's code)."""

    code = "pickup_code_unknown"
    status = 404


class PickupCodeUsed(PickupRefused):
    """The order with this code was already handed over (`order_id`): a second scan."""

    code = "pickup_code_used"


class PickupNotReady(PickupRefused):
    """The order with this code is not ready for pickup (`order_id`, `status`)."""

    code = "pickup_not_ready"


class PickupCodeAmbiguous(PickupRefused):
    """Several orders ready for pickup share the code (`orders`): complete one from its card."""

    code = "pickup_code_ambiguous"


class NotStaff(Forbidden):
    """Seller tools asked for by someone who is on the staff of no shop."""

    code = "not_staff"


class PromoRefused(DomainError):
    """A promo code that cannot be applied to this order; `reason` says why (`unknown`,
    `inactive`, `not_started`, `expired`, `min_order`, `other_provider`, `currency`,
    `first_order`, `used_up`, `used_by_you`)."""

    code = "promo_refused"
    status = 409


class ReviewRefused(DomainError):
    """A review that cannot be written; `reason`: `not_completed` or `exists`."""

    code = "review_refused"
    status = 409
