"""The repository's own graph, built and served by a real uvicorn process: the questions the issue asks."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from uvicorn_server import Server, free_port, start_server
from waiting import wait_until

from server.release import Release
from server.settings import REPO_ROOT

pytestmark = [pytest.mark.http, pytest.mark.build]

WHO_LED = """PREFIX mig: <https://w3id.org/migkg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?role ?agent WHERE {
  VALUES (?p ?role) { (mig:organisedBy "organised") (mig:hostedBy "hosted") (mig:coChairedBy "co-chaired") }
  <https://w3id.org/migkg/id/event/gfmd-2011-san-salvador-workshop> ?p ?a . ?a rdfs:label ?agent .
} ORDER BY ?role ?agent"""

EVIDENCE = """PREFIX mig: <https://w3id.org/migkg/def#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT DISTINCT ?quote ?start ?end ?file WHERE {
  GRAPH ?g { <https://w3id.org/migkg/id/event/gfmd-2011-san-salvador-workshop> mig:coChairedBy ?agent }
  ?g oa:hasSource ?source ; oa:hasSelector [ oa:exact ?quote ] , [ oa:start ?start ; oa:end ?end ] .
  ?source mig:fileName ?file .
} ORDER BY ?start"""


@pytest.fixture(scope="module")
def served(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("built"), release=release.path, query_workers="1")
    yield running
    running.stop()


def csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_csv_form_post_answers_who_organised_hosted_and_co_chaired_the_workshop(served: Server) -> None:
    rows = csv_rows(httpx.post(served.sparql, data={"query": WHO_LED}, headers={"Accept": "text/csv"}))
    assert [(r["role"], r["agent"]) for r in rows] == [
        ("co-chaired", "Government of El Salvador"),
        ("co-chaired", "Government of Mexico"),
        ("hosted", "Government of El Salvador"),
        ("organised", "Government of El Salvador"),
    ]


def test_evidence_query_returns_verbatim_sentences_at_their_offsets(served: Server) -> None:
    rows = csv_rows(httpx.post(served.sparql, data={"query": EVIDENCE}, headers={"Accept": "text/csv"}))
    assert [r["quote"].split("\t")[-1][:22] for r in rows] == ["Government of Mexico", "In preparation for the"]
    for row in rows:
        text = (REPO_ROOT / "data" / "sources" / row["file"]).read_text(encoding="utf-8")
        assert text[int(row["start"]) : int(row["end"])] == row["quote"]


def test_service_description_lists_the_built_graphs_with_counts(served: Server, release: Release) -> None:
    response = httpx.get(served.sparql, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    for graph in ("graph/provenance", "graph/inferred", "graph/reference/pycountry", "excerpt/gfmd-2011-ws-co-chaired"):
        assert f"https://w3id.org/migkg/{graph}" in response.text
    assert str(release.metadata.graphs["https://w3id.org/migkg/graph/reference/pycountry"]) in response.text


def test_migkg_serve_serves_the_current_release(release: Release, tmp_path: Path) -> None:
    """`migkg serve` (what `make run` ends with) answers /healthz and /sparql on loopback."""
    build = tmp_path / "build"
    build.mkdir()
    (build / "current").symlink_to(release.path, target_is_directory=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGKG_")} | {
        "MIGKG_BUILD_DIR": str(build),
        "MIGKG_QUERY_WORKERS": "1",
    }
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:

        def ready() -> bool:
            assert process.poll() is None, (tmp_path / "serve.log").read_text(encoding="utf-8", errors="replace")
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False  # not listening yet

        wait_until(ready, 60, f"`migkg serve` to answer /healthz with 200 on port {port}")
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert health.status_code == 200 and release.id in health.text
        answer = httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
        assert answer.json()["boolean"] is True
    finally:
        process.terminate()
        process.wait(15)
