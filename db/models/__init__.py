"""All Tortoise models; `db.models` is the single models module of the `models` app."""

from db.models.catalog import Category, Product, ProductKind, ProductPhoto, Provider, ProviderKind
from db.models.users import AuditLog, Consent, ConsentKind, Role, User

__all__ = [
    "AuditLog",
    "Category",
    "Consent",
    "ConsentKind",
    "Product",
    "ProductKind",
    "ProductPhoto",
    "Provider",
    "ProviderKind",
    "Role",
    "User",
]
