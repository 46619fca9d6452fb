"""The single writer process (server.partners.process): writes cross the pipe and back with their outcome or their
refusal, a write past the deadline has the process killed and replaced, a dead process is replaced, and the web
process never loads the pipeline (pySHACL, owlready2) that the writer process runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from waiting import wait_until

from server import prefixes
from server.partners.messages import Forbidden, UpdateRequest, WriteRequest, WriteTimeout
from server.partners.process import WriterClient
from server.partners.registry import Partner
from server.partners.storage import PartnerStorage
from server.partners.upload import parse_upload
from server.settings import REPO_ROOT, Settings

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "release" / "snapshot.nq"
ACME = Partner(agency="acme", name="ACME", origins=(), created="2026-01-01T00:00:00+00:00")
GRAPH = ACME.graphs + "programmes"
# A programme of the partner's own, referring to nothing of ours (the fixture release is small).
OWN = f'<https://example.org/p/1> a <{prefixes.MIG}Programme> ; <{prefixes.RDFS}label> "Programa"@es .'
UNTYPED = f'<https://example.org/p/2> <{prefixes.RDFS}label> "Sin clase"@es .'.encode()
# Five unconstrained patterns over the fixture and its union: billions of solutions, far past any deadline.
ENDLESS = (
    f"INSERT {{ GRAPH <{GRAPH}> {{ ?a <https://example.org/p> ?b }} }} "
    "WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z . ?d ?s ?w . ?e ?t ?v }"
)


def settings(tmp_path: Path, timeout: float) -> Settings:
    return Settings(repo_dir=REPO_ROOT, build_dir=tmp_path / "build", state_dir=tmp_path / "var", write_timeout=timeout)


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[WriterClient]:
    client = WriterClient(settings(tmp_path, 60), FIXTURE)
    yield client
    client.close()


def write(client: WriterClient, body: str = OWN, graph: str = GRAPH) -> bool:
    upload = parse_upload(body.encode(), "text/turtle", graph)
    return client.write(WriteRequest(ACME, "token-id", graph, upload)).accepted


def test_write_crosses_the_pipe_and_is_committed(writer: WriterClient, tmp_path: Path) -> None:
    assert write(writer)
    assert PartnerStorage(tmp_path / "var" / "partner-graphs").graphs()[GRAPH].triples == 2


def test_refusal_crosses_the_pipe_with_its_rule(writer: WriterClient) -> None:
    with pytest.raises(Forbidden) as refused:
        write(writer, graph=prefixes.GRAPH_ONTOLOGY)
    assert refused.value.refusal.rule == "release-graph"


def test_write_past_the_deadline_kills_and_replaces_the_writer(tmp_path: Path) -> None:
    client = WriterClient(settings(tmp_path, 10), FIXTURE)
    try:
        assert client.wait_ready(120)
        first = client.pid()
        with pytest.raises(WriteTimeout):
            client.update(UpdateRequest(ACME, "token-id", ENDLESS, prefixes.BASE))
        assert first is not None and client.pid() != first
        assert not _alive(first)
        assert client.wait_ready(120)  # the replacement, loaded in the background, serves the next write
        rejected = client.write(WriteRequest(ACME, "token-id", GRAPH, parse_upload(UNTYPED, "text/turtle", GRAPH)))
        assert not rejected.accepted  # checked (no reasoner needed: a thing without a class of ours)
    finally:
        client.close()


def test_writer_that_died_is_replaced_on_the_next_write(writer: WriterClient) -> None:
    assert write(writer)
    dead = writer.pid()
    assert dead is not None
    os.kill(dead, signal.SIGKILL)
    wait_until(lambda: not _alive(dead), 10, "the killed writer to be gone")
    assert write(writer, OWN.replace("/p/1", "/p/3"))
    assert writer.pid() not in (None, dead)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_web_process_never_loads_the_pipeline() -> None:
    """What the server imports to take writes (the app, the writer client) brings in neither pySHACL nor owlready2
    nor the modules that use them: those run in the writer process only."""
    code = (
        "import json, sys; import server.web.app, server.partners.process; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('pyshacl', 'owlready2') "
        "or m in ('server.pipeline', 'server.partners.gate', 'server.partners.writer'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []
