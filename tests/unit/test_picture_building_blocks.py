"""The pictures' pure parts: dates at the source's precision, query text that refuses unsafe IRIs, the map's
numeric codes from pycountry, network edges from rows."""

from __future__ import annotations

from datetime import date

import pycountry
import pytest

from server import prefixes
from server.web import focus
from server.web.views import country_map, network, timeline


def test_year_spans_the_whole_year() -> None:
    when = timeline.parse_when("2005")
    assert when is not None and (when.first, when.after, when.precision) == (date(2005, 1, 1), date(2006, 1, 1), "year")


def test_month_spans_the_month_even_in_december() -> None:
    when = timeline.parse_when("2007-12")
    assert when is not None and (when.first, when.after, when.precision) == (
        date(2007, 12, 1),
        date(2008, 1, 1),
        "month",
    )


def test_day_spans_one_day() -> None:
    when = timeline.parse_when("2006-11-04")
    assert when is not None and (when.first, when.after, when.precision) == (
        date(2006, 11, 4),
        date(2006, 11, 5),
        "day",
    )


def test_unreadable_date_is_skipped_not_guessed() -> None:
    assert timeline.parse_when("2006-13") is None
    assert timeline.parse_when("early 2006") is None


def _row(event: str, which: str, value: str) -> dict[str, dict[str, str]]:
    return {"e": {"type": "uri", "value": event}, "which": {"type": "literal", "value": which},
            "d": {"type": "literal", "value": value}}  # fmt: skip


def test_event_dated_differently_keeps_its_most_precise_dates_and_lists_the_others() -> None:
    rows = [_row("e", "start", "2006-11"), _row("e", "start", "2006-11-04"), _row("e", "end", "2006-11"),
            _row("e", "end", "2006-11-05")]  # fmt: skip
    [item] = timeline.items(rows)
    assert (item.start.value, item.end and item.end.value, item.also) == ("2006-11-04", "2006-11-05", ["2006-11"])
    assert item.until == date(2006, 11, 6)


def test_items_are_in_chronological_order() -> None:
    rows = [_row("b", "start", "2008"), _row("a", "start", "2007-05-01"), _row("c", "start", "2007-05")]
    assert [i.iri for i in timeline.items(rows)] == ["a", "c", "b"]  # same first day: the shorter first


@pytest.mark.parametrize("bad", ["organisation/segib", "javascript:alert(1)", "https://x.org/a> } DROP ALL #",
                                 "https://x.org/a b", 'https://x.org/"', "https://x.org/" + "a" * 600])  # fmt: skip
def test_malformed_focus_is_refused_with_400(bad: str) -> None:
    with pytest.raises(focus.FocusError) as caught:
        focus.check_iri(bad)
    assert caught.value.status == 400


@pytest.mark.parametrize("build", [timeline.dates_query, lambda i: network.edges_query([i])])
def test_query_builders_refuse_iris_that_would_break_out(build: object) -> None:
    with pytest.raises(ValueError):
        build("https://x.org/a> } ; DROP ALL ; <x")  # type: ignore[operator]


def test_numeric_codes_come_from_pycountry() -> None:
    for country in pycountry.countries:
        assert country_map.numeric_code(country.alpha_3) == country.numeric
        assert country_map.alpha3_code(country.numeric) == country.alpha_3


def test_undirected_edges_are_kept_once_per_pair_with_everything_they_share() -> None:
    def row(a: str, b: str, via: str) -> dict[str, dict[str, str]]:
        rel = {"type": "literal", "value": network.CO_ORGANISER}
        return {"a": {"type": "uri", "value": a}, "b": {"type": "uri", "value": b}, "rel": rel,
                "via": {"type": "uri", "value": via}}  # fmt: skip

    [edge] = network.edges_from([row("x", "y", "e1"), row("y", "x", "e2")])
    assert (edge.source, edge.target, edge.via, edge.directed) == ("x", "y", {"e1", "e2"}, False)


def test_membership_role_becomes_the_property_that_states_it() -> None:
    rows = [{"a": {"type": "uri", "value": "gov"}, "b": {"type": "uri", "value": "org"},
             "rel": {"type": "uri", "value": prefixes.MIG + "roleObserver"}}]  # fmt: skip
    [edge] = network.edges_from(rows)
    assert edge.relation == prefixes.MIG + "observerOf" and edge.directed


def test_node_cap_stops_growth_and_says_so() -> None:
    net = network.Network("f", {"f": 0}, [])
    edges = [network.Edge("f", prefixes.MIG + "memberOf", f"o{i}", True) for i in range(10)]
    added = network.grow(net, edges, cap=4)
    assert len(net.depth) == 4 and len(added) == 3 and net.truncated
    assert all(e.target in net.depth for e in net.edges)
