"""A damaged release is never served and never made current: the error names the file and the release to switch to.

Each case damages a real release written by ``write_release`` the way a disk, an interrupted copy or a hand edit
would, then starts what an operator starts: ``open_current`` (the server's start-up), ``publish``, ``migkg serve``
and ``migkg release use``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pyoxigraph import Literal, NamedNode, Quad

from server.cli import main
from server.pipeline.publish import TMP_PREFIX, publish, write_release, write_store
from server.release import (
    METADATA,
    SNAPSHOT,
    STORE,
    BrokenReleaseError,
    NoReleaseError,
    Release,
    open_current,
    serving_release,
)
from server.settings import REPO_ROOT
from tools.loopback import start_server

G = NamedNode("https://w3id.org/migkg/graph/test")
LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def release(build: Path, label: str, day: int) -> Path:
    quads = [Quad(NamedNode("https://w3id.org/migkg/id/event/a"), LABEL, Literal(label), G)]
    when = datetime(2026, 1, day, tzinfo=UTC)
    return write_release(
        quads,
        build / "releases",
        base_iri="https://w3id.org/migkg/",
        versions={},
        timings={},
        extra={STORE: write_store},
        now=when,
    )


@pytest.fixture
def build(tmp_path: Path) -> Path:
    """A build directory with two releases, the newer current."""
    build = tmp_path / "build"
    publish(release(build, "old", 1), build / "current")
    publish(release(build, "new", 2), build / "current")
    return build


def truncate_snapshot(path: Path) -> str:
    data = (path / SNAPSHOT).read_bytes()
    (path / SNAPSHOT).write_bytes(data[: len(data) // 2])
    return SNAPSHOT


def alter_dump(path: Path) -> str:
    dump = path / "dumps" / "migkg.nq.gz"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte: same size, another checksum
    dump.write_bytes(bytes(data))
    return "migkg.nq.gz"


def remove_dump(path: Path) -> str:
    (path / "dumps" / "migkg.trig.gz").unlink()
    return "migkg.trig.gz"


def garble_metadata(path: Path) -> str:
    (path / METADATA).write_text('{"release": ', encoding="utf-8")
    return METADATA


def remove_metadata(path: Path) -> str:
    (path / METADATA).unlink()
    return METADATA


def largest_store_file(path: Path) -> Path:
    return max((p for p in (path / STORE).iterdir() if p.is_file()), key=lambda p: p.stat().st_size)


def truncate_store_file(path: Path) -> str:
    file = largest_store_file(path)
    file.write_bytes(file.read_bytes()[:-1])
    return file.name


def remove_store_file(path: Path) -> str:
    file = largest_store_file(path)
    file.unlink()
    return file.name


DAMAGE = [
    truncate_snapshot,
    alter_dump,
    remove_dump,
    garble_metadata,
    remove_metadata,
    truncate_store_file,
    remove_store_file,
]


def test_record_store_files_by_size_only(build: Path) -> None:
    """The on-disk store's files are listed one by one, each with its size and no sha256 (server.release: why)."""
    current = Release.open(build / "current")
    listed = {name: info for name, info in current.metadata.files.items() if name.startswith(f"{STORE}/")}
    on_disk = {f"{STORE}/{p.name}": p.stat().st_size for p in current.store.iterdir() if p.is_file()}
    assert {name: info.bytes for name, info in listed.items()} == on_disk
    assert any(name.endswith(".sst") for name in listed) and {info.sha256 for info in listed.values()} == {""}


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda d: d.__name__)
def test_open_current_refuses_damaged_release_naming_file_and_intact_release(
    build: Path, damage: Callable[[Path], str]
) -> None:
    newest = (build / "current").resolve()
    older = sorted(p.name for p in (build / "releases").iterdir())[0]
    name = damage(newest)
    with pytest.raises(BrokenReleaseError) as refused:
        open_current(build / "current")
    assert name in str(refused.value) and newest.name in str(refused.value)
    assert f"migkg release use {older}" in str(refused.value)


def test_open_current_says_no_intact_release_is_left_when_none_is(build: Path) -> None:
    for path in (build / "releases").iterdir():
        truncate_snapshot(path)
    with pytest.raises(BrokenReleaseError, match=r"no intact release is left.*migkg build"):
        open_current(build / "current")


def test_publish_refuses_damaged_release_and_keeps_current(build: Path) -> None:
    before = (build / "current").resolve()
    broken = release(build, "newest", 3)
    truncate_snapshot(broken)
    with pytest.raises(BrokenReleaseError, match=SNAPSHOT):
        publish(broken, build / "current")
    assert (build / "current").resolve() == before
    assert open_current(build / "current").path == before


