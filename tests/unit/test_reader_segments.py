"""Cutting a source text at passage boundaries, overlapping passages included."""

from __future__ import annotations

from server.web.views.reader import Span, segments


def test_segments_rebuild_the_text_exactly() -> None:
    text = "Alpha beta gamma delta."
    pieces = segments(text, [Span("a", 0, 10), Span("b", 6, 16)])
    assert "".join(p.text for p in pieces) == text


def test_segments_mark_overlaps_and_openings() -> None:
    pieces = segments("Alpha beta gamma delta.", [Span("a", 0, 10), Span("b", 6, 16)])
    assert [(p.text, p.covering, p.opening) for p in pieces] == [
        ("Alpha ", ("a",), ("a",)),
        ("beta", ("a", "b"), ("b",)),
        (" gamma", ("b",), ()),
        (" delta.", (), ()),
    ]


def test_segments_without_passages_is_the_whole_text() -> None:
    assert [p.text for p in segments("plain", [])] == ["plain"]
