"""Limits that hold and fair sharing, over real HTTP: the attacks of issue 11 that concern queries, each answered.

One server with small limits (a 5-row result cap, 300 MB per query, two queries per client, one worker of two kept
for cheap queries), clients told apart by ``X-Forwarded-For`` (the trusted-proxy setting), so one test process can
be several clients. Heavy queries are sent on raw sockets, so a test decides when their client disconnects.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import httpx
import pyoxigraph as ox
import pytest
from uvicorn_server import Server, start_server, unloadable_release, wait_workers_loaded
from waiting import wait_until

from server import prefixes

pytestmark = [pytest.mark.http, pytest.mark.xdist_group("http")]

JSON = {"Accept": "application/sparql-results+json"}
ASK = "ASK { ?s ?p ?o }"
# 32 triples in the fixture: 32^6 solutions to count (runs until stopped), 32^5 rows to sort (GBs)
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?p ?q ?r }"
CARTESIAN_ORDER_BY = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o } ORDER BY ?a ?o"


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(
        tmp_path_factory.mktemp("limited"),
        query_workers="2",
        query_timeout="30",
        query_memory_mb="300",
        max_result_rows="5",
        max_queries_per_client="2",
        reserved_workers="1",
        client_address_header="X-Forwarded-For",
    )
    yield running
    running.stop()


def as_client(name: str) -> dict[str, str]:
    return {"X-Forwarded-For": f"10.0.0.{name}"}


def saturation(server: Server) -> dict[str, int]:
    counters: dict[str, int] = httpx.get(server.url + "/healthz/ready", timeout=10).json()["saturation"]
    return counters


def send_query(server: Server, query: str, client: str) -> socket.socket:
    """A GET of ``query`` on a raw connection, left open: the caller closes it (a client that goes away)."""
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    request = f"GET /sparql?query={quote(query)} HTTP/1.1\r\nHost: {host}\r\nX-Forwarded-For: 10.0.0.{client}\r\n\r\n"
    sock.sendall(request.encode("ascii"))
    return sock


def test_refuse_deeply_nested_query_before_parsing(limited: Server) -> None:
    """``ASK`` and 5,000 ``{`` overflowed the parser's stack and killed a worker (500); now 400, no worker lost."""
    before = saturation(limited)
    response = httpx.post(limited.sparql, data={"query": "ASK " + "{" * 5000}, headers=JSON, timeout=30)
    assert response.status_code == 400, response.text
    assert response.json()["type"] == "limit" and "5000 levels" in response.json()["message"]
    negations = httpx.post(limited.sparql, data={"query": "ASK { FILTER(" + "!" * 50_000 + "true) }"}, timeout=30)
    assert negations.status_code == 400 and "at most 100" in negations.text
    after = saturation(limited)
    assert (after["failed"], after["replaced"]) == (before["failed"], before["replaced"])
    limited.assert_serving()


def test_refuse_long_run_of_dashes_as_malformed(limited: Server) -> None:
    """``ASK {}`` and 50,000 × ``a-`` ran into the deadline in the pre-parse scan; it is a syntax error (400)."""
    response = httpx.post(limited.sparql, data={"query": "ASK {} " + "a-" * 50_000}, timeout=30)
    assert response.status_code == 400, response.text
    assert "line 1" in response.text
    limited.assert_serving()


def test_stop_cartesian_order_by_at_memory_cap(limited: Server) -> None:
    wait_workers_loaded(limited, 2)
    before = saturation(limited)
    response = httpx.get(limited.sparql, params={"query": CARTESIAN_ORDER_BY}, headers=JSON, timeout=60)
    assert response.status_code == 503, response.text
    assert response.json()["type"] == "memory" and "300 MB" in response.json()["message"]
    after = saturation(limited)
    assert after["memory"] == before["memory"] + 1 and after["replaced"] == before["replaced"] + 1
    limited.assert_serving()


@pytest.mark.parametrize(
    ("accept", "kept"),
    [
        ("application/sparql-results+json", lambda body: len(body.json()["results"]["bindings"])),
        ("text/csv", lambda body: len(body.text.splitlines()) - 1),
    ],
)
def test_cut_result_at_row_cap_and_say_so(limited: Server, accept: str, kept: object) -> None:
    response = httpx.get(limited.sparql, params={"query": "SELECT * { ?s ?p ?o }"}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["x-migkg-truncated"] == "rows; limit=5; kept=5"
    assert callable(kept) and kept(response) == 5
    if accept.endswith("json"):
        (link,) = response.json()["head"]["link"]
        explanation = httpx.get(httpx.URL(limited.sparql).join(link))
        assert explanation.status_code == 200 and explanation.json()["limits"]["result_rows"]["value"] == 5


def test_leave_result_under_cap_whole(limited: Server) -> None:
    response = httpx.get(limited.sparql, params={"query": "SELECT * { ?s ?p ?o } LIMIT 5"}, headers=JSON)
    assert response.status_code == 200 and "x-migkg-truncated" not in response.headers
    assert len(response.json()["results"]["bindings"]) == 5 and "link" not in response.json()["head"]


def test_refuse_client_over_its_limit_with_429(limited: Server) -> None:
    wait_workers_loaded(limited, 2)
    running = [send_query(limited, HEAVY, "1"), send_query(limited, HEAVY, "1")]
    try:
        wait_until(lambda: saturation(limited)["busy"] + saturation(limited)["waiting"] >= 2, 30, "both queries")
        response = httpx.get(limited.sparql, params={"query": ASK}, headers={**JSON, **as_client("1")}, timeout=30)
        assert response.status_code == 429, response.text
        assert response.headers["retry-after"] == "1" and response.json()["type"] == "rate"
        other = httpx.get(limited.sparql, params={"query": ASK}, headers=as_client("2"), timeout=30)
        assert other.status_code == 200, other.text  # another client is served meanwhile
    finally:
        for sock in running:
            sock.close()
    wait_until(lambda: saturation(limited)["busy"] == 0, 30, "the queries of the client that left to stop")


def test_cancel_query_of_disconnected_client_and_serve_others(limited: Server) -> None:
    """Two heavy clients fill the unreserved worker (one runs, one waits); a third client's ASK is answered on the
    reserved worker meanwhile, /healthz/ready shows the saturation; the heavy clients leave: both queries are
    stopped, the running one's worker replaced."""
    wait_workers_loaded(limited, 2)
    before = saturation(limited)
    heavy = [send_query(limited, HEAVY, "3"), send_query(limited, HEAVY, "4")]
    with closing(heavy[0]), closing(heavy[1]):
        wait_until(lambda: saturation(limited)["waiting"] >= 1, 30, "the second heavy query to wait")
        assert saturation(limited)["busy"] == 1  # the reserved worker stays free for cheap queries
        response = httpx.get(limited.sparql, params={"query": ASK}, headers=as_client("5"), timeout=30)
        assert response.status_code == 200 and response.json()["boolean"] is True
    wait_until(
        lambda: saturation(limited)["cancelled"] >= before["cancelled"] + 2, 30, "both heavy queries to be cancelled"
    )
    after = saturation(limited)
    assert after["replaced"] == before["replaced"] + 1  # the running one's worker; the waiting one had none
    assert after["timeouts"] == before["timeouts"]  # stopped long before the deadline
    wait_workers_loaded(limited, 2)
    limited.assert_serving()


def test_tell_live_from_ready(limited: Server, tmp_path: Path) -> None:
    assert httpx.get(limited.url + "/healthz/live").json()["status"] == "live"
    assert httpx.get(limited.url + "/healthz/ready").json()["status"] == "ready"
    broken = unloadable_release(tmp_path / "release")  # live, never ready
    running = start_server(tmp_path, release=broken, ready=False, query_workers="1")
    try:
        live = httpx.get(running.url + "/healthz/live")
        assert live.status_code == 200 and live.json()["status"] == "live"
        assert httpx.get(running.url + "/healthz/ready").status_code == 503
    finally:
        running.stop()


def test_state_limits_in_service_description(limited: Server) -> None:
    response = httpx.get(limited.sparql, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    triples = list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
    (see_also,) = [t.object for t in triples if t.predicate == ox.NamedNode(prefixes.RDFS + "seeAlso")]
    assert see_also == ox.NamedNode(limited.url + "/limits")
    (comment,) = [t.object.value for t in triples if t.predicate == ox.NamedNode(prefixes.RDFS + "comment")]
    assert "cut at 5 rows" in comment and "2 queries running or waiting" in comment
