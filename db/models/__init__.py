"""All Tortoise models; `db.models` is the single models module of the `models` app."""

from db.models.catalog import (
    Category,
    Product,
    ProductKind,
    ProductPhoto,
    Provider,
    ProviderInvite,
    ProviderKind,
)
from db.models.ledger import Account, AccountKind, LedgerEntry, LedgerHead, LedgerTransaction
from db.models.payments import Payment, PaymentChannel, PaymentStatus, Refund, RefundStatus
from db.models.shop import (
    ActorRole,
    CartItem,
    Fulfilment,
    Order,
    OrderItem,
    OrderMessage,
    OrderStatus,
    OrderTransition,
    PaymentMethod,
)
from db.models.users import AuditLog, Consent, ConsentKind, Role, User

__all__ = [
    "Account",
    "AccountKind",
    "ActorRole",
    "AuditLog",
    "CartItem",
    "Category",
    "Consent",
    "ConsentKind",
    "Fulfilment",
    "LedgerEntry",
    "LedgerHead",
    "LedgerTransaction",
    "Order",
    "OrderItem",
    "OrderMessage",
    "OrderStatus",
    "OrderTransition",
    "Payment",
    "PaymentChannel",
    "PaymentMethod",
    "PaymentStatus",
    "Product",
    "ProductKind",
    "ProductPhoto",
    "Provider",
    "ProviderInvite",
    "ProviderKind",
    "Refund",
    "RefundStatus",
    "Role",
    "User",
]
