"""Faults, with real processes on loopback: kill -9 of ``migkg build`` in each step, a build whose disk fills up
(``RLIMIT_FSIZE``), kill -9 of a query worker in the middle of a query, and of the partner writer (then of the
whole server) in the middle of an upload. After each, what is served must equal what was served before: the
release id ``/healthz`` reports, the sha256 of the dump ``/download`` serves, a digest of every quad the
endpoint answers, and the partner storage's generation and manifest.

Every wait is bounded (``waiting.wait_until``); nothing asserts how long anything took.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
import pytest
from partner_server import Upload, add_partner, descendants, graph, kill_whole_server, programme, reasoner_running
from partner_server import start as start_partner_server
from uvicorn_server import start_server, wait_workers_loaded
from waiting import wait_until

from server.partners.storage import PartnerStorage
from server.pipeline.publish import TMP_PREFIX
from server.release import Release, check, switch_current
from server.settings import REPO_ROOT
from tools.loopback import Server

pytestmark = [pytest.mark.http]

STEPS = ("load", "quotes", "mentions", "reason", "materialise", "validate", "publish")
# Every quad, blank nodes written alike (their labels differ from one load to the next).
ALL_QUADS = """SELECT ?g ?s ?p ?o WHERE {
  GRAPH ?g { ?s0 ?p ?o0 } BIND(IF(isBlank(?s0), "_:", ?s0) AS ?s) BIND(IF(isBlank(?o0), "_:", ?o0) AS ?o) }"""
# Six-way cartesian product: runs far longer than the test waits, until its worker is killed.
LONG_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?p ?q ?r }"
PROGRAMMES = 700  # as in test_partner_write_crash: the gate takes seconds, time to kill in its middle


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Served:
    """What a client sees of the release: its id, the dump's checksum, and a digest of every quad answered."""

    release: str
    dump: str
    quads: str


def served(server: Server) -> Served:
    health = httpx.get(server.url + "/healthz", timeout=30)
    dump = httpx.get(server.url + "/download/migkg.nq.gz", timeout=30)
    rows = httpx.post(server.sparql, data={"query": ALL_QUADS}, headers={"Accept": "text/csv"}, timeout=60)
    assert (health.status_code, dump.status_code, rows.status_code) == (200, 200, 200), rows.text
    lines = sorted(rows.content.splitlines()[1:])
    assert lines, "the endpoint answered no quad"
    return Served(health.json()["release"], sha256(dump.content), sha256(b"\n".join(lines)))


def served_from(build: Path, directory: Path) -> Served:
    """Start a server over ``build/current`` as it is now, read what it serves, stop it."""
    directory.mkdir()
    server = start_server(directory, build / "current", query_workers="1")
    try:
        return served(server)
    finally:
        server.stop()


