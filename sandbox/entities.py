"""Formatted text: plain text plus entities in UTF-16 offsets, as Telegram keeps it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sandbox.common import JsonDict, utf16_len


class EntityParseError(Exception):
    """Text that Telegram would refuse with "can't parse entities: ..."."""


@dataclass
class FormattedText:
    """Plain text plus the entities that format it."""

    text: str
    entities: list[JsonDict] = field(default_factory=list)


def sort_entities(entities: list[JsonDict]) -> list[JsonDict]:
    """Telegram's order: by offset, the longer (outer) entity first."""
    return sorted(entities, key=lambda entity: (entity["offset"], -entity["length"]))


def strip_text(formatted: FormattedText) -> FormattedText:
    """Trim leading/trailing whitespace as Telegram does, keeping entities aligned."""
    text = formatted.text
    stripped_left = text.lstrip()
    shift = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip()
    end = utf16_len(result)
    entities = []
    for entity in formatted.entities:
        start = max(0, entity["offset"] - shift)
        stop = min(end, entity["offset"] + entity["length"] - shift)
        if stop > start:
            entities.append({**entity, "offset": start, "length": stop - start})
    return FormattedText(result, entities)


_AUTO_PATTERNS = (
    (
        "bot_command",
        re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])"),
    ),
    ("url", re.compile(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,:;!?)\]]")),
    (
        "email",
        re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
    ),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{2,32}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d_]\w*")),
)
_ATOMIC = {"code", "pre", "text_link", "text_mention", "custom_emoji", *dict(_AUTO_PATTERNS)}


def add_auto_entities(formatted: FormattedText) -> FormattedText:
    """Add the entities Telegram detects by itself: commands, URLs, e-mails, mentions, tags."""
    entities = list(formatted.entities)
    taken = [(e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] in _ATOMIC]
    for kind, pattern in _AUTO_PATTERNS:
        for match in pattern.finditer(formatted.text):
            start = utf16_len(formatted.text[: match.start()])
            stop = start + utf16_len(match.group(0))
            if any(start < other_stop and other_start < stop for other_start, other_stop in taken):
                continue
            taken.append((start, stop))
            entities.append({"type": kind, "offset": start, "length": stop - start})
    return FormattedText(formatted.text, sort_entities(entities))
