"""Releases switched and rolled back under a running server, while clients keep asking.

Each release here is the fixture release under its own id with one more quad naming it (``MARKER``), so an answer
says by its body, not only by its ``X-Migkg-Release`` header, which release answered it. Switches are made as an
operator makes them (``migkg release switch|rollback`` in a subprocess); the server notices by itself
(``web.switching``, polling ``build/current``). Every wait is bounded (``waiting.wait_until``); nothing asserts
how long anything took.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from partner_server import descendants
from uvicorn_server import FIXTURE, start_server
from waiting import wait_until

from server.release import DUMP_NQUADS, DUMPS, METADATA, SNAPSHOT, switch_current
from server.settings import REPO_ROOT
from tools.loopback import Server

pytestmark = [pytest.mark.http, pytest.mark.xdist_group("release-switch")]

MARKER = "https://w3id.org/migkg/id/test/release-marker"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
MARKER_GRAPH = "https://w3id.org/migkg/graph/test"
WHICH = f"SELECT ?id WHERE {{ <{MARKER}> <{LABEL}> ?id }}"
IDS = ("20260101T000000Z-aaaaaaaa", "20260102T000000Z-bbbbbbbb", "20260103T000000Z-cccccccc")
SWITCH_WAIT = 120.0


def marked_release(releases: Path, release_id: str) -> Path:
    """The fixture release as release ``release_id``: its quads, one quad naming it, a dump; metadata to match."""
    target = releases / release_id
    (target / DUMPS).mkdir(parents=True)
    snapshot = (FIXTURE / SNAPSHOT).read_bytes() + f'<{MARKER}> <{LABEL}> "{release_id}" <{MARKER_GRAPH}> .\n'.encode()
    (target / SNAPSHOT).write_bytes(snapshot)
    dump = gzip.compress(snapshot, mtime=0)
    (target / DUMPS / DUMP_NQUADS).write_bytes(dump)
    meta = json.loads((FIXTURE / METADATA).read_text(encoding="utf-8"))
    meta["release"] = release_id
    meta["graphs"][MARKER_GRAPH] = 1
    meta["files"] = {
        SNAPSHOT: {"bytes": len(snapshot), "sha256": hashlib.sha256(snapshot).hexdigest()},
        f"{DUMPS}/{DUMP_NQUADS}": {"bytes": len(dump), "sha256": hashlib.sha256(dump).hexdigest()},
    }
    (target / METADATA).write_text(json.dumps(meta), encoding="utf-8")
    return target


def build_with_releases(root: Path, ids: tuple[str, ...]) -> Path:
    """A build directory holding a marked release per id, the first one current."""
    build = root / "build"
    paths = [marked_release(build / "releases", release_id) for release_id in ids]
    switch_current(build / "current", paths[0])
    return build


def release_cli(build: Path, *args: str) -> str:
    """``migkg release …`` as an operator runs it over ``build``; its standard output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGKG_")} | {"MIGKG_BUILD_DIR": str(build)}
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "release", *args],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def start(root: Path, build: Path) -> Server:
    return start_server(root, build=build, query_workers="2", release_poll="0.2")


def answered_by(server: Server) -> tuple[str, str]:
    """The release a SPARQL answer comes from: by its header, and by its body."""
    response = httpx.post(server.sparql, data={"query": WHICH}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.headers["x-migkg-release"], response.json()["results"]["bindings"][0]["id"]["value"]


@dataclass
class Load:
    """Clients asking the server in a loop (SPARQL, pages, VoID) until stopped; every answer's status and release."""

    server: Server
    clients: int = 3
    stop: threading.Event = field(default_factory=threading.Event)
    statuses: Counter[int] = field(default_factory=Counter)
    releases: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ask(self) -> None:
        requests = [
            ("POST", "/sparql", {"data": {"query": WHICH}, "headers": {"Accept": "application/sparql-results+json"}}),
            ("GET", "/", {}),
            ("GET", "/releases", {"headers": {"Accept": "application/json"}}),
            ("GET", "/.well-known/void", {"headers": {"Accept": "text/turtle"}}),
        ]
        with httpx.Client(base_url=self.server.url, timeout=60) as client:
            n = 0
            while not self.stop.is_set():
                method, path, options = requests[n % len(requests)]
                n += 1
                try:
                    response = client.request(method, path, **options)  # type: ignore[arg-type]
                except httpx.HTTPError as error:
                    with self.lock:
                        self.failures.append(f"{method} {path}: {type(error).__name__}: {error}")
                    continue
                with self.lock:
                    self.statuses[response.status_code] += 1
                    self.releases[response.headers.get("x-migkg-release", "")] += 1
                    if not response.is_success:
                        self.failures.append(f"{method} {path}: {response.status_code} {response.text[:200]}")

    @property
    def answered(self) -> int:
        with self.lock:
            return sum(self.statuses.values())


@pytest.fixture
def loaded(tmp_path: Path) -> Iterator[tuple[Server, Path, Load]]:
    """A server over a build with three releases, and clients asking it in a loop; stopped after."""
    build = build_with_releases(tmp_path, IDS)
    server = start(tmp_path, build)
    load = Load(server)
    threads = [threading.Thread(target=load.ask, daemon=True) for _ in range(load.clients)]
    try:
        for thread in threads:
            thread.start()
        yield server, build, load
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(60)
        server.stop()


def test_switch_and_rollback_release_under_load_fail_no_request(loaded: tuple[Server, Path, Load]) -> None:
    server, build, load = loaded
    assert answered_by(server) == (IDS[0], IDS[0])
    processes = len(descendants(server.process.pid))  # uvicorn's query workers, partner writer, helpers
    steps = [("switch", IDS[1]), ("rollback", IDS[0]), ("rollback", IDS[1]), ("use", IDS[2]), ("rollback", IDS[1])]
    for action, expected in steps:
        before = load.answered
        release_cli(build, action, *([expected] if action in ("switch", "use") else []))
        wait_until(lambda e=expected: answered_by(server) == (e, e), SWITCH_WAIT, f"{action} to {expected}",
                   lambda: (answered_by(server), server.log_tail(10)))  # fmt: skip
        wait_until(lambda b=before: load.answered > b + 20, SWITCH_WAIT, "the clients to go on being answered")
    load.stop.set()
    assert load.failures == [], load.failures[:10]
    assert set(load.statuses) == {200}, load.statuses
    assert set(load.releases) == set(IDS), load.releases  # every release answered the clients in turn
    # the old releases' workers and writers were retired: as many processes as before the first switch
    wait_until(lambda: len(descendants(server.process.pid)) == processes, SWITCH_WAIT, "the old workers to stop",
               lambda: descendants(server.process.pid))  # fmt: skip
    server.assert_serving()


def test_serve_release_list_with_hash_counts_and_per_release_dumps(tmp_path: Path) -> None:
    build = build_with_releases(tmp_path, IDS[:2])
    server = start(tmp_path, build)
    try:
        listed = httpx.get(server.url + "/releases", headers={"Accept": "application/json"}).json()
        assert (listed["served"], listed["current"]) == (IDS[0], IDS[0])
        entries = {entry["id"]: entry for entry in listed["releases"]}
        assert list(entries) == [IDS[1], IDS[0]]  # newest first
        snapshot = (build / "releases" / IDS[1] / SNAPSHOT).read_bytes()
        assert entries[IDS[1]]["content_hash"] == "sha256:" + hashlib.sha256(snapshot).hexdigest()
        assert (entries[IDS[1]]["triples"], entries[IDS[1]]["served"]) == (snapshot.count(b"\n"), False)
        dump = httpx.get(entries[IDS[1]]["dumps"][DUMP_NQUADS]["url"])  # a release not served: its own dump
        assert dump.status_code == 200 and gzip.decompress(dump.content) == snapshot
        page = httpx.get(server.url + "/releases", headers={"Accept": "text/html"})
        assert page.status_code == 200 and f'id="{IDS[1]}"' in page.text
        one = httpx.get(f"{server.url}/releases/{IDS[0]}", headers={"Accept": "application/json"}).json()
        assert (one["id"], one["served"], one["current"]) == (IDS[0], True, True)
        void = httpx.get(server.url + "/.well-known/void", headers={"Accept": "application/n-triples"}).text
        assert f"<http://purl.org/dc/terms/hasVersion> <{server.url}/releases/{IDS[0]}>" in void
        assert f'<{server.url}/releases/{IDS[0]}> <http://purl.org/dc/terms/identifier> "sha256:' in void
        for missing in (f"/releases/{IDS[0]}x", f"/releases/{IDS[0]}/dumps/nope.gz", "/releases/..%2F..%2Fetc"):
            assert httpx.get(server.url + missing).status_code == 404, missing
    finally:
        server.stop()


def test_switch_to_damaged_release_keeps_serving_the_one_it_has(tmp_path: Path) -> None:
    """``current`` moved by hand to a release whose snapshot was truncated since: refused, logged, not served."""
    build = build_with_releases(tmp_path, IDS[:2])
    damaged = build / "releases" / IDS[1] / SNAPSHOT
    damaged.write_bytes(damaged.read_bytes()[:100])
    server = start(tmp_path, build)
    try:
        switch_current(build / "current", damaged.parent)  # as a hand edit would; `migkg release` refuses it
        wait_until(lambda: f"not switching to {damaged.parent}" in server.log_tail(), SWITCH_WAIT,
                   "the server to refuse the damaged release", server.log_tail)  # fmt: skip
        assert answered_by(server) == (IDS[0], IDS[0])
        server.assert_serving()
    finally:
        server.stop()
