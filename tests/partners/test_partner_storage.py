"""Durable partner graphs: commits survive restarts and kill -9, readers see whole generations only."""

from __future__ import annotations

import signal
import subprocess
import sys
from functools import partial
from pathlib import Path

import pyoxigraph as ox
import pytest
from storage_writer import GRAPH, version
from waiting import wait_until

from server import prefixes
from server.partners.storage import KEEP, PartnerStorage, WriteConflict
from server.settings import Settings

WRITER = Path(__file__).with_name("storage_writer.py")
OTHER = prefixes.GRAPH_PARTNER + "acme/events"
DESCRIPTION = [ox.Triple(ox.NamedNode(GRAPH), ox.NamedNode(prefixes.RDFS + "comment"), ox.Literal("described"))]


def in_graph(triples: list[ox.Triple], graph: str) -> set[ox.Quad]:
    return {ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph)) for t in triples}


def test_commit_is_read_back_by_a_new_storage_as_after_a_restart(tmp_path: Path) -> None:
    commit = PartnerStorage(tmp_path).commit(GRAPH, version(10, 0), DESCRIPTION, expect=None)
    restarted = PartnerStorage(tmp_path)
    assert restarted.generation() == commit.generation == 1
    assert set(restarted.graph_quads(GRAPH)) == in_graph(version(10, 0), GRAPH)
    assert set(restarted.quads()) == in_graph(version(10, 0), GRAPH) | in_graph(
        DESCRIPTION, prefixes.GRAPH_PARTNER_PROVENANCE
    )
    assert restarted.graphs()[GRAPH].triples == 10
    assert restarted.graphs()[GRAPH].version == commit.version


def test_generation_counts_every_commit_and_delete(tmp_path: Path) -> None:
    storage = PartnerStorage(tmp_path)
    assert storage.generation() == 0 and storage.quads() == []
    storage.commit(GRAPH, version(3, 0), [])
    storage.commit(OTHER, version(3, 1), [])
    storage.commit(GRAPH, version(3, 1), [])
    assert storage.generation() == 3
    assert storage.delete(GRAPH).generation == 4
    assert list(storage.graphs()) == [OTHER] and storage.graph_quads(GRAPH) == []


def test_commit_keeps_literals_as_written(tmp_path: Path) -> None:
    triple = ox.Triple(
        ox.NamedNode("https://example.org/p/1"),
        ox.NamedNode("https://example.org/count"),
        ox.Literal("01", datatype=ox.NamedNode(prefixes.XSD + "integer")),
    )
    PartnerStorage(tmp_path).commit(GRAPH, [triple], [])
    assert PartnerStorage(tmp_path).graph_quads(GRAPH)[0].object.value == "01"


def test_commit_expecting_another_version_changes_nothing(tmp_path: Path) -> None:
    storage = PartnerStorage(tmp_path)
    first = storage.commit(GRAPH, version(3, 0), [], expect=None)
    with pytest.raises(WriteConflict):
        storage.commit(GRAPH, version(3, 1), [], expect=None)
    with pytest.raises(WriteConflict):
        storage.commit(GRAPH, version(3, 1), [], expect="0123456789abcdef")
    assert storage.generation() == 1
    assert storage.commit(GRAPH, version(3, 1), [], expect=first.version).generation == 2


def test_commits_keep_a_bounded_history_on_disk(tmp_path: Path) -> None:
    storage = PartnerStorage(tmp_path)
    for i in range(KEEP + 5):
        storage.commit(
            GRAPH, version(2, i % 2), [ox.Triple(ox.NamedNode(GRAPH), ox.NamedNode(GRAPH), ox.Literal(str(i)))]
        )
    assert len(list((tmp_path / "manifests").iterdir())) == KEEP + 1
    assert len(list((tmp_path / "objects").iterdir())) == KEEP + 1
    assert not [p for p in tmp_path.rglob(".tmp-*")]


def test_partner_graphs_live_outside_the_build_directory() -> None:
    settings = Settings()
    assert not settings.partner_graphs_dir.is_relative_to(settings.build_dir)
    assert not settings.partners_file.is_relative_to(settings.build_dir)


def writing(storage: PartnerStorage, after: int) -> bool:
    """More than ``after`` commits are done and another is under way (one of its temporary files exists)."""
    return storage.generation() > after and any(storage.root.rglob(".tmp-*"))


def test_writer_killed_mid_write_leaves_one_whole_version(tmp_path: Path) -> None:
    """SIGKILL a real writer process in the middle of a commit (a temporary file is being written), a few commits
    later each trial: the storage holds exactly version 0 or version 1."""
    n = 10_000
    whole = {v: in_graph(version(n, v), GRAPH) for v in (0, 1)}
    for trial in range(4):
        root = tmp_path / f"trial-{trial}"
        proc = subprocess.Popen(
            [sys.executable, str(WRITER), str(root), str(n)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
            storage = PartnerStorage(root)
            after = 2 * trial + 1  # commits done before the one to kill: a different one each trial
            wait_until(partial(writing, storage, after), 60, f"the writer to write commit {after + 2} or later")
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        storage = PartnerStorage(root)
        found = set(storage.graph_quads(GRAPH))
        assert found in whole.values(), f"trial {trial}: {len(found)} triples, neither whole version"
        assert storage.graphs()[GRAPH].triples == n
        storage.commit(OTHER, version(1, 0), [])  # the next commit works and clears the killed writer's leftovers
        assert not list(root.rglob(".tmp-*"))


@pytest.mark.build
def test_committed_graph_survives_a_build_and_its_new_release(tmp_path: Path) -> None:
    """Partner graphs live under the state directory, outside build/ and its releases: a whole ``migkg build``
    (publishing a new release and switching build/current) leaves them as they were."""
    from server.pipeline import build
    from server.settings import REPO_ROOT

    settings = Settings(repo_dir=REPO_ROOT, build_dir=tmp_path / "build", state_dir=tmp_path / "state")
    storage = PartnerStorage(settings.partner_graphs_dir)
    storage.commit(GRAPH, version(10, 0), DESCRIPTION, expect=None)
    before = (storage.generation(), set(storage.quads()))
    result = build.run(settings)
    assert result.release is not None and settings.state_dir not in result.release.parents
    after = PartnerStorage(settings.partner_graphs_dir)
    assert (after.generation(), set(after.quads())) == before
