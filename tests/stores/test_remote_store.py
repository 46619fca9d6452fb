"""The remote store backend (server.store.remote) against real stores on loopback: a release published graph by graph
and verified by counts, the union default graph a set, a user's FROM still honoured, partner graphs written through,
and a store that cannot be reached named (never with its credentials)."""

from __future__ import annotations

import http.server
import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from backends import PublishedStores, endpoints
from fastapi.testclient import TestClient

from server import prefixes
from server.cli import publish_remote
from server.partners.storage import PartnerStorage
from server.release import METADATA, SNAPSHOT, Release
from server.settings import Settings
from server.store.base import QueryTimeout, StoreUnavailable, UnsupportedQuery
from server.store.remote import UNION_GRAPH, Endpoints, PublishError, Remote, RemoteStore, publish, verify
from server.web.app import create_app
from tools import stores
from tools.loopback import free_port

pytestmark = [pytest.mark.http, pytest.mark.stores, pytest.mark.xdist_group("stores")]

STORES = ("virtuoso", "oxigraph")
A, P = "http://x.example/a", "http://x.example/p"
G1, G2 = prefixes.GRAPH + "one", prefixes.GRAPH + "two"
# The same triple in two graphs, and one more in the second: the union holds two triples, not three.
NQUADS = f'<{A}> <{P}> "v" <{G1}> .\n<{A}> <{P}> "v" <{G2}> .\n<{A}> <{P}> "w" <{G2}> .\n'
PARTNER_GRAPH = prefixes.GRAPH_PARTNER + "acme/offices"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "release"


@pytest.fixture(scope="module")
def tiny_release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    """A release of two graphs sharing a triple."""
    path = tmp_path_factory.mktemp("tiny-release")
    (path / SNAPSHOT).write_text(NQUADS, encoding="utf-8")
    metadata = {"release": "tiny", "created": "2026-01-01T00:00:00Z", "base_iri": prefixes.BASE,
                "graphs": {G1: 1, G2: 2}, "files": {}}  # fmt: skip
    (path / METADATA).write_text(json.dumps(metadata), encoding="utf-8")
    return Release.open(path)


@pytest.fixture(params=STORES)
def store(
    request: pytest.FixtureRequest, published_stores: PublishedStores, tiny_release: Release
) -> Iterator[RemoteStore]:
    running = published_stores.remote_store(request.param, tiny_release)
    yield running
    running.close()


def select(store: RemoteStore, query: str) -> list[dict[str, dict[str, str]]]:
    body = store.query(query, accept="application/sparql-results+json").body
    rows: list[dict[str, dict[str, str]]] = json.loads(body)["results"]["bindings"]
    return rows


def test_count_a_triple_of_two_graphs_once_in_the_default_graph(store: RemoteStore) -> None:
    assert [row["v"]["value"] for row in select(store, "SELECT ?v { ?s ?p ?v } ORDER BY ?v")] == ["v", "w"]


def test_see_only_served_graphs_in_graph_patterns(store: RemoteStore) -> None:
    rows = select(store, "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
    assert [row["g"]["value"] for row in rows] == [G1, G2, prefixes.GRAPH_VOID]  # as the embedded store: VoID too


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (f"GRAPH <{G1}> {{ ?s ?p ?v }}", ["v"]),
        ("GRAPH graph:two { ?s ?p ?v }", ["v", "w"]),  # our prefix, predeclared
        (f"GRAPH <{UNION_GRAPH}> {{ ?s ?p ?v }}", []),  # the union graph is the default graph, never a named one
        ("GRAPH <http://www.openlinksw.com/schemas/virtrdf#> { ?s ?p ?v }", []),  # Virtuoso's own
        (f'GRAPH <{G1}> {{ ?s ?p ?v }} FILTER EXISTS {{ GRAPH <{G2}> {{ ?s ?p "w" }} }}', ["v"]),
        (f"GRAPH <{G1}> {{ ?s ?p ?v }} GRAPH ?g {{ ?s ?p ?v }} FILTER(?g != <{G1}>)", ["v"]),
        (f"?s ?p ?v FILTER NOT EXISTS {{ GRAPH <{G1}> {{ ?s ?p ?v }} }}", ["w"]),
    ],
    ids=["iri", "predeclared-prefix", "union-graph", "system-graph", "exists", "iri-and-variable", "not-exists"],
)
def test_reach_the_graphs_a_query_names_and_no_other(store: RemoteStore, pattern: str, expected: list[str]) -> None:
    """A query naming its graphs is sent with those graphs only as its named graphs (``reachable_graphs``), and
    answers as with all of them."""
    rows = select(store, f"SELECT DISTINCT ?v {{ {pattern} }} ORDER BY ?v")
    assert [row["v"]["value"] for row in rows] == expected


