"""The media-type table and RFC 9110 content negotiation over it (server/media.py)."""

from __future__ import annotations

import pytest
from negotiation_cases import CSV, JSON, JSONLD, NT, PARAMS, RDFXML, TSV, TTL, XML, Case
from pyoxigraph import QueryResultsFormat, RdfFormat

from server import media, prefixes

SELECT = media.offered(media.formats_for("solutions"))
ASK = media.offered(media.formats_for("boolean"))
GRAPH = media.offered(media.formats_for("graph"))


@pytest.mark.parametrize("case", PARAMS)
def test_negotiate_media_type_per_accept(case: Case) -> None:
    """The shared table (tests/negotiation_cases.py), which the /sparql tests also run in process and over HTTP."""
    assert media.choose_result(case.accept, case.form) == case.chosen


def test_negotiate_nothing_when_nothing_is_offered() -> None:
    assert media.negotiate("*/*", []) is None


def test_offer_canonical_types_before_aliases_for_each_form() -> None:
    assert SELECT == [JSON, XML, CSV, TSV, "application/json", "application/xml", "text/xml"]
    assert ASK == [JSON, XML, "application/json", "application/xml", "text/xml"]
    assert GRAPH[:6] == [TTL, NT, "application/n-quads", "application/trig", JSONLD, RDFXML]
    assert set(GRAPH[6:]) == {"application/x-trig", "application/json", "application/xml", "text/xml"}


@pytest.mark.parametrize("fmt", media.FORMATS, ids=lambda f: f.suffix)
def test_map_format_to_pyoxigraph_consistently(fmt: media.ResultFormat) -> None:
    if fmt.rdf_format is not None:
        assert "graph" in fmt.forms
        assert RdfFormat.from_media_type(fmt.media_type) == fmt.rdf_format
        assert fmt.suffix == fmt.rdf_format.file_extension
    else:
        assert fmt.results_format is not None and "graph" not in fmt.forms
        assert QueryResultsFormat.from_media_type(fmt.media_type) == fmt.results_format
        assert fmt.suffix == fmt.results_format.file_extension
    assert fmt.iri.startswith(prefixes.FORMATS)


def test_give_each_media_type_one_format_per_form() -> None:
    for form in ("solutions", "boolean", "graph"):
        types = [t for f in media.formats_for(form) for t in f.media_types]
        assert len(types) == len(set(types)), form


@pytest.mark.parametrize(
    ("media_type", "header"),
    [
        (CSV, "text/csv; charset=utf-8"),
        (JSON, "application/sparql-results+json; charset=utf-8"),
        (TTL, "text/turtle; charset=utf-8"),
        ("application/json", "application/json; charset=utf-8"),
        (media.TEXT_PLAIN, "text/plain; charset=utf-8"),
        ("application/octet-stream", "application/octet-stream"),
    ],
)
def test_add_charset_to_textual_content_type(media_type: str, header: str) -> None:
    assert media.content_type(media_type) == header


@pytest.mark.parametrize(
    ("value", "accept"),
    [
        ("json", f"{JSON}, {JSONLD}"),
        ("xml", f"{XML}, {RDFXML}"),
        ("csv", CSV),
        ("TTL", TTL),
        ("turtle", TTL),
        ("jsonld", JSONLD),
        ("srj", JSON),
        (TSV, TSV),
        ("application/json", "application/json"),
        ("bogus", None),
        ("image/png", None),
    ],
)
def test_expand_format_parameter_to_accept(value: str, accept: str | None) -> None:
    assert media.accept_for_format(value) == accept


def test_format_for_media_type_picks_the_form_specific_format() -> None:
    assert media.format_for("application/xml", media.formats_for("solutions")) is media.SPARQL_XML
    assert media.format_for("application/xml", media.formats_for("graph")) is media.RDF_XML
    with pytest.raises(KeyError):
        media.format_for(CSV, media.formats_for("graph"))


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("Application/SPARQL-Query", ("application/sparql-query", {})),
        ('application/sparql-query; Charset="UTF-8"', ("application/sparql-query", {"charset": "UTF-8"})),
        ("", ("", {})),
        ("text/plain;;q", ("text/plain", {})),
    ],
)
def test_parse_media_type_parameters(value: str, parsed: tuple[str, dict[str, str]]) -> None:
    assert media.parse_media_type(value) == parsed
