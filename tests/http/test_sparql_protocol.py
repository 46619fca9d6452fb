"""The SPARQL 1.1 Protocol over real HTTP: a uvicorn process serving the fixture release.

Raw protocol checks use httpx; SPARQLWrapper plays a real client. Every bad request is followed by a
check that the server still answers.
"""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit
from xml.dom import minidom

import httpx
import negotiation_cases
import pyoxigraph as ox
import pytest
import rdflib
from backends import EMBEDDED
from SPARQLWrapper import CSV, JSON, POST, POSTDIRECTLY, RDFXML, TURTLE, XML, SPARQLWrapper
from uvicorn_server import FIXTURE, Server, start_server, unloadable_release, wait_workers_loaded
from waiting import wait_until

from server import prefixes
from server.release import Release

pytestmark = [pytest.mark.http, pytest.mark.backends, pytest.mark.xdist_group("http")]  # one set of servers under -n

RELEASE = Release.open(FIXTURE)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}
COUNT = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
ECU = prefixes.ID + "country/ecu"
LABELS = f"SELECT ?l {{ <{ECU}> <{prefixes.RDFS}label> ?l }}"
CONSTRUCT_LABELS = negotiation_cases.QUERIES["graph"]
PYCOUNTRY = prefixes.GRAPH_REFERENCE + "pycountry"
HELD_IN = prefixes.EXCERPT + "fibemyd-2008-held-in"
IN_ECUADOR = prefixes.EXCERPT + "fibemyd-2008-in-ecuador"
LONG_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?p ?q ?r }"