def test_reach_a_graph_named_with_the_query_own_prefix(store: RemoteStore) -> None:
    """The query's own ``graph:`` (another namespace) names no graph of ours, and ``g:`` does."""
    query = f"PREFIX graph: <http://x.example/> PREFIX g: <{prefixes.GRAPH}> SELECT ?v {{ GRAPH g:one {{ ?s ?p ?v }} }}"
    assert [row["v"]["value"] for row in select(store, query)] == ["v"]
    assert select(store, "PREFIX graph: <http://x.example/> SELECT ?v { GRAPH graph:one { ?s ?p ?v } }") == []


def test_honour_a_query_own_from(store: RemoteStore) -> None:
    rows = select(store, f"SELECT ?v FROM <{G1}> {{ ?s ?p ?v }}")
    assert [row["v"]["value"] for row in rows] == ["v"]


@pytest.mark.parametrize("kind", STORES)
def test_fail_publish_loudly_when_a_graph_count_differs(
    kind: str, published_stores: PublishedStores, tiny_release: Release
) -> None:
    remote = Remote(endpoints(published_stores.store(kind, tiny_release.path)))
    try:
        with pytest.raises(PublishError, match=f"<{G2}>: 2 triples in the store, 3 in the release"):
            verify(remote, {G1: 1, G2: 3})
    finally:
        remote.close()


def void_graphs(ep: Endpoints) -> set[str]:
    """The store's graphs whose names start with graph/void's."""
    remote = Remote(ep)
    try:
        return remote.graphs_under(prefixes.GRAPH_VOID)
    finally:
        remote.close()


@pytest.mark.parametrize("kind", STORES)
def test_write_partner_graph_through_to_store_and_union(
    kind: str, tmp_path: Path, published_stores: PublishedStores, tiny_release: Release
) -> None:
    storage = PartnerStorage(tmp_path / "partner-graphs")
    ep = endpoints(published_stores.store(kind, tiny_release.path))
    store = RemoteStore(ep, tiny_release.metadata.graphs, tmp_path / "partner-graphs")
    triple = ox.Triple(ox.NamedNode(A), ox.NamedNode(P), ox.Literal("from acme"))
    try:
        storage.commit(PARTNER_GRAPH, [triple], [])
        assert [r["v"]["value"] for r in select(store, "SELECT ?v { ?s ?p ?v } ORDER BY ?v")] == ["from acme", "v", "w"]
        assert PARTNER_GRAPH in store.graphs()
        assert store.wait_for_counts(60), "the VoID partitions are counted in the background"
        assert [row["n"]["value"] for row in select(store, PROPERTY_TRIPLES)] == ["3"]
        assert void_graphs(ep) == {prefixes.GRAPH_VOID}, "counted in a graph of their own, then moved into graph/void"
        storage.delete(PARTNER_GRAPH)
        assert [r["v"]["value"] for r in select(store, "SELECT ?v { ?s ?p ?v } ORDER BY ?v")] == ["v", "w"]
        assert store.wait_for_counts(60)
        assert [row["n"]["value"] for row in select(store, PROPERTY_TRIPLES)] == ["2"]
        graphs = select(store, "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }")
        assert PARTNER_GRAPH not in [row["g"]["value"] for row in graphs]
    finally:
        store.close()


def test_publish_the_fixture_release_with_counts_verified(published_stores: PublishedStores) -> None:
    fixture = Release.open(FIXTURE)
    running = published_stores.store("oxigraph", fixture.path)
    remote = Remote(endpoints(running))
    try:
        publish(remote, fixture.snapshot, fixture.metadata.graphs, prefixes.BASE)  # again: graphs replaced, not added
        assert remote.counts(fixture.metadata.graphs) == fixture.metadata.graphs
    finally:
        remote.close()


def test_name_the_unreachable_store_without_its_credentials(caplog: pytest.LogCaptureFixture) -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    store = RemoteStore(Endpoints(url, url, user="dba", password="s3cret-pw", timeout=2), {})
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(StoreUnavailable, match=f"The SPARQL store at {url} cannot be reached") as raised:
            store.query("ASK {}", accept=None)
    finally:
        store.close()
    assert "s3cret-pw" not in str(raised.value) + caplog.text + repr(store._endpoints)


def remote_settings(query_url: str, update_url: str, gsp_url: str | None = None) -> Settings:
    return Settings(store="remote", store_query_url=query_url, store_update_url=update_url, store_gsp_url=gsp_url)


