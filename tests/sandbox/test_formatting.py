"""Telegram's parse modes: the text a user sees, the entities, and the refusals."""

from __future__ import annotations

import pytest

from sandbox.entities import EntityParseError
from sandbox.errors import ApiError
from sandbox.formatting import format_text
from sandbox.html_parse import parse_html
from sandbox.markdown import parse_markdown, parse_markdown_v2


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
        ("🏟 🏟&lt;<abac aba>", 'Unsupported start tag "abac" at byte offset 13'),
        ("🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
        (
            "🏟 🏟&lt;<i    aba>",
            'Expected equal sign in declaration of an attribute of the tag "i" at byte offset 13',
        ),
        ("🏟 🏟&lt;<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
        ("🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
        ("🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        (
            "&#xDFDF;",
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units",
        ),
    ],
)
def test_html_errors_use_telegrams_words(source: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(source)
    assert str(caught.value) == error


def test_html_entities_in_utf16_offsets() -> None:
    parsed = parse_html(
        '😀 <b>bold <i>both</i></b> &amp; <a href="https://x.io/?a=1&amp;b=2">'
        'link</a> <pre><code class="language-python">x = 1</code></pre> '
        "<tg-spoiler>s</tg-spoiler> <blockquote expandable>q</blockquote>"
    )
    assert parsed.text == "😀 bold both & link x = 1 s q"
    assert parsed.entities == [
        {"type": "bold", "offset": 3, "length": 9},
        {"type": "italic", "offset": 8, "length": 4},
        {"type": "text_link", "offset": 15, "length": 4, "url": "https://x.io/?a=1&b=2"},
        {"type": "pre", "offset": 20, "length": 5, "language": "python"},
        {"type": "spoiler", "offset": 26, "length": 1},
        {"type": "expandable_blockquote", "offset": 28, "length": 1},
    ]


def test_unknown_html_entities_stay_literal() -> None:
    assert parse_html("a &nbsp; b &#33; &lt;tag&gt;").text == "a &nbsp; b ! <tag>"


@pytest.mark.parametrize(
    ("source", "text", "types"),
    [
        (
            "*bold* _italic_ __under__ ~strike~ ||spoiler||",
            "bold italic under strike spoiler",
            ["bold", "italic", "underline", "strikethrough", "spoiler"],
        ),
        ("`co\\`de` [link](https://x.io/\\)) 10\\.5", "co`de link 10.5", ["code", "text_link"]),
        ("```python\nprint(1)\n```", "print(1)\n", ["pre"]),
        (">quoted\n>lines\nafter", "quoted\nlines\nafter", ["blockquote"]),
    ],
)
def test_markdown_v2(source: str, text: str, types: list[str]) -> None:
    parsed = parse_markdown_v2(source)
    assert parsed.text == text
    assert [entity["type"] for entity in parsed.entities] == types


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("Total 10.5", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("*never closed", "Can't find end of Bold entity at byte offset 0"),
        ("ok _it", "Can't find end of Italic entity at byte offset 3"),
    ],
)
def test_markdown_v2_errors(source: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_markdown_v2(source)
    assert str(caught.value) == error


def test_legacy_markdown() -> None:
    parsed = parse_markdown("*b* _i_ `c` [t](https://x.io) a\\_b")
    assert parsed.text == "b i c t a_b"
    assert [e["type"] for e in parsed.entities] == ["bold", "italic", "code", "text_link"]
    with pytest.raises(EntityParseError, match="byte offset 2"):
        parse_markdown("a *b")


def test_format_text_trims_and_detects_entities() -> None:
    formatted = format_text("  <b>/start</b> @shop #tea https://x.io/a. ", "HTML", None, limit=4096)
    assert formatted.text == "/start @shop #tea https://x.io/a."
    assert [(e["type"], e["offset"], e["length"]) for e in formatted.entities] == [
        ("bold", 0, 6),
        ("bot_command", 0, 6),
        ("mention", 7, 5),
        ("hashtag", 13, 4),
        ("url", 18, 14),
    ]


def test_limits_count_characters_after_parsing() -> None:
    assert format_text("<i>" + "😀" * 4096 + "</i>", "html", None, limit=4096).text
    with pytest.raises(ApiError, match="message is too long"):
        format_text("x" * 4097, None, None, limit=4096)
    with pytest.raises(ApiError, match="message caption is too long"):
        format_text("x" * 1025, None, None, limit=1024, is_caption=True)
    with pytest.raises(ApiError, match="unsupported parse_mode"):
        format_text("x", "BBCode", None, limit=4096)