def bindings(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    return sorted(term["value"] for row in rows for term in row.values())


# --- query operation: GET, form POST, direct POST ---------------------------------------------------------


def test_answer_select_via_get(server: Server) -> None:
    response = httpx.get(server.sparql, params={"query": COUNT})
    assert response.headers["content-type"] == "application/sparql-results+json; charset=utf-8"
    assert bindings(response) == ["32"]  # the union default graph is a set: 33 quads, 32 triples


def test_answer_select_via_form_post(server: Server) -> None:
    response = httpx.post(server.sparql, content=f"query={quote(LABELS)}", headers=FORM)
    assert bindings(response) == ["Ecuador", "Ecuador", "Équateur"]


@pytest.mark.parametrize("content_type", ["application/sparql-query", "application/sparql-query; charset=utf-8"])
def test_answer_select_via_direct_post(server: Server, content_type: str) -> None:
    response = httpx.post(server.sparql, content=LABELS.encode(), headers={"Content-Type": content_type})
    assert bindings(response) == ["Ecuador", "Ecuador", "Équateur"]


def test_resolve_relative_iri_against_base_iri(server: Server) -> None:
    response = httpx.get(server.sparql, params={"query": "SELECT ?t { <id/place/cuenca> a ?t }"})
    assert bindings(response) == [prefixes.MIG + "Place"]


def test_keep_query_base_over_service_base(server: Server) -> None:
    query = "BASE <https://w3id.org/migkg/id/country/> SELECT ?t { <ecu> a ?t }"
    assert bindings(httpx.get(server.sparql, params={"query": query})) == [prefixes.MIG + "Country"]


# --- datasets ----------------------------------------------------------------------------------------------------


def test_replace_union_with_default_graph_uri_in_get(server: Server) -> None:
    response = httpx.get(server.sparql, params={"query": COUNT, "default-graph-uri": PYCOUNTRY})
    assert bindings(response) == ["5"]


def test_merge_repeated_default_graph_uri_in_direct_post_url(server: Server) -> None:
    url = f"{server.sparql}?default-graph-uri={quote(PYCOUNTRY)}&default-graph-uri={quote(HELD_IN)}"
    assert bindings(httpx.post(url, content=COUNT.encode(), headers=DIRECT)) == ["8"]


def test_restrict_named_graphs_with_named_graph_uri_in_form_body(server: Server) -> None:
    query = "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }"
    body = f"query={quote(query)}&named-graph-uri={quote(HELD_IN)}&named-graph-uri={quote(IN_ECUADOR)}"
    assert bindings(httpx.post(server.sparql, content=body, headers=FORM)) == [HELD_IN, IN_ECUADOR]


def test_empty_default_graph_when_only_named_graphs_given(server: Server) -> None:
    response = httpx.get(server.sparql, params={"query": COUNT, "named-graph-uri": HELD_IN})
    assert bindings(response) == ["0"]


def test_override_query_from_clause_with_protocol_dataset(server: Server) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{PYCOUNTRY}> {{ ?s ?p ?o }}"
    assert bindings(httpx.get(server.sparql, params={"query": query})) == ["5"]
    response = httpx.get(server.sparql, params={"query": query, "default-graph-uri": HELD_IN})
    assert bindings(response) == ["3"]


# --- bad input: 400 / 403 / 413, and the server keeps serving ------------------------------------------------

BAD = [
    # (id, method, query string, body, headers, status, words)
    ("malformed-query", "GET", "query=SELECT%20*%20WHERE%20%7B", None, {}, 400, "Malformed query at line 1,"),
    ("two-query-params", "GET", "query=ASK%7B%7D&query=ASK%7B%7D", None, {}, 400, "Exactly one"),
    ("two-query-params-form", "POST", "", b"query=ASK%7B%7D&query=ASK%7B%7D", FORM, 400, "Exactly one"),
    ("missing-content-type", "POST", "", b"ASK {}", {}, 400, "Content-Type"),
    ("wrong-content-type", "POST", "", b"ASK {}", {"Content-Type": "application/json"}, 400, "application/json"),
    ("non-utf8-direct-body", "POST", "", b'ASK { ?s ?p "\xe9" }', DIRECT, 400, "UTF-8"),
    ("non-utf8-form-body", "POST", "", b"query=ASK%20%7B%3Fs%20%3Fp%20%22%E9%22%7D", FORM, 400, "UTF-8"),
    ("non-utf8-url", "GET", "query=ASK%20%7B%3Fs%20%3Fp%20%22%E9%22%7D", None, {}, 400, "UTF-8"),
    ("empty-query", "GET", "query=", None, {}, 400, "empty"),
    ("empty-direct-body", "POST", "", b"", DIRECT, 400, "empty"),
    ("bad-graph-iri", "GET", "query=ASK%7B%7D&default-graph-uri=not%20an%20iri", None, {}, 400, "not an iri"),
    ("federation", "GET", "query=" + quote("ASK { SERVICE <http://127.0.0.1:1/> {} }"), None, {}, 400, "SERVICE"),
    ("update-param", "POST", "", b"update=" + quote("CLEAR ALL").encode(), FORM, 403, "read-only"),
    ("update-media-type", "POST", "", b"CLEAR ALL", {"Content-Type": "application/sparql-update"}, 403, "read-only"),
    ("update-as-query", "GET", "query=" + quote("INSERT DATA { <a:s> <a:p> <a:o> }"), None, {}, 403, "read-only"),
    ("update-as-direct-query", "POST", "", b"DROP ALL", DIRECT, 403, "read-only"),
    ("huge-body", "POST", "", b"query=" + b"x" * 3_200_000, FORM, 413, "larger"),
]


@pytest.mark.parametrize(
    ("method", "query_string", "body", "headers", "status", "words"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_refuse_bad_request_and_keep_serving(
    server: Server,
    method: str,
    query_string: str,
    body: bytes | None,
    headers: dict[str, str],
    status: int,
    words: str,
) -> None:
    url = f"{server.sparql}?{query_string}" if query_string else server.sparql
    response = httpx.request(method, url, content=body, headers=headers, timeout=30)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert words in response.text
    assert response.headers["x-migkg-release"] == RELEASE.id
    server.assert_serving()


def test_survive_garbage_on_the_socket(server: Server) -> None:
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    assert host and port
    for junk in (b"\x00\xff garbage\r\n\r\n", b"GET /sparql?query=\xff HTTP/1.1\r\nHost: x\r\n\r\n", b"POST /sp"):
        with socket.create_connection((host, port), timeout=5) as sock:
            sock.sendall(junk)
            sock.shutdown(socket.SHUT_WR)
            sock.recv(4096)
    server.assert_serving()


# --- content negotiation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", negotiation_cases.PARAMS)
def test_negotiate_result_format(server: Server, case: negotiation_cases.Case) -> None:
    """The shared table (tests/negotiation_cases.py), also run against media.negotiate and in process."""
    with httpx.Client() as client:
        response = negotiation_cases.get(client, server.sparql, case)
    negotiation_cases.check_answer(response, case)
    rdf_format = ox.RdfFormat.from_media_type(case.chosen or "")
    if rdf_format is not None and case.sparql == CONSTRUCT_LABELS:  # the graph round-trips, tags included
        graph = ox.Dataset(ox.parse(response.content, format=rdf_format))
        assert (
            ox.Quad(ox.NamedNode(ECU), ox.NamedNode(prefixes.RDFS + "label"), ox.Literal("Équateur", language="fr"))
            in graph
        )
        assert len(graph) == 13  # every distinct label triple, once


def test_keep_language_tags_in_jsonld(server: Server) -> None:
    response = httpx.get(server.sparql, params={"query": CONSTRUCT_LABELS}, headers={"Accept": "application/ld+json"})
    document = json.loads(response.content)
    (country,) = [node for node in document if node["@id"] == ECU]
    labels = {(v["@value"], v["@language"]) for v in country[prefixes.RDFS + "label"]}
    assert labels == {("Ecuador", "en"), ("Ecuador", "es"), ("Équateur", "fr")}


@pytest.mark.parametrize(
    ("query", "accept", "offered"),
    [
        (COUNT, "image/png", "application/sparql-results+json, application/sparql-results+xml, text/csv"),
        ("ASK {}", "text/csv", "application/sparql-results+json, application/sparql-results+xml"),
        (CONSTRUCT_LABELS, "image/png, text/html", "text/turtle, application/n-triples"),
    ],
)
def test_answer_406_listing_offered_types(server: Server, query: str, accept: str, offered: str) -> None:
    response = httpx.get(server.sparql, params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 406
    assert offered in response.text
    assert response.headers["vary"].startswith("Accept")
    server.assert_serving()


def test_override_accept_with_format_parameter(server: Server) -> None:
    response = httpx.get(server.sparql, params={"query": COUNT, "format": "tsv"}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"] == "text/tab-separated-values; charset=utf-8"
    assert response.text == "?n\n32\n"


# --- the Service Description -------------------------------------------------------------------------------------


def described(server: Server, accept: str | None = None, host: str | None = None) -> tuple[httpx.Response, ox.Store]:
    headers = {name: value for name, value in (("Accept", accept), ("Host", host)) if value}
    response = httpx.get(server.sparql, headers=headers)
    assert response.status_code == 200, response.text
    graph = ox.Store()
    graph.load(response.content, format=ox.RdfFormat.from_media_type(response.headers["content-type"]))
    return response, graph


def test_describe_service_at_the_url_the_client_used(server: Server) -> None:
    response, graph = described(server)
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    assert response.text.startswith("@prefix")  # prefixes from server/prefixes.py
    endpoints = graph.query(f"SELECT ?e {{ ?s a <{prefixes.SD}Service> ; <{prefixes.SD}endpoint> ?e }}")
    assert [row["e"].value for row in endpoints] == [server.sparql]  # type: ignore[union-attr]
    port = urlsplit(server.url).port  # another name of this server (a foreign Host is 400: test_http_correctness)
    _, graph = described(server, host=f"localhost:{port}")
    assert graph.query(f"ASK {{ ?s <{prefixes.SD}endpoint> <http://localhost:{port}/sparql> }}")


@pytest.mark.parametrize(
    "accept", ["text/turtle", "application/rdf+xml", "application/ld+json", "application/n-triples"]
)
def test_describe_features_formats_and_graphs(server: Server, accept: str) -> None:
    response, graph = described(server, accept)
    assert response.headers["content-type"] == f"{accept}; charset=utf-8"
    sd, fmt = prefixes.SD, prefixes.FORMATS
    assert graph.query(f"ASK {{ ?s <{sd}supportedLanguage> <{sd}SPARQL11Query> }}")
    assert graph.query(f"ASK {{ ?s <{sd}feature> <{sd}UnionDefaultGraph> }}")
    assert not graph.query(f"ASK {{ ?s <{sd}feature> <{sd}BasicFederatedQuery> }}")
    assert not graph.query(f"ASK {{ ?s <{sd}supportedLanguage> <{sd}SPARQL11Update> }}")
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_CSV", "Turtle", "JSON-LD", "RDF_XML"):
        assert graph.query(f"ASK {{ ?s <{sd}resultFormat> <{fmt}{name}> }}"), name
    assert graph.query(f"ASK {{ ?s <{sd}defaultDataset>/<{sd}defaultGraph> ?g }}")
    sizes = graph.query(
        f"SELECT ?name ?n {{ ?s <{sd}defaultDataset>/<{sd}namedGraph> ?ng . "
        f"?ng <{sd}name> ?name ; <{sd}graph>/<{prefixes.VOID}triples> ?n }}"
    )
    assert {row["name"].value: int(row["n"].value) for row in sizes} == RELEASE.metadata.graphs  # type: ignore[union-attr]


# --- CORS, release header, health ------------------------------------------------------------------------------


def test_allow_cross_origin_reads(server: Server) -> None:
    response = httpx.get(server.sparql, params={"query": "ASK {}"}, headers={"Origin": "https://notebook.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    assert "x-migkg-release" in response.headers["access-control-expose-headers"].lower()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_answer_preflight_for_query(server: Server, method: str) -> None:
    headers = {
        "Origin": "https://notebook.example",
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "Content-Type, Accept",
    }
    response = httpx.options(server.sparql, headers=headers)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert method in response.headers["access-control-allow-methods"]
    assert {"accept", "content-type"} <= {
        h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")
    }


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/sparql", 200), ("GET", "/healthz", 200), ("GET", "/missing", 404), ("DELETE", "/sparql", 405)],
)
def test_carry_release_id_on_every_response(server: Server, method: str, path: str, status: int) -> None:
    response = httpx.request(method, server.url + path)
    assert response.status_code == status
    assert response.headers["x-migkg-release"] == RELEASE.id


@pytest.mark.backends(EMBEDDED)  # the worker pool's figures
def test_report_health_with_release_id(server: Server) -> None:
    wait_workers_loaded(server, 2)
    response = httpx.get(server.url + "/healthz")
    assert response.status_code == 200
    body = response.json()
    saturation = body.pop("saturation")
    assert body == {"status": "ready", "release": RELEASE.id, "workers": {"loaded": 2, "loading": 0}}
    assert {"busy", "idle", "waiting", "timeouts", "memory", "cancelled", "replaced"} <= saturation.keys()


def test_report_unavailable_store_as_503(tmp_path: Path) -> None:
    """A release whose snapshot cannot load: the server runs, says 503, and never answers 500."""
    broken = unloadable_release(tmp_path / "release")
    running = start_server(tmp_path, release=broken, ready=False, query_workers="1", query_timeout="2")
    try:

        def failed() -> httpx.Response | None:
            health = httpx.get(running.url + "/healthz")
            if health.json()["status"] == "failed":
                return health
            assert health.status_code == 503 and health.json()["status"] == "starting", health.text
            return None

        health = wait_until(failed, 30, "/healthz to report that the snapshot failed to load")
        assert health.status_code == 503
        response = httpx.get(running.sparql, params={"query": "ASK {}"})
        assert response.status_code == 503 and "could not be loaded" in response.text
        assert httpx.get(running.sparql).status_code == 200  # the description comes from the metadata
    finally:
        running.stop()


# --- the deadline ------------------------------------------------------------------------------------------------


def stat_fields(pid: int) -> list[str] | None:
    """``/proc/<pid>/stat`` from field 3 (state) on, or None once the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def child_processes(pid: int) -> set[int]:
    """The server's children: its query workers (and multiprocessing's resource tracker)."""
    return {
        int(stat.parent.name)
        for stat in Path("/proc").glob("[0-9]*/stat")
        if (fields := stat_fields(int(stat.parent.name))) is not None and int(fields[1]) == pid
    }


def cpu_ticks(pid: int) -> int:
    """CPU time the process has used (utime + stime, in clock ticks); 0 once it is gone."""
    fields = stat_fields(pid)
    return int(fields[11]) + int(fields[12]) if fields is not None else 0


def test_stop_long_query_at_deadline_and_answer_next(strict_server: Server) -> None:
    wait_workers_loaded(strict_server, 2)
    workers = child_processes(strict_server.process.pid)
    started = time.monotonic()
    response = httpx.get(strict_server.sparql, params={"query": LONG_QUERY}, timeout=60)
    assert response.status_code == 503
    assert "did not finish within 2 s" in response.text
    assert time.monotonic() - started >= 2.0  # not given up before the deadline
    killed = workers - child_processes(strict_server.process.pid)
    assert len(killed) == 1, f"the worker that ran the query is stopped before the 503: {workers} → {killed}"
    strict_server.assert_serving()


def test_answer_short_query_while_long_one_runs(strict_server: Server) -> None:
    wait_workers_loaded(strict_server, 2)  # the previous test's replacement
    idle = {pid: cpu_ticks(pid) for pid in child_processes(strict_server.process.pid)}
    statuses: list[int] = []

    def run_long_query() -> None:
        statuses.append(httpx.get(strict_server.sparql, params={"query": LONG_QUERY}, timeout=60).status_code)

    thread = threading.Thread(target=run_long_query)
    thread.start()
    wait_until(
        lambda: [pid for pid, ticks in idle.items() if cpu_ticks(pid) >= ticks + 3],
        30,
        "a query worker to start computing the long query",
        lambda: {pid: cpu_ticks(pid) for pid in idle},
    )
    strict_server.assert_serving()  # on the other worker
    assert thread.is_alive(), "the long query was answered before the short one: no overlap was tested"
    thread.join(60)
    assert statuses == [503]


def test_recover_after_several_timeouts(strict_server: Server) -> None:
    for _ in range(3):
        assert httpx.post(strict_server.sparql, content=LONG_QUERY, headers=DIRECT, timeout=60).status_code == 503
    wait_until(  # replacements load in the background
        lambda: httpx.get(strict_server.url + "/healthz").status_code == 200, 30, "a replacement worker to load"
    )
    strict_server.assert_serving()


def test_stop_workers_when_server_stops(tmp_path: Path) -> None:
    running = start_server(tmp_path, query_workers="2", query_timeout="5")
    try:
        workers = child_processes(running.process.pid)
        assert len(workers) >= 2  # two query workers (and multiprocessing's resource tracker)
    finally:
        running.stop()
    assert running.process.returncode in (0, -signal.SIGTERM), running.log_tail()  # uvicorn re-raises SIGTERM
    assert "Traceback" not in running.log_tail()
    wait_until(
        lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers),
        10,
        f"the workers {sorted(workers)} to exit",
        lambda: [pid for pid in workers if Path(f"/proc/{pid}").exists()],
    )


# --- SPARQLWrapper as a real client ------------------------------------------------------------------------------


def wrapper(server: Server, query: str, return_format: str, method: str = "GET") -> SPARQLWrapper:
    client = SPARQLWrapper(server.sparql)
    client.setQuery(query)
    client.setReturnFormat(return_format)
    if method == POSTDIRECTLY:
        client.setMethod(POST)
        client.setRequestMethod(POSTDIRECTLY)
    else:
        client.setMethod(method)
    return client


@pytest.mark.parametrize("method", ["GET", POST, POSTDIRECTLY])
def test_select_json_with_sparqlwrapper(server: Server, method: str) -> None:
    result = wrapper(server, LABELS, JSON, method).queryAndConvert()
    assert isinstance(result, dict)
    labels = sorted((b["l"]["value"], b["l"]["xml:lang"]) for b in result["results"]["bindings"])
    assert labels == [("Ecuador", "en"), ("Ecuador", "es"), ("Équateur", "fr")]


def test_select_xml_with_sparqlwrapper(server: Server) -> None:
    document = wrapper(server, LABELS, XML, POST).queryAndConvert()
    assert isinstance(document, minidom.Document)
    texts = [node.firstChild for node in document.getElementsByTagName("literal")]
    assert sorted(t.data for t in texts if isinstance(t, minidom.Text)) == ["Ecuador", "Ecuador", "Équateur"]


def test_select_csv_with_sparqlwrapper(server: Server) -> None:
    body = wrapper(server, LABELS, CSV).queryAndConvert()
    assert isinstance(body, bytes)
    assert sorted(body.decode("utf-8").splitlines()) == ["Ecuador", "Ecuador", "l", "Équateur"]


def test_ask_with_sparqlwrapper(server: Server) -> None:
    assert wrapper(server, f"ASK {{ <{ECU}> ?p ?o }}", JSON).queryAndConvert() == {"head": {}, "boolean": True}


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # inside SPARQLWrapper
@pytest.mark.parametrize("return_format", [TURTLE, RDFXML])
def test_construct_with_sparqlwrapper(server: Server, return_format: str) -> None:
    result = wrapper(server, CONSTRUCT_LABELS, return_format).queryAndConvert()
    assert isinstance(result, rdflib.Graph | bytes)  # RDF/XML comes parsed, Turtle as bytes
    graph = result if isinstance(result, rdflib.Graph) else rdflib.Graph().parse(data=result, format="turtle")
    assert len(graph) == 13
    assert (rdflib.URIRef(ECU), rdflib.RDFS.label, rdflib.Literal("Équateur", lang="fr")) in graph


def test_only_conneg_sparqlwrapper_gets_csv(server: Server) -> None:
    client = wrapper(server, COUNT, CSV)
    client.setOnlyConneg(True)
    assert client.queryAndConvert() == b"n\r\n32\r\n"
