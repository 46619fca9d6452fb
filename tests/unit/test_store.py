"""The store layer: the SPARQL lexer, EmbeddedStore's dataset semantics, the worker pool, the fixture."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from waiting import wait_until

from server import prefixes
from server.release import Release
from server.store import sparql_text
from server.store.base import (
    Dataset,
    InvalidDataset,
    NotAcceptable,
    QueryCancelled,
    QueryFailed,
    QueryOutOfMemory,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooComplex,
    StoreError,
    StoreUnavailable,
    TooManyQueries,
    UnsupportedQuery,
    UpdateForbidden,
)
from server.store.embedded import EmbeddedStore, OnDisk
from server.store.pool import WorkerPool

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "release"
SNAPSHOT = FIXTURE / "snapshot.nq"
HELD_IN = prefixes.EXCERPT + "fibemyd-2008-held-in"
IN_ECUADOR = prefixes.EXCERPT + "fibemyd-2008-in-ecuador"
PYCOUNTRY = prefixes.GRAPH_REFERENCE + "pycountry"
# Six cross-joined patterns over 33 triples: about 1.3e9 rows, minutes of work for one COUNT.
LONG_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?p ?q ?r }"


def rows(outcome_body: bytes) -> list[dict[str, str]]:
    bindings = json.loads(outcome_body)["results"]["bindings"]
    return [{name: term["value"] for name, term in row.items()} for row in bindings]


@pytest.fixture(scope="module")
def store(published: Path | None) -> EmbeddedStore:
    return EmbeddedStore(SNAPSHOT, on_disk=OnDisk(published) if published is not None else None)


# --- the fixture release ----------------------------------------------------------------------------


def test_match_fixture_metadata_to_snapshot() -> None:
    """metadata.json must state the snapshot's true graph sizes, byte count and sha256."""
    data = SNAPSHOT.read_bytes()
    loaded = ox.Store()
    loaded.bulk_load(path=SNAPSHOT, format=ox.RdfFormat.N_QUADS)
    sizes: dict[str, int] = {}
    for quad in loaded:
        assert isinstance(quad.graph_name, ox.NamedNode), "the fixture keeps every triple in a named graph"
        sizes[quad.graph_name.value] = sizes.get(quad.graph_name.value, 0) + 1
    metadata = Release.open(FIXTURE).metadata
    expected = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert metadata.graphs == sizes, f"set metadata.json 'graphs' to {json.dumps(sizes, sort_keys=True)}"
    info = metadata.files["snapshot.nq"]
    assert {"bytes": info.bytes, "sha256": info.sha256} == expected, f"set files/snapshot.nq to {expected}"


# --- the lexer ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sparql", "service"),
    [
        ("SELECT * { SERVICE <http://x/sparql> { ?s ?p ?o } }", True),
        ("SELECT * { service silent <http://x/sparql> { ?s ?p ?o } }", True),
        ("SELECT * { ?s ?p ?o .SERVICE<http://x>{} }", True),
        ("SELECT * { ?s ?p ?o FILTER(?o < 3 && ?s != <http://x>) SERVICE <http://y> {} }", True),
        ("SELECT ?service { ?service ?p 'SERVICE' } # SERVICE", False),
        ("SELECT * { ?s ex:SERVICE ?o }", False),
        ('SELECT * { ?s ?p "x"@service }', False),
        ("SELECT * { ?s <http://x/#SERVICE> ?o }", False),
        ('SELECT * { ?s ?p """a\nSERVICE "b" <g> {}""" }', False),
        ("PREFIX service: <http://x/> SELECT * { service:a ?p ?o }", False),
    ],
)
def test_detect_service_only_as_keyword(sparql: str, service: bool) -> None:
    assert sparql_text.uses_service(sparql) is service


@pytest.mark.parametrize(
    ("sparql", "update"),
    [
        ("INSERT DATA { <http://a> <http://b> <http://c> }", True),
        ("PREFIX ex: <http://x/> BASE <http://y/> delete where { ?s ?p ?o }", True),
        ("# comment\nDROP ALL", True),
        ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", True),
        ("LOAD <http://x/data.ttl>", True),
        ("SELECT * { ?s ?p ?o }", False),
        ("SELECT * { ?s <http://x/insert> ?o }", False),
        ("PREFIX insert: <http://x/> SELECT * { ?s ?p ?o }", False),
        ("", False),
    ],
)
def test_detect_update_by_first_keyword(sparql: str, update: bool) -> None:
    assert sparql_text.looks_like_update(sparql) is update


