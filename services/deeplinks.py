"""Deep-link payloads of /start: referral, product, provider and provider-invite links."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_PAYLOAD_RE = re.compile(r"^(ref|p|s|inv)_([A-Za-z0-9-]{1,60})$")


class DeepLinkKind(StrEnum):
    """What a /start payload points at."""

    referral = "ref"
    product = "p"
    provider = "s"
    invite = "inv"  # a one-time invite that makes the opener a provider's owner


@dataclass(frozen=True, slots=True)
class DeepLink:
    """A parsed /start payload."""

    kind: DeepLinkKind
    value: str

    @property
    def payload(self) -> str:
        """The payload string as it goes into a t.me link (≤ 64 characters)."""
        return f"{self.kind.value}_{self.value}"

    @property
    def numeric_id(self) -> int | None:
        """The value as a positive integer id, if it is one."""
        return int(self.value) if self.value.isdigit() and len(self.value) < 10 else None


def parse_payload(payload: str | None) -> DeepLink | None:
    """Parse a /start payload; unknown or malformed payloads give None."""
    if not payload:
        return None
    match = _PAYLOAD_RE.match(payload.strip())
    if match is None:
        return None
    return DeepLink(DeepLinkKind(match.group(1)), match.group(2))


def referral_link(bot_username: str, pseudonym: str) -> str:
    """A person's own link that invites others (`start=ref_<pseudonym>`)."""
    return f"https://t.me/{bot_username}?start={DeepLink(DeepLinkKind.referral, pseudonym).payload}"


def invite_link(bot_username: str, code: str) -> str:
    """A t.me link that hands a provider to whoever opens it first."""
    return f"https://t.me/{bot_username}?start={DeepLink(DeepLinkKind.invite, code).payload}"
