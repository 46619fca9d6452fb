"""Limits of a query, without HTTP: results cut at rows and bytes in every format, the depth and cheapness read
from a query's text, each client's slots, and workers recycled after their quota."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from waiting import wait_until

from server import media
from server.store import sparql_text
from server.store.base import QueryCancelled, ResultLimits, TooManyQueries
from server.store.embedded import EmbeddedStore
from server.store.pool import WorkerLimits, WorkerPool
from server.web.fairness import ClientSlots

SNAPSHOT = Path(__file__).resolve().parents[1] / "fixtures" / "release" / "snapshot.nq"
ALL = "SELECT ?s ?p ?o { ?s ?p ?o } ORDER BY ?s ?p ?o"  # 32 rows, in a fixed order
GRAPH = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
LINK = "limits"


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    return EmbeddedStore(SNAPSHOT)


def rows(body: bytes, fmt: media.ResultFormat) -> list[tuple[str, ...]]:
    """The solutions of a serialized result, each as the tuple of its terms' text."""
    assert fmt.results_format is not None
    parsed = ox.parse_query_results(body, format=fmt.results_format)
    assert isinstance(parsed, ox.QuerySolutions)
    return [tuple(str(solution[v]) for v in parsed.variables) for solution in parsed]


@pytest.mark.parametrize("fmt", media.formats_for("solutions"), ids=lambda f: f.media_type)
def test_cut_solutions_at_row_cap_in_every_format(store: EmbeddedStore, fmt: media.ResultFormat) -> None:
    whole = store.query(ALL, accept=fmt.media_type)
    cut = store.query(ALL, accept=fmt.media_type, limits=ResultLimits(3, 10**9, LINK))
    assert whole.truncated is None and cut.truncated is not None
    assert cut.truncated.header == "rows; limit=3; kept=3"
    if fmt.results_format == ox.QueryResultsFormat.CSV:  # CSV drops term types: compare lines
        assert cut.body.splitlines() == whole.body.splitlines()[:4]
    else:
        assert rows(cut.body, fmt) == rows(whole.body, fmt)[:3]


@pytest.mark.parametrize("fmt", media.formats_for("graph"), ids=lambda f: f.media_type)
def test_cut_triples_at_row_cap_in_every_format(store: EmbeddedStore, fmt: media.ResultFormat) -> None:
    cut = store.query(GRAPH, accept=fmt.media_type, limits=ResultLimits(4, 10**9, LINK))
    assert cut.truncated is not None and cut.truncated.kept == 4
    assert fmt.rdf_format is not None
    assert len(list(ox.parse(cut.body, format=fmt.rdf_format))) == 4


def test_cut_result_at_byte_cap_keeping_whole_rows(store: EmbeddedStore) -> None:
    cut = store.query(ALL, accept=media.SPARQL_JSON.media_type, limits=ResultLimits(1000, 2000, LINK))
    assert cut.truncated is not None and cut.truncated.reason == "bytes" and len(cut.body) <= 2000
    data = json.loads(cut.body)
    assert len(data["results"]["bindings"]) == cut.truncated.kept > 0 and data["head"]["link"] == [LINK]


def test_link_explanation_in_xml_head(store: EmbeddedStore) -> None:
    cut = store.query(ALL, accept=media.SPARQL_XML.media_type, limits=ResultLimits(1, 10**9, LINK))
    assert b'<link href="limits"/></head>' in cut.body
    assert len(rows(cut.body, media.SPARQL_XML)) == 1


def test_leave_result_within_limits_as_pyoxigraph_writes_it(store: EmbeddedStore) -> None:
    for fmt in media.formats_for("solutions"):
        limited = store.query(ALL, accept=fmt.media_type, limits=ResultLimits(32, 10**9, LINK))
        assert limited.truncated is None
        assert limited.body == store.query(ALL, accept=fmt.media_type).body


@pytest.mark.parametrize(
    ("sparql", "depth"),
    [
        ("ASK {}", 1),
        ("ASK " + "{" * 5000, 5000),
        ("ASK { FILTER(" + "!" * 50 + "true) }", 52),
        ('SELECT * { ?s ?p "((((" } # {{{{', 1),
        ("SELECT * { ?s ?p <<<<?a ?b ?c>> ?d ?e>> }", 3),
    ],
)
def test_measure_nesting_depth_outside_strings_and_comments(sparql: str, depth: int) -> None:
    assert sparql_text.nesting_depth(sparql) == depth


@pytest.mark.parametrize(
    ("sparql", "cheap"),
    [
        ("ASK { ?s ?p ?o }", True),
        ("PREFIX x: <http://x/> SELECT ?l { x:a <http://l> ?l } LIMIT 10", True),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 100", True),
        ("SELECT * { ?s ?p ?o }", False),  # no LIMIT
        ("SELECT * { ?s ?p ?o } LIMIT 100000", False),
        ("SELECT * { ?s ?p ?o } ORDER BY ?s LIMIT 10", False),
        ("SELECT ?s (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?s LIMIT 10", False),
        ("SELECT DISTINCT ?s { ?s ?p ?o } LIMIT 10", False),
        ("SELECT ?s { ?s <http://x/p>* ?o } LIMIT 10", False),
        ("SELECT ?s { { SELECT ?s { ?s ?p ?o } } } LIMIT 10", False),
        ('SELECT ?s { ?s ?p "ORDER BY" } LIMIT 10', True),
    ],
)
def test_classify_cheap_queries_by_their_text(sparql: str, cheap: bool) -> None:
    assert sparql_text.looks_cheap(sparql) is cheap


def test_refuse_client_over_its_slots_until_one_is_freed() -> None:
    slots = ClientSlots(2)
    with slots.held("a"), slots.held("a"):
        with pytest.raises(TooManyQueries, match="2 queries"), slots.held("a"):
            pass
        with slots.held("b"):  # another client
            pass
    with slots.held("a"):
        pass


@pytest.fixture(scope="module")
def recycling_pool() -> Iterator[WorkerPool]:
    pool = WorkerPool(SNAPSHOT, workers=1, timeout=30.0, limits=WorkerLimits(max_queries=2, reserved=0))
    assert pool.wait_ready(60), pool.failure
    yield pool
    pool.close()


def test_recycle_worker_after_its_query_quota(recycling_pool: WorkerPool) -> None:
    for n in range(3):
        wait_until(recycling_pool.ready, 60, "a loaded worker")
        outcome = recycling_pool.query(f"SELECT ({n} AS ?n) {{}}", accept="text/tab-separated-values")
        assert outcome.body == f"?n\n{n}\n".encode()
    counters = recycling_pool.saturation()
    assert (counters["recycled"], counters["failed"], counters["answered"]) == (1, 0, 3)


def test_stop_query_whose_client_already_left(recycling_pool: WorkerPool) -> None:
    gone = threading.Event()
    gone.set()
    before = recycling_pool.saturation()
    with pytest.raises(QueryCancelled):
        recycling_pool.spool("ASK {}", accept=None, cancelled=gone)
    after = recycling_pool.saturation()
    assert after["cancelled"] == before["cancelled"] + 1 and after["replaced"] == before["replaced"]