# --- EmbeddedStore ----------------------------------------------------------------------------------------


def subjects(store: EmbeddedStore, sparql: str, dataset: Dataset | None = None) -> set[str]:
    outcome = store.query(sparql, accept=None, dataset=dataset)
    return {row.get("s", "") for row in rows(outcome.body)}


def test_count_named_graphs_of_snapshot(store: EmbeddedStore) -> None:
    assert store.graphs() == Release.open(FIXTURE).metadata.graphs


def test_query_union_default_graph_without_dataset(store: EmbeddedStore) -> None:
    outcome = store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", accept=None)
    assert rows(outcome.body) == [{"n": "32"}]  # 33 quads, one triple stated in two graphs


def test_hold_union_of_named_graphs_blank_nodes_included_in_default_graph(store: EmbeddedStore) -> None:
    void = f"<{prefixes.GRAPH_VOID}>"  # computed over the union, never part of it (server.partitions)
    missing = f"ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != {void}) FILTER NOT EXISTS {{ ?s ?p ?o }} }}"
    extra = "ASK { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } }"
    blank = "ASK { ?s ?p ?o FILTER(isBlank(?s)) }"
    asked = [store.query(ask, accept="application/json").body for ask in (missing, extra, blank)]
    assert [json.loads(body)["boolean"] for body in asked] == [False, False, True]


def test_replace_default_graph_with_default_graph_uri(store: EmbeddedStore) -> None:
    dataset = Dataset(default_graphs=(PYCOUNTRY,), named_graphs=())
    assert subjects(store, "SELECT DISTINCT ?s { ?s ?p ?o }", dataset) == {prefixes.ID + "country/ecu"}
    assert rows(store.query("SELECT ?g { GRAPH ?g {} }", accept=None, dataset=dataset).body) == []


def test_merge_several_default_graph_uris(store: EmbeddedStore) -> None:
    dataset = Dataset(default_graphs=(PYCOUNTRY, IN_ECUADOR), named_graphs=())
    expected = {prefixes.ID + "country/ecu", prefixes.ID + "place/cuenca", prefixes.ID + "event/fibemyd-2008"}
    assert subjects(store, "SELECT DISTINCT ?s { ?s ?p ?o }", dataset) == expected


def test_leave_default_graph_empty_with_only_named_graph_uri(store: EmbeddedStore) -> None:
    dataset = Dataset(default_graphs=(), named_graphs=(HELD_IN,))
    assert subjects(store, "SELECT ?s { ?s ?p ?o }", dataset) == set()
    outcome = store.query("SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }", accept=None, dataset=dataset)
    assert rows(outcome.body) == [{"g": HELD_IN}]


def test_honour_from_clause_without_protocol_dataset(store: EmbeddedStore) -> None:
    found = subjects(store, f"SELECT DISTINCT ?s FROM <{PYCOUNTRY}> {{ ?s ?p ?o }}")
    assert found == {prefixes.ID + "country/ecu"}
    assert subjects(store, f"SELECT ?s FROM NAMED <{PYCOUNTRY}> {{ ?s ?p ?o }}") == set()


@pytest.mark.xfail(strict=True, reason="pyoxigraph 0.5 merges several default graphs as a bag (oxigraph #1919)")
def test_merge_several_from_graphs_as_a_set(store: EmbeddedStore) -> None:
    sparql = f"SELECT (COUNT(*) AS ?n) FROM <{HELD_IN}> FROM <{IN_ECUADOR}> {{ ?s ?p ?o }}"
    assert rows(store.query(sparql, accept=None).body) == [{"n": "4"}]  # 3 + 2, one triple shared


def test_override_from_clause_with_protocol_dataset(store: EmbeddedStore) -> None:
    dataset = Dataset(default_graphs=(IN_ECUADOR,), named_graphs=())
    found = subjects(store, f"SELECT DISTINCT ?s FROM <{PYCOUNTRY}> {{ ?s ?p ?o }}", dataset)
    assert found == {prefixes.ID + "place/cuenca", prefixes.ID + "event/fibemyd-2008"}