@pytest.mark.parametrize("graph_store", [True, False], ids=["gsp", "update-only"])
def test_publish_release_from_cli_with_counts_verified(
    graph_store: bool, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    running = stores.start_oxigraph(tmp_path / "oxigraph")
    try:
        settings = remote_settings(running.query_url, running.update_url, running.gsp_url if graph_store else None)
        assert publish_remote(settings, FIXTURE) == 0
        assert "counts verified" in capsys.readouterr().err
        graphs = Release.open(FIXTURE).metadata.graphs
        remote = Remote(endpoints(running))
        assert remote.counts(graphs) == graphs
        remote.close()
    finally:
        running.stop()


def test_fail_cli_publish_naming_an_unreachable_store(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    assert publish_remote(remote_settings(url, url), FIXTURE) == 1
    assert f"FAILED publishing release fixture-20260101T000000Z into the store: The SPARQL store at {url}" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize("kind", STORES)
def test_publish_a_value_written_twice_as_the_store_keeps_it(kind: str, tmp_path: Path) -> None:
    """``"01"`` and ``"1"`` as xsd:integer are two triples of the release and one in the store: published, verified."""
    snapshot = tmp_path / SNAPSHOT
    integer = f"<{prefixes.XSD}integer>"
    snapshot.write_text(f'<{A}> <{P}> "01"^^{integer} <{G1}> .\n<{A}> <{P}> "1"^^{integer} <{G1}> .\n', "utf-8")
    running = stores.start_virtuoso(tmp_path / kind) if kind == "virtuoso" else stores.start_oxigraph(tmp_path / kind)
    remote = Remote(endpoints(running))
    try:
        publish(remote, snapshot, {G1: 2}, prefixes.BASE)
        assert remote.counts([G1]) == {G1: 1}
    finally:
        remote.close()
        running.stop()


PROPERTY_TRIPLES = f"SELECT ?n {{ GRAPH <{prefixes.GRAPH_VOID}> {{ ?x void:property <{P}> ; void:triples ?n }} }}"


def test_count_property_partitions_of_the_union_in_the_void_graph(store: RemoteStore) -> None:
    assert [row["n"]["value"] for row in select(store, PROPERTY_TRIPLES)] == ["2"]


class Flaky(http.server.BaseHTTPRequestHandler):
    """A store in trouble: answers the first requests with the statuses queued in ``server.statuses``, then an ASK
    result, each after ``server.delay`` seconds; counts every request it gets."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        server: Any = self.server
        server.requests += 1
        time.sleep(server.delay)
        status = server.statuses.pop(0) if server.statuses else 200
        body = b'{"head":{},"boolean":true}' if status == 200 else b"not now"
        self.send_response(status)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def flaky_store(statuses: list[int], delay: float = 0.0) -> Iterator[tuple[RemoteStore, Any]]:
    served: Any = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    served.requests, served.statuses, served.delay = 0, statuses, delay
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{served.server_address[1]}/sparql"
    store = RemoteStore(Endpoints(url, url, timeout=5), {})
    try:
        yield store, served
    finally:
        store.close()
        served.shutdown()
        served.server_close()


def test_retry_a_query_after_transient_503_and_504() -> None:
    with flaky_store([503, 504]) as (store, served):
        assert json.loads(store.query("ASK {}", accept="application/sparql-results+json").body)["boolean"] is True
        assert served.requests == 3


def test_never_retry_a_query_the_store_refuses_with_4xx() -> None:
    with flaky_store([400, 400]) as (store, served):
        with pytest.raises(UnsupportedQuery, match=r"refused the query \(400\): not now"):
            store.query("ASK {}", accept=None)
        assert served.requests == 1


def test_give_our_writes_the_store_write_timeout_and_queries_the_query_timeout() -> None:
    """A store answering in 1 s, with MIGKG_QUERY_TIMEOUT=0.5: a query times out; an update of ours (a publish
    part, a write-through, the counts) waits with MIGKG_STORE_WRITE_TIMEOUT=5 and times out with 0.5."""
    with flaky_store([], delay=1.0) as (_, served):
        url = f"http://127.0.0.1:{served.server_address[1]}/sparql"

        def endpoints(write_timeout: float) -> Endpoints:
            return Endpoints.of(Settings(store="remote", store_query_url=url, query_timeout=0.5,  # type: ignore[call-arg]
                                         store_write_timeout=write_timeout))  # fmt: skip

        store, patient, hasty = RemoteStore(endpoints(5.0), {}), Remote(endpoints(5.0)), Remote(endpoints(0.5))
        try:
            with pytest.raises(QueryTimeout):
                store.query("ASK {}", accept=None)
            patient.update("CLEAR SILENT GRAPH <http://example.org/g>")
            with pytest.raises(QueryTimeout):
                hasty.update("CLEAR SILENT GRAPH <http://example.org/g>")
        finally:
            store.close()
            patient.close()
            hasty.close()


def digest_endpoints(store: stores.ExternalStore, password: str, auth: str = "digest") -> Endpoints:
    """Virtuoso's endpoints that ask for a user (digest authentication), as its dba."""
    settings = Settings(store="remote", store_query_url=store.url + "/sparql-auth",  # type: ignore[call-arg]
                        store_gsp_url=store.url + "/sparql-graph-crud-auth", store_user="dba",
                        store_password=password, store_auth=auth)  # fmt: skip
    return Endpoints.of(settings)


def test_publish_and_query_through_virtuoso_endpoints_that_ask_for_digest(
    published_stores: PublishedStores, tiny_release: Release
) -> None:
    """No anonymous write: the release is published (GSP PUT, POST, updates, counts verified) and queried as a
    user signing in with digest."""
    running = published_stores.store("virtuoso", tiny_release.path)
    remote = Remote(digest_endpoints(running, "dba"))
    try:
        publish(remote, tiny_release.snapshot, tiny_release.metadata.graphs, tiny_release.metadata.base_iri)
    finally:
        remote.close()
    store = RemoteStore(digest_endpoints(running, "dba"), tiny_release.metadata.graphs)
    try:
        assert [row["v"]["value"] for row in select(store, "SELECT ?v { ?s ?p ?v } ORDER BY ?v")] == ["v", "w"]
    finally:
        store.close()


@pytest.mark.parametrize(("password", "auth"), [("not-the-password", "digest"), ("dba", "basic")])
def test_answer_store_unavailable_naming_the_settings_when_the_store_refuses_us(
    published_stores: PublishedStores,
    tiny_release: Release,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    password: str,
    auth: str,
) -> None:
    """A wrong password, or basic where the store asks for digest: 401, the deployment's to fix (503 to clients,
    a failed build), never the client's; the password appears nowhere."""
    store = RemoteStore(digest_endpoints(published_stores.store("virtuoso", tiny_release.path), password, auth), {})
    try:
        with caplog.at_level(logging.WARNING), pytest.raises(StoreUnavailable) as refused:
            store.query("ASK {}", accept=None)
        with TestClient(create_app(Settings(build_dir=tmp_path), store)) as client:
            answered = client.get("/sparql", params={"query": "ASK {}"})
    finally:
        store.close()
    assert "refused our requests (HTTP 401)" in str(refused.value) and "MIGKG_STORE_AUTH" in str(refused.value)
    assert answered.status_code == 503 and "refused our requests" in answered.text
    assert "store refused user dba" in caplog.text
    assert "not-the-password" not in str(refused.value) + caplog.text + answered.text


def test_report_a_running_store_reachable_in_healthz(store: RemoteStore, tmp_path: Path) -> None:
    assert store.probe() is None
    with TestClient(create_app(Settings(build_dir=tmp_path), store)) as client:
        response = client.get("/healthz")
    assert (response.status_code, response.json()["status"]) == (200, "ready"), response.text


def test_report_an_unreachable_store_in_healthz_naming_its_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    store = RemoteStore(Endpoints(url, url, user="dba", password="s3cret-pw", timeout=2), {})
    try:
        with TestClient(create_app(Settings(build_dir=tmp_path), store)) as client:
            response = client.get("/healthz")
            live = client.get("/healthz/live")
    finally:
        store.close()
    assert (response.status_code, response.json()["status"]) == (503, "unreachable")
    assert response.json()["store_problem"].startswith(f"The SPARQL store at {url} cannot be reached")
    assert "s3cret-pw" not in response.text and live.status_code == 200


@pytest.mark.parametrize("graph_store", [True, False], ids=["gsp", "update-only"])
@pytest.mark.parametrize("kind", STORES)
def test_publish_in_parts_keeping_each_blank_node_one_node(kind: str, graph_store: bool, tmp_path: Path) -> None:
    """A graph larger than a part is sent in several requests; a blank node (a quote's selector) stays one node with
    its referrer and its descriptions, in the graph and in the union graph."""
    snapshot = tmp_path / SNAPSHOT
    lines = [f'<{A}{i}> <{P}> _:s{i} <{G1}> .\n_:s{i} <{P}> "exact {i}" <{G1}> .\n' for i in range(7)]
    snapshot.write_text("".join(lines) + f'<{A}> <{P}> "v" <{G2}> .\n', "utf-8")
    running = stores.start_virtuoso(tmp_path / kind) if kind == "virtuoso" else stores.start_oxigraph(tmp_path / kind)
    remote = Remote(endpoints(running) if graph_store else Endpoints(running.query_url, running.update_url))
    try:
        publish(remote, snapshot, {G1: 14, G2: 1}, prefixes.BASE, part=3)
        assert remote.counts([G1, G2]) == {G1: 14, G2: 1}
        for graph in (G1, UNION_GRAPH):
            rows = remote.select(f"SELECT ?s ?e {{ GRAPH <{graph}> {{ ?s <{P}> ?x . ?x <{P}> ?e }} }}")
            assert sorted(row["e"]["value"] for row in rows) == [f"exact {i}" for i in range(7)], graph
    finally:
        remote.close()
        running.stop()