def kill_tree(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL ``process`` and everything it started (the reasoner's JVM), at once."""
    for pid in [process.pid, *descendants(process.pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(10)


def build_dir_serving(release: Release, root: Path) -> Path:
    """A build directory whose ``current`` is a copy of the session's release."""
    build = root / "build"
    copy = build / "releases" / release.path.name
    shutil.copytree(release.path, copy)
    switch_current(build / "current", copy)
    return build


def start_build(build: Path, log: Path) -> subprocess.Popen[bytes]:
    """``migkg build`` into ``build`` as an operator runs it, its output in ``log``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGKG_")}
    env |= {"MIGKG_BUILD_DIR": str(build), "MIGKG_STATE_DIR": str(build.parent / "var")}
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "server.cli", "build"], cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )


def wait_for_step(process: subprocess.Popen[bytes], log: Path, step: str) -> None:
    """Until the build has started ``step`` (fails if it ended first)."""
    started = partial(lambda s: f"{s} …" in output(log) or process.poll() is not None, step)
    wait_until(started, 300, f"the build to start its step {step}", lambda: output(log)[-2000:])
    assert process.poll() is None, f"the build ended before its step {step}:\n{output(log)}"


def output(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")


def publishing(build: Path) -> bool:
    """The publish step is writing the new release's files (its temporary directory exists)."""
    return any((build / "releases").glob(f"{TMP_PREFIX}*"))


def releases(build: Path) -> list[str]:
    return sorted(p.name for p in (build / "releases").iterdir() if not p.name.startswith(TMP_PREFIX))


@pytest.mark.build
@pytest.mark.xdist_group("faults")
def test_kill_build_in_each_step_leaves_the_served_release_unchanged(release: Release, tmp_path: Path) -> None:
    build = build_dir_serving(release, tmp_path)
    before = served_from(build, tmp_path / "server-before")
    for step in STEPS:
        log = tmp_path / f"build-{step}.log"
        process = start_build(build, log)
        try:
            wait_for_step(process, log, step)
            if step == "publish":
                writing = partial(lambda p: publishing(build) or p.poll() is not None, process)
                wait_until(writing, 300, "the release being written")
            assert process.poll() is None, f"the build ended before it could be killed in {step}:\n{output(log)}"
        finally:
            kill_tree(process)
        assert (build / "current").resolve() == build.joinpath("releases", release.path.name).resolve(), step
        assert releases(build) == [release.path.name], f"killed in {step}, the build left a release behind"
    check((build / "current").resolve())
    assert served_from(build, tmp_path / "server-after") == before


@pytest.mark.build
@pytest.mark.xdist_group("faults")
def test_build_on_a_full_disk_fails_clearly_and_leaves_the_served_release_unchanged(
    release: Release, tmp_path: Path
) -> None:
    """The disk fills up while the release is written. Without root there is no small file system to fill, so
    once the build validates (a step that writes nothing) its files are capped at half the snapshot's size with
    ``prlimit(RLIMIT_FSIZE)``: the kernel then refuses the new snapshot's write past that size (EFBIG, where a full
    disk gives ENOSPC; Python ignores SIGXFSZ, so the write raises as on a full disk)."""
    build = build_dir_serving(release, tmp_path)
    before = served_from(build, tmp_path / "server-before")
    log = tmp_path / "build.log"
    process = start_build(build, log)
    try:
        wait_for_step(process, log, "validate")
        cap = release.snapshot.stat().st_size // 2
        resource.prlimit(process.pid, resource.RLIMIT_FSIZE, (cap, cap))
        assert process.wait(600) == 1, output(log)
    finally:
        kill_tree(process)
    text = output(log)
    assert "publish …" in text and "File too large" in text, text
    assert "nothing was published (the current release is unchanged)" in text and "Traceback" not in text
    assert releases(build) == [release.path.name] and not publishing(build)
    assert served_from(build, tmp_path / "server-after") == before


def cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def busiest(pids: list[int], seconds: float = 0.5) -> tuple[int, int]:
    """The process of ``pids`` that used the most CPU over ``seconds``, and how many clock ticks it used."""
    first = {pid: cpu_ticks(pid) for pid in pids}
    threading.Event().wait(seconds)
    return max(((pid, cpu_ticks(pid) - ticks) for pid, ticks in first.items()), key=lambda used: used[1])


def idle(server: Server) -> bool:
    """No process under the server is working (the writer and the workers have loaded)."""
    return busiest(descendants(server.process.pid))[1] == 0


@pytest.mark.build
@pytest.mark.xdist_group("faults")
def test_kill_worker_during_query_answers_error_and_serves_the_same_data(release: Release, tmp_path: Path) -> None:
    server = start_server(tmp_path, release.path, query_workers="2", query_timeout="120")
    try:
        wait_workers_loaded(server, 2)
        before = served(server)
        wait_until(partial(idle, server), 120, "the server's processes to be idle")
        answer: list[httpx.Response] = []
        query = threading.Thread(
            target=lambda: answer.append(httpx.post(server.sparql, data={"query": LONG_QUERY}, timeout=180))
        )
        query.start()
        worker = wait_until(  # the only process under the server that works now
            lambda: (found := busiest(descendants(server.process.pid)))[1] > 0 and found[0],
            60,
            "the worker evaluating the query",
        )
        os.kill(worker, signal.SIGKILL)
        query.join(60)
        assert answer and answer[0].status_code >= 500, answer
        assert "worker" in answer[0].text
        wait_workers_loaded(server, 2, 120)
        assert served(server) == before
    finally:
        server.stop()


@dataclass(frozen=True)
class PartnerState:
    """The partner storage's commit point (generation and manifest bytes) and the partner dump served."""

    generation: int
    manifest: str
    dump: str


def partner_state(server: Server, state: Path) -> PartnerState:
    storage = state / "partner-graphs"
    dump = httpx.get(server.url + "/download/partners.trig.gz", timeout=60)
    assert dump.status_code == 200, dump.text
    manifest = (storage / "current").resolve().read_bytes()
    return PartnerState(PartnerStorage(storage).generation(), sha256(manifest), sha256(dump.content))


def writer_pid(server: Server) -> int | None:
    """The partner writer: the process under the server that runs the reasoner's JVM."""
    for pid in descendants(server.process.pid):
        if Path(f"/proc/{pid}/comm").read_text().strip() == "java":
            return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
    return None


def put(server: Server, token: str, target: str, body: bytes) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/turtle"}
    return httpx.put(server.url + "/graph-store", params={"graph": target}, content=body, headers=headers, timeout=300)


@pytest.mark.build
@pytest.mark.xdist_group("partner-writes")
def test_kill_writer_then_whole_server_during_upload_keeps_partner_data_as_before(
    release: Release, tmp_path: Path
) -> None:
    state = tmp_path / "var"
    token = add_partner(state, "acme")
    server = start_partner_server(tmp_path / "server-0", release.path, state)
    try:
        assert put(server, token, graph("kept"), programme(1).encode()).status_code == 201
        before_release, before_partners = served(server), partner_state(server, state)
        body = "\n".join(programme(n) for n in range(PROGRAMMES)).encode()

        upload = Upload(server, token, graph("lost-with-writer"), body)
        wait_until(partial(reasoner_running, server), 240, "the gate's reasoner")
        writer = writer_pid(server)
        assert writer is not None
        for pid in [writer, *descendants(writer)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        assert upload.done.wait(120) and upload.status is not None and upload.status >= 500, upload.status
        assert (served(server), partner_state(server, state)) == (before_release, before_partners)

        upload = Upload(server, token, graph("lost-with-server"), body)
        wait_until(partial(reasoner_running, server), 240, "the gate's reasoner of the replaced writer")
        kill_whole_server(server)
        upload.done.wait(30)
        server = start_partner_server(tmp_path / "server-1", release.path, state)
        assert (served(server), partner_state(server, state)) == (before_release, before_partners)
        assert put(server, token, graph("after"), programme(2).encode()).status_code == 201  # writes work again
    finally:
        kill_whole_server(server)
