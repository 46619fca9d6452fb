"""The media-type table and RFC 9110 content negotiation over it (server/media.py)."""

from __future__ import annotations

import pytest
from pyoxigraph import QueryResultsFormat, RdfFormat

from server import media, prefixes

SELECT = media.offered(media.formats_for("solutions"))
ASK = media.offered(media.formats_for("boolean"))
GRAPH = media.offered(media.formats_for("graph"))

JSON, XML = "application/sparql-results+json", "application/sparql-results+xml"
CSV, TSV = "text/csv", "text/tab-separated-values"
TTL, NT, JSONLD, RDFXML = "text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"

NEGOTIATION = [
    # (id, Accept, offered, chosen)
    ("no-header", None, SELECT, JSON),
    ("empty-header", "", SELECT, JSON),
    ("star-star", "*/*", SELECT, JSON),
    ("star-star-graph", "*/*", GRAPH, TTL),
    ("exact", XML, SELECT, XML),
    ("case-insensitive", "Application/SPARQL-Results+XML", SELECT, XML),
    ("higher-q-wins", f"{CSV};q=0.5, {XML};q=0.9", SELECT, XML),
    ("order-in-header-irrelevant", f"{XML};q=0.4, {CSV};q=0.5", SELECT, CSV),
    ("type-wildcard-server-order", "text/*", SELECT, CSV),
    ("exact-beats-wildcard-at-equal-q", f"text/*, {TSV}", SELECT, TSV),
    ("exact-beats-star-star-at-equal-q", f"*/*, {TSV}", SELECT, TSV),
    ("higher-q-beats-exact", f"*/*;q=1, {TSV};q=0.5", SELECT, JSON),
    ("subtype-wildcard-application", "application/*", GRAPH, NT),
    ("ties-go-to-server-order", f"{NT}, {TTL}", GRAPH, TTL),
    ("q0-excludes-only-member", f"{CSV};q=0", SELECT, None),
    ("q0-excludes-under-star", f"{JSON};q=0, */*", SELECT, XML),
    ("most-specific-range-decides", f"text/*;q=0.3, {TTL};q=0", GRAPH, "text/xml"),  # RDF/XML alias
    ("nothing-fits", "image/png", SELECT, None),
    ("csv-not-for-ask", CSV, ASK, None),
    ("alias-json-select", "application/json", SELECT, "application/json"),
    ("alias-json-graph", "application/json", GRAPH, "application/json"),
    ("canonical-before-alias", f"application/json, {JSON}", SELECT, JSON),
    ("alias-xml", "text/xml", ASK, "text/xml"),
    ("alias-trig", "application/x-trig", GRAPH, "application/x-trig"),
    ("browser-select", BROWSER, SELECT, "application/xml"),
    ("charset-utf8-matches", f"{TTL};charset=UTF-8", GRAPH, TTL),
    ("other-charset-does-not", f"{TTL};charset=iso-8859-1, {NT};q=0.5", GRAPH, NT),
    ("malformed-q-member-skipped", f"{CSV};q=abc, {TSV};q=0.1", SELECT, TSV),
    ("q-above-one-member-skipped", f"{CSV};q=2, {TSV};q=0.1", SELECT, TSV),
    ("no-valid-member-disregarded", "garbage, also/", SELECT, JSON),
    ("half-wildcard-invalid", "*/json", SELECT, JSON),
    ("bare-star-java", "text/html, *; q=.2", GRAPH, TTL),
    ("whitespace-and-params", f"  {RDFXML} ; q=0.8 ;level=1 , {JSONLD};q=0.7", GRAPH, RDFXML),
    ("nothing-offered", "*/*", [], None),
]


@pytest.mark.parametrize(("accept", "offered", "chosen"), [c[1:] for c in NEGOTIATION], ids=[c[0] for c in NEGOTIATION])
def test_negotiate_media_type_per_accept(accept: str | None, offered: list[str], chosen: str | None) -> None:
    assert media.negotiate(accept, offered) == chosen


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
