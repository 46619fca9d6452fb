"""Accept → media type for SPARQL results: the one table every level of the tests runs.

* tests/unit/test_negotiation.py: ``media.choose_result`` (``media.negotiate`` over the types offered for the case's
  query form, and the default RDF format for a graph asked for with result-set types only);
* tests/unit/test_sparql_routing.py: the /sparql route in process (TestClient over the fixture release);
* tests/http/test_sparql_protocol.py: a real uvicorn serving the fixture release.

``chosen`` is the media type the answer must have; None means nothing acceptable is offered (406). ``accept`` None
means no Accept header at all (httpx would otherwise send ``*/*``). Importable from every test folder:
tests/conftest.py puts tests/ on ``sys.path``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import httpx
import pyoxigraph as ox
import pytest

from server import media, prefixes

JSON, XML = "application/sparql-results+json", "application/sparql-results+xml"
CSV, TSV = "text/csv", "text/tab-separated-values"
TTL, NT, NQ, TRIG = "text/turtle", "application/n-triples", "application/n-quads", "application/trig"
JSONLD, RDFXML = "application/ld+json", "application/rdf+xml"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"

ECU = prefixes.ID + "country/ecu"
# One query per form, all answerable from tests/fixtures/release.
QUERIES: dict[media.QueryForm, str] = {
    "solutions": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
    "boolean": "ASK {}",
    "graph": f"CONSTRUCT {{ ?s <{prefixes.RDFS}label> ?l }} WHERE {{ ?s <{prefixes.RDFS}label> ?l }}",
}
DESCRIBE = f"DESCRIBE <{ECU}>"


@dataclass(frozen=True)
class Case:
    id: str
    form: media.QueryForm
    accept: str | None
    chosen: str | None
    query: str = ""  # another query of the same form than QUERIES[form]

    @property
    def sparql(self) -> str:
        return self.query or QUERIES[self.form]


S, B, G = "solutions", "boolean", "graph"
CASES = [
    Case("no-header", S, None, JSON),
    Case("empty-header", S, "", JSON),
    Case("star-star", S, "*/*", JSON),
    Case("exact", S, XML, XML),
    Case("exact-csv", S, CSV, CSV),
    Case("exact-tsv", S, TSV, TSV),
    Case("case-insensitive", S, "Application/SPARQL-Results+XML", XML),
    Case("higher-q-wins", S, f"{CSV};q=0.5, {XML};q=0.9", XML),
    Case("higher-q-wins-over-star", S, f"{CSV};q=0.4, {XML};q=0.8, */*;q=0.1", XML),
    Case("unweighted-beats-lower-q", S, f"{CSV};q=0.5, {TSV}", TSV),
    Case("order-in-header-irrelevant", S, f"{XML};q=0.4, {CSV};q=0.5", CSV),
    Case("type-wildcard-server-order", S, "text/*", CSV),
    Case("exact-beats-wildcard-at-equal-q", S, f"text/*, {TSV}", TSV),
    Case("exact-beats-star-star-at-equal-q", S, f"*/*, {TSV}", TSV),
    Case("higher-q-beats-exact", S, f"*/*;q=1, {TSV};q=0.5", JSON),
    Case("q0-excludes-only-member", S, f"{CSV};q=0", None),
    Case("q0-excludes-under-star", S, f"{JSON};q=0, */*", XML),
    Case("nothing-fits", S, "image/png", None),
    Case("alias-json-select", S, "application/json", "application/json"),
    Case("alias-xml-select", S, "text/xml", "text/xml"),
    Case("canonical-before-alias", S, f"application/json, {JSON}", JSON),
    Case("browser-select", S, BROWSER, "application/xml"),
    Case("malformed-q-member-skipped", S, f"{CSV};q=abc, {TSV};q=0.1", TSV),
    Case("q-above-one-member-skipped", S, f"{CSV};q=2, {TSV};q=0.1", TSV),
    Case("no-valid-member-disregarded", S, "garbage, also/", JSON),
    Case("half-wildcard-invalid", S, "*/json", JSON),
    Case("ask-no-header", B, None, JSON),
    Case("ask-json", B, JSON, JSON),
    Case("ask-xml", B, XML, XML),
    Case("alias-xml", B, "text/xml", "text/xml"),
    Case("csv-not-for-ask", B, CSV, None),
    Case("graph-no-header", G, None, TTL),
    Case("star-star-graph", G, "*/*", TTL),
    Case("graph-ntriples", G, NT, NT),
    Case("graph-nquads", G, NQ, NQ),
    Case("graph-trig", G, TRIG, TRIG),
    Case("graph-jsonld", G, JSONLD, JSONLD),
    Case("graph-rdfxml", G, RDFXML, RDFXML),
    Case("graph-q-values", G, f"{TTL};q=0.5, {NT}", NT),
    Case("describe-turtle", G, TTL, TTL, DESCRIBE),
    Case("subtype-wildcard-application", G, "application/*", NT),
    Case("ties-go-to-server-order", G, f"{NT}, {TTL}", TTL),
    Case("most-specific-range-decides", G, f"text/*;q=0.3, {TTL};q=0", "text/xml"),  # RDF/XML alias
    Case("alias-json-graph", G, "application/json", "application/json"),
    Case("alias-trig", G, "application/x-trig", "application/x-trig"),
    Case("charset-utf8-matches", G, f"{TTL};charset=UTF-8", TTL),
    Case("other-charset-does-not", G, f"{TTL};charset=iso-8859-1, {NT};q=0.5", NT),
    Case("bare-star-java", G, "text/html, *; q=.2", TTL),
    Case("whitespace-and-params", G, f"  {RDFXML} ; q=0.8 ;level=1 , {JSONLD};q=0.7", RDFXML),
    Case("graph-only-results-types", G, f"{CSV}, {JSON}", TTL),  # as Virtuoso: rdflib's SPARQLStore sends only these
    Case("graph-nothing-fits", G, "image/png", None),
]
PARAMS = [pytest.param(case, id=case.id) for case in CASES]


def get(client: httpx.Client, url: str, case: Case) -> httpx.Response:
    """GET ``url`` with the case's query and its Accept header (none at all when ``accept`` is None). Whitespace
    around the value is not part of a field value on the wire (RFC 9110 §5.5; h11 refuses to send it)."""
    request = client.build_request("GET", url, params={"query": case.sparql})
    if case.accept is None:
        del request.headers["Accept"]
    else:
        request.headers["Accept"] = case.accept.strip()
    return client.send(request)


def check_answer(response: httpx.Response, case: Case) -> None:
    """The answer has the chosen type and parses as it, or is a 406 that lists what is offered."""
    assert response.headers["vary"].split(",")[0].strip() == "Accept"
    if case.chosen is None:
        assert response.status_code == 406, response.text
        assert ", ".join(f.media_type for f in media.formats_for(case.form)[:2]) in response.text
        return
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == f"{case.chosen}; charset=utf-8"
    fmt = media.format_for(case.chosen, media.formats_for(case.form))
    if fmt.rdf_format is not None:
        assert len(ox.Dataset(ox.parse(response.content, format=fmt.rdf_format))) > 0
    elif fmt.results_format == ox.QueryResultsFormat.CSV:  # lossy: pyoxigraph does not read it back
        assert len(list(csv.reader(io.StringIO(response.text)))) == 2  # the header and one row
    else:
        parsed = ox.parse_query_results(response.content, format=fmt.results_format)
        assert isinstance(parsed, ox.QueryBoolean) or len(list(parsed)) == 1