def test_resolve_relative_iri_against_base(store: EmbeddedStore) -> None:
    outcome = store.query("SELECT ?o { <id/place/cuenca> a ?o }", accept=None, base_iri=prefixes.BASE)
    assert rows(outcome.body) == [{"o": prefixes.MIG + "Place"}]


def test_prefer_query_base_over_service_base(store: EmbeddedStore) -> None:
    sparql = f"BASE <{prefixes.ID}> SELECT ?o {{ <place/cuenca> a ?o }}"
    assert rows(store.query(sparql, accept=None, base_iri="http://elsewhere.example/").body) != []


@pytest.mark.parametrize(
    ("sparql", "dataset", "error"),
    [
        ("SELECT * WHERE {", None, QuerySyntaxError),
        ("SELECT * { <relative> ?p ?o }", None, QuerySyntaxError),  # no base given
        ("INSERT DATA { <http://a> <http://b> <http://c> }", None, UpdateForbidden),
        ("CLEAR ALL", None, UpdateForbidden),
        ("SELECT * { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }", None, UnsupportedQuery),
        ("SELECT * { ?s ?p ?o }", Dataset(("not an iri",), ()), InvalidDataset),
    ],
)
def test_reject_bad_query_with_typed_error(
    store: EmbeddedStore, sparql: str, dataset: Dataset | None, error: type[StoreError]
) -> None:
    with pytest.raises(error):
        store.query(sparql, accept=None, dataset=dataset)


def test_raise_not_acceptable_listing_offered_types(store: EmbeddedStore) -> None:
    with pytest.raises(NotAcceptable) as caught:
        store.query("ASK { ?s ?p ?o }", accept="text/csv")
    assert caught.value.offered[:2] == ["application/sparql-results+json", "application/sparql-results+xml"]
    assert "ASK" in str(caught.value) and "application/sparql-results+xml" in str(caught.value)


@pytest.mark.parametrize(
    "error",
    [
        QuerySyntaxError("at 1:3"),
        UnsupportedQuery("no"),
        InvalidDataset("x", "bad"),
        NotAcceptable(["text/csv"], "solutions"),
        UpdateForbidden(),
        QueryTimeout(1.5),
        StoreUnavailable("loading"),
        QueryFailed("boom"),
        QueryOutOfMemory(300),
        QueryTooComplex("too deep"),
        QueryCancelled(),
        TooManyQueries(2, 1),
    ],
    ids=lambda e: type(e).__name__,
)
def test_pickle_store_errors_unchanged(error: StoreError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error) and copy.args == error.args


# --- WorkerPool -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool(published: Path | None) -> Iterator[WorkerPool]:
    pool = WorkerPool(SNAPSHOT, workers=2, timeout=1.0, published=published)
    assert pool.wait_ready(60), pool.failure
    yield pool
    pool.close()


def wait_loaded(pool: WorkerPool, count: int, seconds: float = 60) -> None:
    wait_until(lambda: pool.status()["loaded"] >= count, seconds, f"{count} loaded workers", pool.status)


def worker_pids(pool: WorkerPool) -> set[int | None]:
    return {w.process.pid for w in pool._workers}


def wait_dead(pool: WorkerPool, pids: set[int]) -> None:
    """Until the pool's processes ``pids`` have exited (a SIGKILL is delivered asynchronously)."""
    processes = [w.process for w in pool._workers if w.process.pid in pids]
    wait_until(lambda: not any(p.is_alive() for p in processes), 10, f"the workers {sorted(pids)} to die")


def test_answer_query_in_worker_process(pool: WorkerPool) -> None:
    outcome = pool.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", accept="text/csv")
    assert (outcome.kind, outcome.media_type, outcome.body) == ("solutions", "text/csv", b"n\r\n32\r\n")
    assert pool.graphs() == Release.open(FIXTURE).metadata.graphs


def test_reraise_worker_error_with_its_type(pool: WorkerPool) -> None:
    with pytest.raises(QuerySyntaxError, match="1:"):
        pool.query("SELECT * WHERE {", accept=None)
    with pytest.raises(NotAcceptable):
        pool.query("CONSTRUCT WHERE { ?s ?p ?o }", accept="image/png")
    assert pool.query("ASK { ?s ?p ?o }", accept=None).body == b'{"head":{},"boolean":true}'


