"""The /sparql and /healthz routes over an in-process EmbeddedStore (FastAPI TestClient)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import negotiation_cases
import pyoxigraph as ox
import pytest

from server import prefixes
from server.release import Release
from server.settings import Settings
from server.store.base import (
    Dataset,
    QueryOutcome,
    QueryTimeout,
    StoreError,
    StoreUnavailable,
)
from server.store.embedded import EmbeddedStore
from server.web.app import create_app

with warnings.catch_warnings():  # starlette 1.x nudges towards httpx2; the httpx client works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "release"
RELEASE = Release.open(FIXTURE)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}
COUNT = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
LABELS = "SELECT ?l { <https://w3id.org/migkg/id/country/ecu> <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
PYCOUNTRY = prefixes.GRAPH_REFERENCE + "pycountry"
HELD_IN = prefixes.EXCERPT + "fibemyd-2008-held-in"


def settings(tmp: Path, **overrides: object) -> Settings:
    return Settings(build_dir=tmp, **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = EmbeddedStore(FIXTURE / "snapshot.nq")
    app = create_app(settings(tmp_path_factory.mktemp("build"), max_query_bytes=4000), store, release=RELEASE)
    with TestClient(app) as client:
        yield client


def values(response_text: str) -> list[str]:
    bindings = json.loads(response_text)["results"]["bindings"]
    return sorted(term["value"] for row in bindings for term in row.values())


# --- the three ways to send a query ---------------------------------------------------------------------


def test_answer_query_via_get_with_json_by_default(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": COUNT})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-results+json; charset=utf-8"
    assert "Accept" in response.headers["vary"]
    assert response.headers["x-migkg-release"] == RELEASE.id
    assert values(response.text) == ["32"]


def test_answer_query_via_form_post(client: TestClient) -> None:
    response = client.post("/sparql", content=f"query={quote(COUNT)}", headers=FORM)
    assert response.status_code == 200 and values(response.text) == ["32"]


@pytest.mark.parametrize(
    "content_type",
    ["application/sparql-query", "application/sparql-query; charset=UTF-8", "Application/SPARQL-Query;charset=utf8"],
)
def test_answer_query_via_direct_post_with_charset_tolerated(client: TestClient, content_type: str) -> None:
    response = client.post("/sparql", content=LABELS.encode(), headers={"Content-Type": content_type})
    assert response.status_code == 200 and values(response.text) == ["Ecuador", "Ecuador", "Équateur"]


def test_drop_byte_order_mark_of_direct_post(client: TestClient) -> None:
    response = client.post("/sparql", content=b"\xef\xbb\xbf" + COUNT.encode(), headers=DIRECT)
    assert response.status_code == 200 and values(response.text) == ["32"]


def test_read_non_ascii_query_as_utf8(client: TestClient) -> None:
    query = 'ASK { ?s ?p "Équateur"@fr }'
    for response in (
        client.get("/sparql", params={"query": query}),
        client.post("/sparql", content=query.encode("utf-8"), headers=DIRECT),
        client.post("/sparql", content=f"query={quote(query)}", headers=FORM),
    ):
        assert response.status_code == 200 and json.loads(response.text)["boolean"] is True


# Requests as other engines send them from SERVICE (captured from Virtuoso 7.2.5 and the Oxigraph server
# 0.5.13; tests/stores/ makes the real calls): Virtuoso GETs with an extra `maxrows` and XML first in Accept,
# one call per binding it joins on (a fully bound pattern gets a stub variable); Oxigraph POSTs the query with
# BASE set to its own endpoint.
VIRTUOSO = {
    "Accept": "application/sparql-results+xml, text/rdf+n3, text/rdf+ttl, text/rdf+turtle, text/turtle, "
    "application/turtle, application/x-turtle, application/rdf+xml, application/xml",
    "User-Agent": "Mozilla/4.0 (compatible; Virtuoso)",
}
OXIGRAPH = {**DIRECT, "Accept": "application/sparql-results+json, application/sparql-results+xml"}
ECU_LABELS = f" SELECT ?l\n WHERE {{  <{prefixes.ID}country/ecu> <{prefixes.RDFS}label> ?l . }}"
CUENCA_IS_PLACE = f" SELECT ?stubvar6\n WHERE {{  <{prefixes.ID}place/cuenca> a <{prefixes.MIG}Place> . }}"
OXIGRAPH_LABELS = "BASE <http://127.0.0.1:7878/query>\nSELECT * WHERE" + ECU_LABELS.partition("WHERE")[2]
SERVICE_CALLS = [
    # (id, method, url, body, headers, media type of the answer, values of the first variable)
    ("virtuoso", "GET", f"/sparql?query={quote(ECU_LABELS)}&maxrows=10000000", None, VIRTUOSO,
     "application/sparql-results+xml", ["Ecuador", "Ecuador", "Équateur"]),
    ("virtuoso-bound", "GET", f"/sparql?query={quote(CUENCA_IS_PLACE)}&maxrows=10000000", None, VIRTUOSO,
     "application/sparql-results+xml", [None]),
    ("oxigraph", "POST", "/sparql", OXIGRAPH_LABELS.encode(), OXIGRAPH,
     "application/sparql-results+json", ["Ecuador", "Ecuador", "Équateur"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "url", "body", "headers", "media_type", "expected"),
    [c[1:] for c in SERVICE_CALLS],
    ids=[c[0] for c in SERVICE_CALLS],
)
def test_answer_service_call_of_other_engine(
    client: TestClient,
    method: str,
    url: str,
    body: bytes | None,
    headers: dict[str, str],
    media_type: str,
    expected: list[str | None],
) -> None:
    response = client.request(method, url, content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    solutions = ox.parse_query_results(response.content, ox.QueryResultsFormat.from_media_type(media_type))
    assert isinstance(solutions, ox.QuerySolutions)
    assert sorted((s[0].value if s[0] else None for s in solutions), key=str) == expected


# --- datasets -----------------------------------------------------------------------------------------------


def test_replace_union_with_default_graph_uri_via_get(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": COUNT, "default-graph-uri": PYCOUNTRY})
    assert values(response.text) == ["5"]


def test_merge_repeated_default_graph_uris_via_direct_post(client: TestClient) -> None:
    url = f"/sparql?default-graph-uri={quote(PYCOUNTRY)}&default-graph-uri={quote(HELD_IN)}"
    response = client.post(url, content=COUNT.encode(), headers=DIRECT)
    assert values(response.text) == ["8"]


def test_read_dataset_from_form_body(client: TestClient) -> None:
    query = "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }"
    body = f"query={quote(query)}&named-graph-uri={quote(HELD_IN)}"
    assert values(client.post("/sparql", content=body, headers=FORM).text) == [HELD_IN]


def test_empty_default_graph_when_only_named_graph_uri(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": COUNT, "named-graph-uri": HELD_IN})
    assert values(response.text) == ["0"]


def test_reject_dataset_iri_that_is_not_absolute(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": COUNT, "default-graph-uri": "graph/ontology"})
    assert response.status_code == 400 and "graph/ontology" in response.text


def test_resolve_relative_iri_against_service_base(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT ?t { <id/place/cuenca> a ?t }"})
    assert values(response.text) == [prefixes.MIG + "Place"]


# --- bad requests ----------------------------------------------------------------------------------------------

BAD_REQUESTS = [
    # (id, method, url, body, headers, status, words in the message)
    ("malformed-query", "GET", "/sparql?query=SELECT%20*%20WHERE%20%7B", None, {}, 400, "Malformed query"),
    ("two-queries-get", "GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", None, {}, 400, "Exactly one"),
    ("two-queries-form", "POST", "/sparql", b"query=ASK%7B%7D&query=ASK%7B%7D", FORM, 400, "Exactly one"),
    ("query-in-url-and-body", "POST", "/sparql?query=ASK%7B%7D", b"ASK {}", DIRECT, 400, "body"),
    ("form-without-query", "POST", "/sparql", b"default-graph-uri=x", FORM, 400, "Missing"),
    ("empty-query-get", "GET", "/sparql?query=", None, {}, 400, "empty"),
    ("blank-query-direct", "POST", "/sparql", b" \n\t", DIRECT, 400, "empty"),
    ("no-content-type", "POST", "/sparql", b"ASK {}", {}, 400, "no Content-Type"),
    ("wrong-content-type", "POST", "/sparql", b"ASK {}", {"Content-Type": "text/plain"}, 400, "text/plain"),
    ("multipart", "POST", "/sparql", b"--x--", {"Content-Type": "multipart/form-data; boundary=x"}, 400, "form"),
    (
        "latin1-charset",
        "POST",
        "/sparql",
        b"ASK {}",
        {"Content-Type": f"{DIRECT['Content-Type']}; charset=latin1"},
        400,
        "UTF-8",
    ),
    ("non-utf8-get", "GET", "/sparql?query=ASK%20%7B%22%FF%22%7D", None, {}, 400, "UTF-8"),
    ("non-utf8-form", "POST", "/sparql", b"query=ASK%20%7B%22%FF%22%7D", FORM, 400, "UTF-8"),
    ("non-utf8-direct", "POST", "/sparql", b'ASK { "\xff" }', DIRECT, 400, "UTF-8"),
    (
        "federation",
        "GET",
        "/sparql?query=" + quote("ASK { SERVICE <http://127.0.0.1:9/> {} }"),
        None,
        {},
        400,
        "SERVICE",
    ),
    ("update-form", "POST", "/sparql", b"update=CLEAR%20ALL", FORM, 403, "read-only"),
    ("update-direct", "POST", "/sparql", b"CLEAR ALL", {"Content-Type": "application/sparql-update"}, 403, "read-only"),
    (
        "update-as-query-get",
        "GET",
        "/sparql?query=" + quote("INSERT DATA { <a:b> <a:c> <a:d> }"),
        None,
        {},
        403,
        "read-only",
    ),
    ("update-as-query-direct", "POST", "/sparql", b"PREFIX x: <a:> DROP ALL", DIRECT, 403, "read-only"),
    ("update-via-get", "GET", "/sparql?update=CLEAR%20ALL", None, {}, 405, "never with GET"),
    ("too-long-query", "POST", "/sparql", b"ASK {} #" + b"x" * 5000, DIRECT, 413, "4000 bytes"),
    ("too-large-body", "POST", "/sparql", b"query=" + b"x" * 80_000, FORM, 413, "larger"),
]


@pytest.mark.parametrize(
    ("method", "url", "body", "headers", "status", "words"),
    [c[1:] for c in BAD_REQUESTS],
    ids=[c[0] for c in BAD_REQUESTS],
)
def test_refuse_bad_request_with_readable_message(
    client: TestClient, method: str, url: str, body: bytes | None, headers: dict[str, str], status: int, words: str
) -> None:
    response = client.request(method, url, content=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert words in response.text
    assert response.headers["x-migkg-release"] == RELEASE.id
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200  # still serving


def test_refuse_update_via_get_with_allow_post(client: TestClient) -> None:
    """SPARQL 1.1 Protocol §2.2: updates are POSTed; a 405 names what the update operation allows."""
    response = client.get("/sparql", params={"update": "CLEAR ALL"})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


# --- content negotiation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", negotiation_cases.PARAMS)
def test_negotiate_result_format_by_accept(client: TestClient, case: negotiation_cases.Case) -> None:
    """The shared table (tests/negotiation_cases.py), also run against media.negotiate and over real HTTP."""
    negotiation_cases.check_answer(negotiation_cases.get(client, "/sparql", case), case)


def test_combine_several_accept_headers(client: TestClient) -> None:
    headers = [("Accept", "image/png"), ("Accept", "text/csv;q=0.5")]
    response = client.get("/sparql", params={"query": COUNT}, headers=headers)
    assert response.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize(
    ("query", "accept", "offered"),
    [
        (COUNT, "image/png", "text/csv"),
        ("ASK {}", "text/csv", "application/sparql-results+xml"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "image/png", "text/turtle"),
    ],
)
def test_answer_406_listing_offered_types(client: TestClient, query: str, accept: str, offered: str) -> None:
    response = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 406
    assert offered in response.text and "Offered" in response.text
    assert response.headers["vary"].startswith("Accept")


@pytest.mark.parametrize(
    ("query", "fmt", "media_type"),
    [
        (COUNT, "csv", "text/csv"),
        (COUNT, "xml", "application/sparql-results+xml"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "xml", "application/rdf+xml"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "json", "application/ld+json"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples", "application/n-triples"),
    ],
)
def test_override_accept_with_format_parameter(client: TestClient, query: str, fmt: str, media_type: str) -> None:
    response = client.get(
        "/sparql", params={"query": query, "format": fmt}, headers={"Accept": "text/tab-separated-values"}
    )
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"


@pytest.mark.parametrize(
    ("query_string", "media_type"),
    [
        ("format=png", "application/sparql-results+xml"),  # names no format: Accept decides
        ("format=json&output=json&results=json", "application/sparql-results+json"),
        ("format=tsv&format=text/tab-separated-values", "text/tab-separated-values"),
    ],
)
def test_ignore_format_values_naming_no_format(client: TestClient, query_string: str, media_type: str) -> None:
    url = f"/sparql?query={quote(COUNT)}&{query_string}"
    response = client.get(url, headers={"Accept": "application/sparql-results+xml"})
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"


def test_answer_406_when_format_does_not_fit_query_form(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "ASK {}", "format": "csv"})
    assert response.status_code == 406


# --- the Service Description -----------------------------------------------------------------------------------


def description(client: TestClient, **headers: str) -> ox.Store:
    response = client.get("/sparql", headers=headers)
    assert response.status_code == 200
    graph = ox.Store()
    media_type = response.headers["content-type"].split(";")[0]
    graph.load(response.content, format=ox.RdfFormat.from_media_type(media_type))
    return graph


def test_describe_service_in_turtle_by_default(client: TestClient) -> None:
    response = client.get("/sparql")
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    assert response.headers["vary"].startswith("Accept")
    graph = description(client)
    sd = prefixes.SD
    endpoint = graph.query(f"SELECT ?e {{ ?s a <{sd}Service> ; <{sd}endpoint> ?e }}")
    assert [row["e"].value for row in endpoint] == ["http://testserver/sparql"]  # type: ignore[union-attr]
    ask = f"ASK {{ ?s <{sd}supportedLanguage> <{sd}SPARQL11Query> ; <{sd}feature> <{sd}UnionDefaultGraph> }}"
    assert graph.query(ask)
    assert not graph.query(f"ASK {{ ?s <{sd}feature> <{sd}BasicFederatedQuery> }}")


@pytest.mark.parametrize("accept", ["application/rdf+xml", "application/ld+json", "application/n-triples"])
def test_describe_service_in_negotiated_format(client: TestClient, accept: str) -> None:
    graph = description(client, Accept=accept)
    sizes = graph.query(
        f"SELECT ?g ?n {{ ?s <{prefixes.SD}defaultDataset>/<{prefixes.SD}namedGraph> ?ng . "
        f"?ng <{prefixes.SD}name> ?g ; <{prefixes.SD}graph>/<{prefixes.VOID}triples> ?n }}"
    )
    assert {row["g"].value: int(row["n"].value) for row in sizes} == RELEASE.metadata.graphs  # type: ignore[union-attr]


def test_list_every_result_format_in_description(client: TestClient) -> None:
    formats = description(client).query(f"SELECT ?f {{ ?s <{prefixes.SD}resultFormat> ?f }}")
    names = {row["f"].value.removeprefix(prefixes.FORMATS) for row in formats}  # type: ignore[union-attr]
    assert names == {
        "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
        "Turtle", "N-Triples", "N-Quads", "TriG", "JSON-LD", "RDF_XML",
    }  # fmt: skip


def test_answer_406_for_description_in_results_format(client: TestClient) -> None:
    response = client.get("/sparql", headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 406 and "text/turtle" in response.text


def test_choose_description_format_with_format_parameter(client: TestClient) -> None:
    response = client.get("/sparql", params={"format": "jsonld"}, headers={"Accept": "text/turtle"})
    assert response.headers["content-type"] == "application/ld+json; charset=utf-8"
    assert json.loads(response.content)


def test_use_allowed_request_host_as_description_endpoint(tmp_path: Path) -> None:
    app = create_app(settings(tmp_path, allowed_hosts="example.org"), EmbeddedStore(FIXTURE / "snapshot.nq"),
                     release=RELEASE)  # fmt: skip
    with TestClient(app) as allowed:
        response = allowed.get("/sparql", headers={"Host": "example.org:8080", "Accept": "application/n-triples"})
    assert "<http://example.org:8080/sparql>" in response.text


def test_refuse_unknown_host_instead_of_echoing_it(client: TestClient) -> None:
    response = client.get("/sparql", headers={"Host": "evil.example:8080", "Accept": "application/n-triples"})
    assert response.status_code == 400
    assert "MIGKG_PUBLIC_URL" in response.text and "evil.example" not in response.headers.get("link", "")


# --- CORS, health, errors ------------------------------------------------------------------------------------------


def test_allow_any_origin_without_credentials(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://app.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_answer_cors_preflight_for_query(client: TestClient, method: str) -> None:
    headers = {
        "Origin": "https://app.example",
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "content-type, accept",
    }
    response = client.options("/sparql", headers=headers)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert method in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "content-type" in allowed and "accept" in allowed
    assert response.headers["x-migkg-release"] == RELEASE.id


def test_report_ready_store_in_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "release": RELEASE.id}


class FakeStore:
    """A store that is not ready, or fails every query with a given error."""

    def __init__(self, error: BaseException | None = None, ready: bool = True) -> None:
        self.error, self.is_ready = error, ready

    def query(
        self, sparql: str, *, accept: str | None, base_iri: str | None = None, dataset: Dataset | None = None
    ) -> QueryOutcome:
        if self.error:
            raise self.error
        return QueryOutcome("boolean", "application/sparql-results+json", b'{"head":{},"boolean":true}')

    def graphs(self) -> dict[str, int]:
        return {}

    def ready(self) -> bool:
        return self.is_ready

    def close(self) -> None:
        pass


def fake_client(tmp_path: Path, store: FakeStore) -> TestClient:
    return TestClient(create_app(settings(tmp_path), store, release=RELEASE), raise_server_exceptions=False)


def test_report_loading_store_as_503_in_healthz(tmp_path: Path) -> None:
    response = fake_client(tmp_path, FakeStore(ready=False)).get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "starting"


@pytest.mark.parametrize(
    ("error", "status", "words"),
    [
        (QueryTimeout(0.5), 503, "0.5 s"),
        (StoreUnavailable("still loading"), 503, "still loading"),
        (StoreError("unclassified"), 500, "unclassified"),
        (RuntimeError("a bug"), 500, "Internal server error"),
    ],
)
def test_map_store_failure_to_status(tmp_path: Path, error: Exception, status: int, words: str) -> None:
    response = fake_client(tmp_path, FakeStore(error)).get("/sparql", params={"query": "ASK {}"})
    assert (response.status_code, response.headers["x-migkg-release"]) == (status, RELEASE.id)
    assert words in response.text


@pytest.mark.parametrize("path", ["/discrepancies", "/matrix"])
def test_answer_503_for_a_page_whose_queries_asked_together_time_out(tmp_path: Path, path: str) -> None:
    """A page asks several queries at once; when they time out, the page is a 503 that says so, not a 500 (the task
    group that runs them wraps their errors in an ExceptionGroup)."""
    response = fake_client(tmp_path, FakeStore(QueryTimeout(0.5))).get(path, headers={"Accept": "text/html"})
    assert (response.status_code, response.headers["retry-after"]) == (503, "5")
    assert "0.5 s" in response.text


@pytest.mark.parametrize(
    ("store", "path"),
    [
        (FakeStore(QueryTimeout(0.5)), "/sparql?query=ASK%20%7B%7D"),
        (FakeStore(StoreUnavailable("still loading")), "/sparql?query=ASK%20%7B%7D"),
        (FakeStore(ready=False), "/healthz"),
    ],
    ids=["timeout", "unavailable", "healthz-starting"],
)
def test_say_retry_after_on_every_503(tmp_path: Path, store: FakeStore, path: str) -> None:
    response = fake_client(tmp_path, store).get(path)
    assert response.status_code == 503 and response.headers["retry-after"] == "5"


def test_mark_responses_unreleased_without_release(tmp_path: Path) -> None:
    app = create_app(settings(tmp_path), FakeStore())
    response = TestClient(app).get("/sparql", params={"query": "ASK {}"})
    assert response.headers["x-migkg-release"] == "unreleased"


def test_carry_release_header_on_not_found(client: TestClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404 and response.headers["x-migkg-release"] == RELEASE.id
