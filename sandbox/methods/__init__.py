"""The Bot API methods the emulator implements, by name."""

from __future__ import annotations

from types import MappingProxyType

from sandbox.methods import editing, forum, payments, sending, settings, sharing, updates
from sandbox.methods.base import CallContext, MethodSpec, MethodTable


def method_table() -> MethodTable:
    """Every emulated method by lower-cased name (Telegram's method names ignore case)."""
    table: dict[str, MethodSpec] = {}
    for module in (updates, sending, editing, settings, payments, sharing, forum):
        for name, spec in module.METHODS.items():
            table[name.lower()] = spec
    return MappingProxyType(table)


__all__ = ["CallContext", "MethodSpec", "MethodTable", "method_table"]