def test_kill_worker_past_deadline_and_keep_serving(pool: WorkerPool) -> None:
    wait_loaded(pool, 2)
    before = worker_pids(pool)
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="1 s"):
        pool.query(LONG_QUERY, accept=None)
    assert time.monotonic() - started >= 1.0  # not given up before the deadline
    (killed,) = before - worker_pids(pool)  # the worker that ran it left the pool …
    assert killed is not None and not Path(f"/proc/{killed}").exists()  # … killed and reaped before the raise
    assert pool.query("ASK { ?s ?p ?o }", accept=None).kind == "boolean"  # the other worker
    wait_loaded(pool, 2)  # and the replacement loads


def test_replace_worker_that_died_while_idle(pool: WorkerPool) -> None:
    """One idle worker dies: the next query is answered by the other at once, and the dead one is replaced."""
    wait_loaded(pool, 2)
    pid = next(iter(pool._workers)).process.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    wait_dead(pool, {pid})
    for _ in range(4):  # whichever worker the idle queue hands out first
        assert pool.query("ASK { ?s ?p ?o }", accept=None).kind == "boolean"
    # the dead worker is replaced off the query's thread: wait for it to leave, then for its replacement to load
    wait_until(lambda: pid not in worker_pids(pool), 30, f"worker {pid} to be replaced", pool.status)
    wait_loaded(pool, 2)


def test_serve_again_once_every_idle_worker_died(pool: WorkerPool) -> None:
    """All idle workers die: queries get 503 (StoreUnavailable) while replacements load, never a hang or a 500;
    then they are answered again."""
    wait_loaded(pool, 2)
    pids = {pid for pid in worker_pids(pool) if pid is not None}
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    wait_dead(pool, pids)

    def answered() -> bool:
        try:
            return pool.query("ASK { ?s ?p ?o }", accept=None).kind == "boolean"
        except StoreUnavailable:
            return False  # 503 while the replacements load: the outcome this test allows

    wait_until(answered, 60, "a query answered by a replacement worker", pool.status)
    wait_loaded(pool, 2)


def test_serve_queries_from_many_threads(pool: WorkerPool) -> None:
    wait_loaded(pool, 2)
    results: list[bytes] = []

    def ask(n: int) -> None:
        outcome = pool.query(f"SELECT ({n} AS ?n) {{}}", accept="text/tab-separated-values")
        results.append(outcome.body)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == sorted(f"?n\n{n}\n".encode() for n in range(12))


def test_refuse_queries_after_close() -> None:
    pool = WorkerPool(SNAPSHOT, workers=1, timeout=5.0)
    assert pool.wait_ready(60)
    pool.close()
    assert not pool.ready()
    with pytest.raises(StoreUnavailable):
        pool.query("ASK {}", accept=None)


def test_report_snapshot_that_cannot_load(tmp_path: Path) -> None:
    broken = tmp_path / "snapshot.nq"
    broken.write_text("<http://a> <http://b> .\n", encoding="utf-8")
    pool = WorkerPool(broken, workers=1, timeout=5.0)
    try:
        assert not pool.wait_ready(60)
        assert pool.failure is not None and "snapshot.nq" in pool.failure
        with pytest.raises(StoreUnavailable, match="not available"):
            pool.query("ASK {}", accept=None)
    finally:
        pool.close()


def test_drop_pyoxigraph_result_in_its_own_thread_when_failing(store: EmbeddedStore) -> None:
    """DESIGN §5: a result object dropped on another thread panics; an error must not carry one along."""
    caught: list[BaseException] = []

    def refuse() -> None:
        for accept in ("image/png", "application/pdf"):  # CONSTRUCT can be neither
            try:
                store.query("CONSTRUCT WHERE { ?s ?p ?o }", accept=accept)
            except NotAcceptable as error:
                caught.append(error)

    thread = threading.Thread(target=refuse)
    thread.start()
    thread.join()
    unraisable: list[object] = []
    previous, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        assert len(caught) == 2
        caught.clear()  # the tracebacks, and whatever their frames hold, are freed here
        gc.collect()
    finally:
        sys.unraisablehook = previous
    assert unraisable == []