def test_write_release_leaves_nothing_behind_when_a_file_cannot_be_written(build: Path) -> None:
    def disk_full(path: Path) -> None:
        raise OSError(28, "No space left on device", str(path))

    quads = [Quad(NamedNode("https://w3id.org/migkg/id/event/a"), LABEL, Literal("x"), G)]
    before = sorted(p.name for p in (build / "releases").iterdir())
    with pytest.raises(OSError, match="No space left"):
        write_release(quads, build / "releases", base_iri="x", versions={}, timings={}, extra={"x": disk_full})
    assert sorted(p.name for p in (build / "releases").iterdir()) == before


def test_publish_removes_what_a_killed_build_left(build: Path) -> None:
    leftover = build / "releases" / f"{TMP_PREFIX}20260101T000000Z-deadbeef"
    (leftover / "dumps").mkdir(parents=True)
    (leftover / SNAPSHOT).write_bytes(b"half")
    publish(release(build, "newest", 3), build / "current")
    assert not leftover.exists()


def use(build: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setenv("MIGKG_BUILD_DIR", str(build))
    return main(["release", *args])


def test_release_use_switches_current_to_an_intact_release(
    build: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    older = sorted((build / "releases").iterdir())[0]
    truncate_snapshot((build / "current").resolve())
    assert use(build, monkeypatch, "use", older.name) == 0
    assert open_current(build / "current").path == older
    assert use(build, monkeypatch, "list") == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"* {older.name}")


def test_release_use_refuses_a_damaged_release(build: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    current = (build / "current").resolve()
    older = sorted((build / "releases").iterdir())[0]
    remove_dump(older)
    assert use(build, monkeypatch, "use", older.name) == 1
    assert (build / "current").resolve() == current


@pytest.mark.parametrize("damage", [truncate_snapshot, shutil.rmtree], ids=["damaged", "missing"])
def test_serving_release_falls_back_to_the_newest_intact_release(build: Path, damage: Callable[[Path], object]) -> None:
    newest = (build / "current").resolve()
    older = sorted((build / "releases").iterdir())[0]
    damage(newest)
    served, problem = serving_release(build / "current", build / "releases", fallback=True)
    assert served.path == older and problem is not None
    assert newest.name in problem and f"serving the newest intact release, {older.name}, instead" in problem


def test_serving_release_without_fallback_or_intact_release_refuses(build: Path) -> None:
    truncate_snapshot((build / "current").resolve())
    with pytest.raises(BrokenReleaseError):
        serving_release(build / "current", build / "releases", fallback=False)
    truncate_snapshot(sorted((build / "releases").iterdir())[0])
    with pytest.raises(BrokenReleaseError, match="no intact release is left"):
        serving_release(build / "current", build / "releases", fallback=True)
    with pytest.raises(NoReleaseError):
        serving_release(build / "nothing", build / "no-releases", fallback=True)


def test_serve_on_a_damaged_release_serves_the_previous_one_and_says_why(build: Path, tmp_path: Path) -> None:
    """The default: the previous intact release keeps serving; the log and /healthz say which and why."""
    damaged = (build / "current").resolve()
    truncate_snapshot(damaged)
    older = sorted((build / "releases").iterdir())[0].name
    (tmp_path / "serve").mkdir()
    server = start_server(tmp_path / "serve", damaged, query_workers="1")
    try:
        health = httpx.get(server.url + "/healthz").json()
        assert health["release"] == older and SNAPSHOT in health["release_problem"]
        answer = httpx.get(
            server.sparql, params={"query": "ASK { ?s ?p 'old' }"}, headers={"Accept": "application/json"}
        )
        assert answer.status_code == 200 and answer.json()["boolean"] is True
        assert answer.headers["X-Migkg-Release"] == older
        assert f"serving the newest intact release, {older}, instead" in server.log_tail()
    finally:
        server.stop()


def test_serve_refuses_to_start_on_a_damaged_release_without_fallback(build: Path, tmp_path: Path) -> None:
    """``migkg serve`` with MIGKG_RELEASE_FALLBACK=false: exit 1 at once, the file and the release to use in its
    message."""
    truncate_snapshot((build / "current").resolve())
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGKG_")}
    env |= {"MIGKG_BUILD_DIR": str(build), "MIGKG_STATE_DIR": str(tmp_path / "var"), "MIGKG_RELEASE_FALLBACK": "false"}
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--port", "9"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    older = sorted((build / "releases").iterdir())[0].name
    assert done.returncode == 1, done.stderr
    assert SNAPSHOT in done.stderr and f"migkg release use {older}" in done.stderr
    assert "Traceback" not in done.stderr
