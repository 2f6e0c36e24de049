"""Telegram's HTML parse mode, with the error wording of Telegram's own parser.

Offsets are in UTF-16 code units; errors quote UTF-8 byte offsets, as Telegram's do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sandbox.common import JsonDict, utf8_offset, utf16_len
from sandbox.entities import EntityParseError, FormattedText, sort_entities

_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
}
_SPACES = " \t\r\n"
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")
_ENTITY_REF = re.compile(r"&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);?")


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int
    byte_offset: int


class _HtmlParser:
    """Telegram's HTML subset: a small tag set, four named entities and numeric ones."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[JsonDict] = []

    def parse(self) -> FormattedText:
        source = self.source
        while self.pos < len(source):
            char = source[self.pos]
            if char == "&":
                decoded, end = _decode_entity(source, self.pos)
                if decoded is not None:
                    self._emit(decoded)
                    self.pos = end
                    continue
            if char != "<":
                self._emit(char)
                self.pos += 1
                continue
            if source.startswith("</", self.pos):
                self._end_tag()
            else:
                self._start_tag()
        if self.stack:
            name = self.stack[-1].name
            raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
        return FormattedText("".join(self.out), sort_entities(self.entities))

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.utf16 += utf16_len(text)

    def _byte(self, index: int) -> int:
        return utf8_offset(self.source, index)

    def _skip_spaces(self) -> None:
        while self.pos < len(self.source) and self.source[self.pos] in _SPACES:
            self.pos += 1

    def _start_tag(self) -> None:
        source, begin = self.source, self.pos
        self.pos += 1
        while self.pos < len(source) and source[self.pos] not in _SPACES + ">":
            self.pos += 1
        if self.pos >= len(source):
            raise EntityParseError(f"Unclosed start tag at byte offset {self._byte(begin)}")
        name = source[begin + 1 : self.pos].lower()
        if name not in _TAG_ENTITY:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {self._byte(begin)}'
            )
        attrs = self._attributes(name, begin)
        self.pos += 1  # the closing ">"
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self._byte(begin)}'
            )
        self.stack.append(_OpenTag(name, attrs, self.utf16, self._byte(begin)))

    def _attributes(self, tag: str, begin: int) -> dict[str, str]:
        source, attrs = self.source, {}
        unclosed = f'Unclosed start tag "{tag}" at byte offset {self._byte(begin)}'
        while self.pos < len(source) and source[self.pos] != ">":
            self._skip_spaces()
            if self.pos >= len(source):
                raise EntityParseError(unclosed)
            if source[self.pos] == ">":
                break
            name_start = self.pos
            while self.pos < len(source) and source[self.pos] not in _SPACES + "=>":
                self.pos += 1
            name = source[name_start : self.pos].lower()
            if not name:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {self._byte(begin)}'
                )
            self._skip_spaces()
            if self.pos >= len(source):
                raise EntityParseError(unclosed)
            if source[self.pos] != "=":
                if tag == "blockquote" and name == "expandable":
                    attrs[name] = ""
                    continue
                raise EntityParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {self._byte(begin)}'
                )
            self.pos += 1
            self._skip_spaces()
            if self.pos >= len(source):
                raise EntityParseError(unclosed)
            attrs[name] = self._attribute_value(begin)
        if self.pos >= len(source):
            raise EntityParseError(f"Unclosed start tag at byte offset {self._byte(begin)}")
        return attrs

    def _attribute_value(self, begin: int) -> str:
        source = self.source
        quote = source[self.pos]
        if quote in "\"'":
            end = source.find(quote, self.pos + 1)
            if end == -1:
                raise EntityParseError(f"Unclosed start tag at byte offset {self._byte(begin)}")
            raw, self.pos = source[self.pos + 1 : end], end + 1
            return _decode_entities(raw)
        token_start = self.pos
        match = _NAME_TOKEN.match(source, self.pos)
        value = match.group(0) if match else ""
        self.pos += len(value)
        if self.pos < len(source) and source[self.pos] not in _SPACES + ">":
            raise EntityParseError(
                f"Unexpected end of name token at byte offset {self._byte(token_start)}"
            )
        return value

    def _end_tag(self) -> None:
        source, begin = self.source, self.pos
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {self._byte(begin)}")
        self.pos += 2
        name_start = self.pos
        while self.pos < len(source) and source[self.pos] not in _SPACES + ">":
            self.pos += 1
        name = source[name_start : self.pos].lower()
        self._skip_spaces()
        if self.pos >= len(source) or source[self.pos] != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {self._byte(begin)}")
        self.pos += 1
        expected = self.stack[-1].name
        if name != expected:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {self._byte(begin)}, "
                f'expected "</{expected}>", found "</{name}>"'
            )
        self._close(self.stack.pop())

    def _close(self, tag: _OpenTag) -> None:
        length = self.utf16 - tag.offset
        language = tag.attrs.get("class", "")
        parent = self.stack[-1] if self.stack else None
        if tag.name == "code" and parent and parent.name == "pre" and parent.offset == tag.offset:
            # <pre><code class="language-x"> is one pre entity with a language
            if language.startswith("language-"):
                parent.attrs["language"] = language.removeprefix("language-")
            return
        if length <= 0:
            return
        entity: JsonDict = {"type": _TAG_ENTITY[tag.name], "offset": tag.offset, "length": length}
        if tag.name == "a":
            href = tag.attrs.get("href", "")
            if not href:
                return
            entity["url"] = href
        elif tag.name == "tg-emoji":
            emoji_id = tag.attrs.get("emoji-id", "")
            if not emoji_id.isdigit():
                raise EntityParseError("Invalid custom emoji identifier specified")
            entity["custom_emoji_id"] = emoji_id
        elif tag.name == "pre" and tag.attrs.get("language"):
            entity["language"] = tag.attrs["language"]
        elif tag.name == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        self.entities.append(entity)


def _decode_entity(source: str, start: int) -> tuple[str | None, int]:
    """Decode `&name;` / `&#123;` / `&#x1F;` at `start`; the `;` is optional as in Telegram."""
    match = _ENTITY_REF.match(source, start)
    if not match:
        return None, start
    body = match.group(1)
    if body.startswith("#"):
        is_hex = body[1:2] in ("x", "X")
        code = int(body[2:], 16) if is_hex else int(body[1:])
        if code == 0 or code > 0x10FFFF:
            return None, start
        if 0xD800 <= code <= 0xDFFF:
            raise EntityParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        return chr(code), match.end()
    named = _NAMED_ENTITIES.get(body)
    return (named, match.end()) if named else (None, start)


def _decode_entities(raw: str) -> str:
    parts, pos = [], 0
    while pos < len(raw):
        decoded, end = _decode_entity(raw, pos) if raw[pos] == "&" else (None, pos)
        if decoded is None:
            parts.append(raw[pos])
            pos += 1
        else:
            parts.append(decoded)
            pos = end
    return "".join(parts)


def parse_html(source: str) -> FormattedText:
    """Parse Telegram HTML into text + entities, or raise `EntityParseError`."""
    return _HtmlParser(source).parse()
