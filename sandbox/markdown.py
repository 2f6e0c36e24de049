"""Telegram's MarkdownV2 and legacy Markdown parse modes."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.common import JsonDict, utf8_offset, utf16_len
from sandbox.entities import EntityParseError, FormattedText, sort_entities

_RESERVED_V2 = set("_*[]()~`>#+-=|{}.!")
_ENTITY_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}
# A character that opens an entity, and the same again closes it.
_TOGGLES = {"*": "bold", "~": "strikethrough"}


@dataclass
class _Open:
    kind: str
    offset: int
    index: int
    language: str = ""


class _MarkdownV2Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_Open] = []
        self.entities: list[JsonDict] = []
        self.quote: tuple[int, bool] | None = None  # (offset, expandable)

    def parse(self) -> FormattedText:
        source = self.source
        while self.pos < len(source):
            char = source[self.pos]
            in_code = bool(self.stack) and self.stack[-1].kind in ("code", "pre")
            if self._at_line_start() and not in_code:
                self._line_start()
                if self.pos >= len(source):
                    break
                char = source[self.pos]
            if char == "\\" and self.pos + 1 < len(source) and 0 < ord(source[self.pos + 1]) < 127:
                self._emit(source[self.pos + 1])
                self.pos += 2
                continue
            top = self.stack[-1] if self.stack else None
            if top and top.kind in ("code", "pre"):
                self._inside_code(top)
                continue
            if char not in _RESERVED_V2:
                self._emit(char)
                self.pos += 1
                continue
            self._reserved(char, top)
        self._close_quote()
        if self.stack:
            opened = self.stack[-1]
            raise EntityParseError(
                f"Can't find end of {_ENTITY_NAMES[opened.kind]} entity at byte offset "
                f"{utf8_offset(source, opened.index)}"
            )
        return FormattedText("".join(self.out), sort_entities(self.entities))

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.utf16 += utf16_len(text)

    def _at_line_start(self) -> bool:
        return self.pos == 0 or self.source[self.pos - 1] == "\n"

    def _line_start(self) -> None:
        source = self.source
        if source.startswith("**>", self.pos) or source.startswith(">", self.pos):
            expandable = source.startswith("**>", self.pos)
            if self.quote is None:
                self.quote = (self.utf16, expandable)
            self.pos += 3 if expandable else 1
        elif self.quote is not None:
            self._close_quote(trailing_newline=True)

    def _close_quote(self, trailing_newline: bool = False) -> None:
        if self.quote is None:
            return
        offset, expandable = self.quote
        self.quote = None
        length = self.utf16 - offset - (1 if trailing_newline else 0)
        if length > 0:
            kind = "expandable_blockquote" if expandable else "blockquote"
            self.entities.append({"type": kind, "offset": offset, "length": length})

    def _inside_code(self, top: _Open) -> None:
        closing = "```" if top.kind == "pre" else "`"
        if self.source.startswith(closing, self.pos):
            self.pos += len(closing)
            self._finish(self.stack.pop())
        else:
            self._emit(self.source[self.pos])
            self.pos += 1

    def _reserved(self, char: str, top: _Open | None) -> None:
        source, nxt = self.source, self.source[self.pos + 1 : self.pos + 2]
        if char in _TOGGLES:
            self._toggle(_TOGGLES[char], 1, top)
        elif char == "_":
            if top and top.kind == "underline" and nxt == "_":
                self._toggle("underline", 2, top)
            elif top and top.kind == "italic":
                self._toggle("italic", 1, top)
            else:
                self._toggle("underline" if nxt == "_" else "italic", 2 if nxt == "_" else 1, top)
        elif char == "|" and nxt == "|":
            if self.quote and self.quote[1] and source[self.pos + 2 : self.pos + 3] in ("", "\n"):
                self.pos += 2  # the end marker of an expandable block quotation
            else:
                self._toggle("spoiler", 2, top)
        elif char == "`":
            self._open_code()
        elif char == "[" or (char == "!" and nxt == "["):
            kind = "custom_emoji" if char == "!" else "text_link"
            self.stack.append(_Open(kind, self.utf16, self.pos))
            self.pos += 2 if char == "!" else 1
        elif char == "]" and top and top.kind in ("text_link", "custom_emoji"):
            self._close_link(self.stack.pop())
        else:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )

    def _toggle(self, kind: str, width: int, top: _Open | None) -> None:
        if top and top.kind == kind:
            self._finish(self.stack.pop())
        else:
            self.stack.append(_Open(kind, self.utf16, self.pos))
        self.pos += width

    def _open_code(self) -> None:
        source = self.source
        if source.startswith("```", self.pos):
            start = self.pos + 3
            newline, closing = source.find("\n", start), source.find("```", start)
            language = ""
            if newline != -1 and (closing == -1 or newline < closing):
                language = source[start:newline].strip()
                start = newline + 1
            self.stack.append(_Open("pre", self.utf16, self.pos, language))
            self.pos = start
        else:
            self.stack.append(_Open("code", self.utf16, self.pos))
            self.pos += 1

    def _close_link(self, opened: _Open) -> None:
        source = self.source
        self.pos += 1  # "]"
        if not source.startswith("(", self.pos):
            return
        url, self.pos = _read_url(source, self.pos + 1)
        length = self.utf16 - opened.offset
        if length <= 0 or not url:
            return
        entity: JsonDict = {"type": opened.kind, "offset": opened.offset, "length": length}
        if opened.kind == "custom_emoji":
            entity["custom_emoji_id"] = url.removeprefix("tg://emoji?id=")
        else:
            entity["url"] = url
        self.entities.append(entity)

    def _finish(self, opened: _Open) -> None:
        length = self.utf16 - opened.offset
        if length <= 0:
            return
        entity: JsonDict = {"type": opened.kind, "offset": opened.offset, "length": length}
        if opened.kind == "pre" and opened.language:
            entity["language"] = opened.language
        self.entities.append(entity)


def _read_url(source: str, start: int) -> tuple[str, int]:
    """Read a link target up to the unescaped ")"; in it only ")" and "\\" are escaped."""
    chars, pos = [], start
    while pos < len(source) and source[pos] != ")":
        if source[pos] == "\\" and pos + 1 < len(source):
            pos += 1
        chars.append(source[pos])
        pos += 1
    if pos >= len(source):
        raise EntityParseError(
            f"Can't find end of a url at byte offset {utf8_offset(source, start)}"
        )
    return "".join(chars), pos + 1


def parse_markdown_v2(source: str) -> FormattedText:
    """Parse MarkdownV2 into text + entities, or raise `EntityParseError`."""
    return _MarkdownV2Parser(source).parse()


_LEGACY = {"*": "bold", "_": "italic", "`": "code"}


def parse_markdown(source: str) -> FormattedText:
    """Parse legacy Markdown (no nesting, few escapes) into text + entities."""
    out: list[str] = []
    entities: list[JsonDict] = []
    utf16, pos = 0, 0

    def unterminated(index: int) -> EntityParseError:
        return EntityParseError(
            f"Can't find end of the entity starting at byte offset {utf8_offset(source, index)}"
        )

    while pos < len(source):
        char = source[pos]
        if char == "\\" and source[pos + 1 : pos + 2] in ("_", "*", "`", "["):
            out.append(source[pos + 1])
            utf16 += 1
            pos += 2
            continue
        if char not in "_*`[":
            out.append(char)
            utf16 += utf16_len(char)
            pos += 1
            continue
        begin = pos
        entity: JsonDict
        if source.startswith("```", pos):
            end = source.find("```", pos + 3)
            if end == -1:
                raise unterminated(begin)
            body, language = source[pos + 3 : end], ""
            first_line, newline, rest = body.partition("\n")
            if newline and first_line and " " not in first_line:
                body, language = rest, first_line
            entity = {"type": "pre"} | ({"language": language} if language else {})
            pos = end + 3
        elif char == "[":
            close = source.find("](", pos)
            end = source.find(")", close + 2) if close != -1 else -1
            if close == -1 or end == -1:
                raise unterminated(begin)
            body = source[pos + 1 : close]
            entity = {"type": "text_link", "url": source[close + 2 : end]}
            pos = end + 1
        else:
            end = source.find(char, pos + 1)
            if end == -1:
                raise unterminated(begin)
            body = source[pos + 1 : end]
            entity = {"type": _LEGACY[char]}
            pos = end + 1
        length = utf16_len(body)
        if length:
            entities.append({**entity, "offset": utf16, "length": length})
        out.append(body)
        utf16 += length
    return FormattedText("".join(out), sort_entities(entities))
