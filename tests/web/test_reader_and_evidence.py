"""The reader's text (``views.reader.source_html``) over the repository's sources, and "How do we know this?"
without repeats (``views.evidence``) on entity pages."""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.release import Release
from server.settings import REPO_ROOT, Settings
from server.store.embedded import EmbeddedStore
from server.web.app import create_app
from server.web.views import reader
from server.web.views.entity import Evidence, Fact, Group, Term
from server.web.views.evidence import shared_passages

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TAG = re.compile(r"<[^>]*>")
SOURCES = sorted((REPO_ROOT / "data" / "sources").glob("*.txt"))


@pytest.fixture(scope="module")
def built_client(release: Release, repo_settings: Settings) -> Iterator[TestClient]:
    app = create_app(repo_settings, EmbeddedStore(release.snapshot), release=release)
    with TestClient(app) as test_client:
        yield test_client


def test_source_html_renders_bold_and_escapes_other_html() -> None:
    pieces = reader.segments("A **bold** <script>x</script> <i>it</i>", [reader.Span("p", 2, 10)])
    shown = str(reader.source_html(pieces))
    assert "<strong>" in shown and "**" not in shown
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    assert "<i>it</i>" in shown


def test_source_html_marks_only_the_current_passage_apart() -> None:
    pieces = reader.segments("one two three", [reader.Span("a", 0, 3), reader.Span("b", 8, 13)])
    shown = str(reader.source_html(pieces, current="b"))
    assert shown.count('class="passage current"') == 1 and 'data-passages="b"' in shown
    assert re.search(r'class="passage current"[^>]*data-passages="b"', shown)


@pytest.mark.build
@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_reader_keeps_every_word_of_the_source_without_its_markup(built_client: TestClient, path: Path) -> None:
    if True:
        page = built_client.get(f"/source/{path.stem}")
        assert page.status_code == 200
        body = page.text[page.text.index('<div class="source-text"') : page.text.index("<template")]
        anchors = re.findall(r'id="excerpt-([^"]+)"', body)
        assert len(anchors) == len(set(anchors)) and anchors, path.stem
        text = html.unescape(TAG.sub("", body))
        assert "**" not in text, f"{path.stem} shows markdown markup"
        source = re.sub(r"<(https?://[^>]+)>", r"\1", path.read_text(encoding="utf-8"))  # autolinks: their address
        words = re.sub(r"[*\\]|</?i>", "", source).split()
        assert text.split() == words, f"{path.stem}: the reader's words differ from the source's"


def evidence(graph: str) -> Evidence:
    return Evidence(graph, "excerpt", quote="A passage.", source="s")


def test_shared_passages_lists_a_passage_once_with_every_statement_it_supports() -> None:
    one, two = evidence("g/one"), evidence("g/two")
    facts = [Fact(Term("x", "literal"), [one]), Fact(Term("y", "literal"), [one, two])]
    groups = [Group(Term("p", "uri"), facts[:1]), Group(Term("q", "uri"), facts[1:])]
    shared = shared_passages(groups)
    assert list(shared) == ["g/one"]  # g/two supports one statement only: quoted where it is
    assert [(prop.value, fact.value.value) for prop, fact in shared["g/one"].statements] == [("p", "x"), ("q", "y")]
    assert shared["g/one"].anchor == "passage-one"
