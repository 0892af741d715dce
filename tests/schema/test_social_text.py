"""Comment text: tags and mentions found, and HTML rendered so nothing typed runs."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from connectors.social import ActivityEvent, mentions_in, normalise_tag, tags_in
from schema.activity import _group_key
from schema.comments import render_html

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '"><svg onload=alert(1)>',
    "<iframe src=//evil.example></iframe>",
    "<style>body{display:none}</style>",
    '@x" onmouseover="alert(1)',
    '#tag" onclick="alert(1)',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<<script>script>alert(1)<</script>/script>",
]


class Markup(HTMLParser):
    """The elements and attributes a browser would build from some HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[tuple[str, str]] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes |= {(tag, name) for name, _ in attrs}


@pytest.mark.parametrize("text", ATTACKS)
def test_nothing_typed_becomes_markup(text: str) -> None:
    markup = Markup()
    markup.feed(render_html(text))
    assert markup.tags <= {"p", "br", "a"}
    assert markup.attributes <= {("a", "class"), ("a", "data-account"), ("a", "data-tag")}


def test_text_is_escaped_and_links_are_ours() -> None:
    html = render_html("Hi @priya.shah, see #Local-Plan & <b>this</b>\n\nthanks")
    assert html == (
        '<p>Hi <a class="mention" data-account="priya.shah">@priya.shah</a>, see '
        '<a class="tag" data-tag="local-plan">#Local-Plan</a> &amp; &lt;b&gt;this&lt;/b&gt;</p>'
        "<p>thanks</p>"
    )


@pytest.mark.parametrize(
    ("raw", "tag"),
    [("Data Protection", "data-protection"), ("#data_protection", "data-protection"),
     ("  GIS ", "gis"), ("Café!", "café"), ("---", ""), ("a" * 80, "a" * 64)],
)  # fmt: skip
def test_tags_are_normalised(raw: str, tag: str) -> None:
    assert normalise_tag(raw) == tag


def test_tags_and_mentions_are_found_once_each() -> None:
    text = "#Budget and #budget, mail a@b.com, ask @Priya.Shah and @priya.shah. &#39; x#y"
    assert tags_in(text) == ["budget"]
    assert mentions_in(text) == ["priya.shah"]


def test_similar_events_of_a_day_aggregate() -> None:
    def event(i: int, actor: str, verb: str, target: str, day: int) -> ActivityEvent:
        return ActivityEvent(i, actor, verb, "comment", f"c{i}", "document", target, "document",
                             target, datetime(2026, 5, day, 10, tzinfo=UTC))  # fmt: skip

    same = {
        _group_key(event(1, "a", "commented", "d", 1)),
        _group_key(event(2, "b", "replied", "d", 1)),
    }
    assert len(same) == 1  # replies and comments on one document, one day
    assert _group_key(event(3, "a", "commented", "d", 2)) not in same
    assert _group_key(event(4, "a", "commented", "other", 1)) not in same
