"""Quote resolution: a quote is found verbatim exactly once, or the build says why not."""

from __future__ import annotations

import pytest

from server.pipeline.load import Selector
from server.pipeline.quotes import Position, locate, occurrences

TEXT = "Mexico presented its program.\tMexico presented its plan.\nNicaragua — “Love Project”."


def test_locate_unique_quote_returns_code_point_offsets() -> None:
    found = locate(TEXT, Selector("“Love Project”"))
    assert isinstance(found, Position)
    assert TEXT[found.start : found.end] == "“Love Project”"


def test_locate_counts_code_points_not_utf8_bytes() -> None:
    found = locate("ñandú — São Paulo", Selector("São"))
    assert found == Position(8, 11)


def test_locate_quote_not_in_text_names_the_quote() -> None:
    found = locate(TEXT, Selector("Mexico presented its budget"))
    assert isinstance(found, str)
    assert "not found verbatim" in found
    assert "Mexico presented its budget" in found


def test_locate_ambiguous_quote_asks_for_prefix_or_suffix() -> None:
    found = locate(TEXT, Selector("Mexico presented its"))
    assert isinstance(found, str)
    assert "found 2 times" in found and "oa:prefix or oa:suffix" in found


def test_locate_suffix_disambiguates_repeated_quote() -> None:
    found = locate(TEXT, Selector("Mexico presented its", suffix=" plan"))
    assert isinstance(found, Position)
    assert found.start == TEXT.index("Mexico presented its plan")


def test_locate_prefix_disambiguates_repeated_quote() -> None:
    found = locate(TEXT, Selector("Mexico", prefix="\t"))
    assert found == Position(TEXT.index("\tMexico") + 1, TEXT.index("\tMexico") + 7)


@pytest.mark.parametrize("exact", ["program.\tMexico", "plan.\nNicaragua"])
def test_locate_quote_spanning_tab_or_newline_is_found(exact: str) -> None:
    assert isinstance(locate(TEXT, Selector(exact)), Position)


def test_occurrences_overlapping_matches_are_all_counted() -> None:
    assert occurrences("aaaa", Selector("aa")) == [0, 1, 2]
