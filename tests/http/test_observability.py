"""Observability over a real server: the JSON access log (never a token, never a long query in full) and the
Prometheus scrape at /metrics."""

from __future__ import annotations

import json

import httpx
import pytest
from uvicorn_server import Server
from waiting import wait_until

pytestmark = [pytest.mark.http, pytest.mark.xdist_group("http")]  # the session's `server`

SECRET = "migkg_ThisTokenMustNeverBeLogged0123456789"


def access_lines(server: Server) -> list[dict]:
    lines = server.log.read_text(encoding="utf-8", errors="replace").splitlines()
    return [json.loads(line) for line in lines if line.startswith('{"time"')]


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample ``name{labels}`` in a Prometheus text exposition (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            head, _, value = line.rpartition(" ")
            if all(f'{k}="{v}"' in head for k, v in labels.items()):
                return float(value)
    return 0.0


def test_scrape_metrics_counts_requests_by_route_and_status(server: Server) -> None:
    before = httpx.get(server.url + "/metrics", timeout=10).text
    for _ in range(3):
        assert httpx.get(server.url + "/doc/event/no-such-thing", headers={"Accept": "text/turtle"}).status_code == 404
    assert httpx.get(server.sparql, params={"query": "ASK {"}).status_code == 400
    scraped = httpx.get(server.url + "/metrics", timeout=10)
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    after = scraped.text
    doc = {"route": "/doc/{path:path}", "method": "GET", "status": "404"}
    assert sample(after, "migkg_http_requests_total", **doc) == sample(before, "migkg_http_requests_total", **doc) + 3
    bad = {"route": "/sparql", "method": "GET", "status": "400"}
    assert sample(after, "migkg_http_requests_total", **bad) >= sample(before, "migkg_http_requests_total", **bad) + 1
    latency = {"route": "/doc/{path:path}", "method": "GET"}
    assert sample(after, "migkg_http_request_duration_seconds_count", **latency) >= 3
    release = httpx.get(server.url + "/healthz").json()["release"]
    assert sample(after, "migkg_release_info", release=release) == 1
    for family in ("migkg_query_timeouts_total", "migkg_worker_restarts", "migkg_query_queue_depth",
                   "migkg_partner_writes", "migkg_worker_memory_kills_total"):  # fmt: skip
        assert f"# TYPE {family.removesuffix('_total')}" in after, family


def test_log_request_with_token_shows_no_token(server: Server) -> None:
    headers = {"Authorization": f"Bearer {SECRET}", "User-Agent": "observability-test"}
    httpx.get(server.url + "/graph-store", params={"graph": "urn:x", "access_token": SECRET}, headers=headers)
    httpx.post(server.sparql, data={"update": "CLEAR ALL"}, headers=headers)
    log = server.log.read_text(encoding="utf-8", errors="replace")
    assert SECRET not in log
    line = next(r for r in reversed(access_lines(server)) if r["path"] == "/graph-store")
    assert line["method"] == "GET" and line["status"] == 400 and line["release"]
    assert "access_token=REDACTED" in line["query"]
    assert {"duration_ms", "bytes", "client"} <= line.keys()


def test_log_long_query_keeps_only_its_start(server: Server) -> None:
    long_query = "ASK { ?s ?p ?o } #" + "x" * 50_000
    assert httpx.post(server.sparql, params={"query": long_query}).status_code in (200, 400)
    # the line is written once the answer has gone out, so it may land just after the client has read it
    long_lines = lambda: [r for r in access_lines(server) if r.get("query_chars", 0) > 50_000]  # noqa: E731
    record = wait_until(long_lines, 10, "the long query's access-log line")[-1]
    assert len(record["query"]) <= 300
