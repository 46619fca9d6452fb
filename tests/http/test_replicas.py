"""Stateless replicas: two ``migkg serve`` processes on loopback over one build directory and one state directory
(docs/deploy.md). A partner write answered 2xx by one replica is visible through the other at once (no staleness
to wait out); writes sent to both at the same time are serialised by the state directory's writer lock and all
committed; a release switch is followed by both, and the partner graphs stay across it.

Every wait is bounded (``waiting.wait_until``); nothing asserts how long anything took.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from partner_server import PROGRAMME, PartnerServer, add_partner, graph, parsed, programme
from waiting import wait_until

from server import prefixes
from server.release import METADATA, Release, switch_current
from server.settings import REPO_ROOT
from tools.loopback import Server, start_server

pytestmark = [pytest.mark.http, pytest.mark.build, pytest.mark.xdist_group("replicas")]

TURTLE = "text/turtle"


@dataclass(frozen=True)
class Replicas:
    a: PartnerServer
    b: PartnerServer
    build: Path  # the build directory both serve from


@pytest.fixture(scope="module")
def replicas(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    """Two replicas of the full build, sharing a build directory and one state directory with partner acme."""
    root = tmp_path_factory.mktemp("replicas")
    build, state = root / "build", root / "state"
    copy = build / "releases" / release.path.name
    shutil.copytree(release.path, copy)
    switch_current(build / "current", copy)
    tokens = {"acme": add_partner(state, "acme")}
    servers: list[Server] = []
    try:
        for name in ("a", "b"):
            (root / name).mkdir()
            settings = {"state_dir": str(state), "query_workers": "1", "release_poll": "0.2"}
            servers.append(start_server(root / name, copy, build=build, **settings))
        yield Replicas(*(PartnerServer(server, state, tokens) for server in servers), build=build)
    finally:
        for server in servers:
            server.stop()


def read_graph(replica: PartnerServer, target: str) -> set[ox.Triple]:
    response = httpx.get(replica.graph_store, params={"graph": target}, headers={"Accept": TURTLE}, timeout=30)
    assert response.status_code == 200, response.text
    return {q.triple for q in ox.parse(response.content, format=ox.RdfFormat.TURTLE)}


def holds(replica: PartnerServer, target: str, n: int) -> bool:
    """Whether ``replica``'s SPARQL endpoint has programme ``n`` in the partner graph ``target``."""
    iri = PROGRAMME.replace("/1", f"/{n}")
    return replica.ask(f"ASK {{ GRAPH <{target}> {{ <{iri}> a <{prefixes.MIG}Programme> }} }}")


def test_write_through_one_replica_is_read_through_the_other_at_once(replicas: Replicas) -> None:
    a, b = replicas.a, replicas.b
    for n, (writer, reader) in enumerate(((a, b), (b, a)), start=1):
        target = graph(f"replicated-{n}")
        assert writer.put(target, programme(n)).status_code == 201
        assert read_graph(reader, target) == parsed(programme(n))  # the first request after the 2xx
        assert holds(reader, target, n)


def test_write_to_both_replicas_at_once_commits_every_write(replicas: Replicas) -> None:
    a, b = replicas.a, replicas.b
    writes = [(a if n % 2 else b, graph(f"concurrent-{n}"), n) for n in range(10, 14)]
    with ThreadPoolExecutor(len(writes)) as pool:
        statuses = list(pool.map(lambda w: w[0].put(w[1], programme(w[2])).status_code, writes))
    assert statuses == [201] * len(writes)
    for _, target, n in writes:
        assert holds(a, target, n) and holds(b, target, n)


def test_switch_release_is_followed_by_every_replica_with_partner_graphs_kept(
    replicas: Replicas, release: Release
) -> None:
    a, b = replicas.a, replicas.b
    target = graph("kept-across-releases")
    assert a.put(target, programme(7)).status_code == 201
    build = replicas.build
    newer = f"{release.id}-next"
    copy = build / "releases" / newer
    shutil.copytree(build / "releases" / release.path.name, copy)
    meta = json.loads((copy / METADATA).read_text(encoding="utf-8"))
    (copy / METADATA).write_text(json.dumps({**meta, "release": newer}), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGKG_")} | {"MIGKG_BUILD_DIR": str(build)}
    subprocess.run([sys.executable, "-m", "server.cli", "release", "switch", newer], cwd=REPO_ROOT, env=env,
                   check=True, capture_output=True, timeout=60)  # fmt: skip
    for replica in (a, b):
        serving = lambda r=replica: httpx.get(r.url + "/healthz", timeout=10).json().get("release") == newer  # noqa: E731
        wait_until(serving, 300, f"{replica.url} to serve {newer}", replica.server.log_tail)
        assert holds(replica, target, 7) and read_graph(replica, target) == parsed(programme(7))
