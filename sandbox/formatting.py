"""Applying parse_mode / entities and Telegram's length rules to texts and captions."""

from __future__ import annotations

from collections.abc import Callable

from sandbox.common import JsonDict, utf16_len
from sandbox.entities import (
    EntityParseError,
    FormattedText,
    add_auto_entities,
    sort_entities,
    strip_text,
)
from sandbox.errors import bad_request
from sandbox.html_parse import parse_html
from sandbox.markdown import parse_markdown, parse_markdown_v2

_PARSERS: dict[str, Callable[[str], FormattedText]] = {
    "html": parse_html,
    "markdownv2": parse_markdown_v2,
    "markdown": parse_markdown,
}


def format_text(
    text: str,
    parse_mode: str | None,
    entities: list[JsonDict] | None,
    *,
    limit: int,
    is_caption: bool = False,
) -> FormattedText:
    """Apply parse_mode (or explicit entities) and Telegram's length rules to a text or caption."""
    if parse_mode:
        parser = _PARSERS.get(parse_mode.lower())
        if parser is None:
            raise bad_request(f"unsupported parse_mode {parse_mode!r}")
        try:
            formatted = parser(text)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc
    else:
        formatted = FormattedText(text, _checked_entities(text, entities or []))
    formatted = strip_text(formatted)
    if not formatted.text and not is_caption:
        raise bad_request("message text is empty")
    if len(formatted.text) > limit:
        raise bad_request("message caption is too long" if is_caption else "message is too long")
    return add_auto_entities(formatted)


def _checked_entities(text: str, entities: list[JsonDict]) -> list[JsonDict]:
    size = utf16_len(text)
    checked = []
    for entity in entities:
        offset, length = entity.get("offset", -1), entity.get("length", 0)
        if offset < 0 or length <= 0:
            raise bad_request("can't parse entities: invalid entity offset or length")
        if offset < size:
            checked.append({**entity, "length": min(length, size - offset)})
    return sort_entities(checked)
