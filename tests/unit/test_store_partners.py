"""Partner graphs served by the store beside the release: loaded at start, followed commit by commit by every
query worker before each query, in the union default graph once per distinct triple."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from partner_graphs import PROGRAMME, PROGRAMMES, publish, withdraw
from waiting import wait_until

from server import prefixes
from server.release import Release
from server.store.base import QueryFailed
from server.store.embedded import EmbeddedStore, OnDisk
from server.store.pool import SCRATCH_PREFIX, WorkerPool, scratch_prefix

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "release"
SNAPSHOT = FIXTURE / "snapshot.nq"
EVENT, CUENCA = prefixes.ID + "event/fibemyd-2008", prefixes.ID + "place/cuenca"
HELD_IN = f"<{EVENT}> <{prefixes.MIG}heldIn> <{CUENCA}> ."  # stated by two excerpts of the fixture release
PARTNER_FACTS = f"<{PROGRAMME}> <{prefixes.RDFS}label> 'Programa' ; <{prefixes.MIG}implementedIn> <{CUENCA}> ."
COUNT = "SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"


def count(store: EmbeddedStore | WorkerPool, pattern: str) -> int:
    body = store.query(COUNT.format(pattern=pattern), accept="text/csv").body
    return int(body.split()[-1])


def sees_programme(store: EmbeddedStore | WorkerPool) -> bool:
    return count(store, f"<{PROGRAMME}> ?p ?o") > 0


@pytest.fixture
def partners_dir(tmp_path: Path) -> Path:
    return tmp_path / "partner-graphs"


@pytest.fixture
def open_store(published: Path | None, tmp_path: Path) -> Callable[[Path | None], EmbeddedStore]:
    """A store over the fixture release (a copy in memory, or a checkpoint of its on-disk store) and ``partners``."""
    checkpoints = iter(range(100))

    def opened(partners: Path | None) -> EmbeddedStore:
        on_disk = OnDisk(published, tmp_path / f"checkpoint-{next(checkpoints)}") if published is not None else None
        return EmbeddedStore(SNAPSHOT, partners, on_disk=on_disk)

    return opened


@pytest.fixture
def pool(partners_dir: Path, published: Path | None) -> Iterator[WorkerPool]:
    pool = WorkerPool(SNAPSHOT, workers=2, timeout=30.0, partners_dir=partners_dir, published=published)
    assert pool.wait_ready(60), pool.failure
    wait_until(lambda: pool.status()["loaded"] == 2, 60, "two loaded workers", pool.status)
    yield pool
    pool.close()


def test_see_commit_and_delete_at_next_query_on_every_worker(pool: WorkerPool, partners_dir: Path) -> None:
    """Idle workers wait in a FIFO queue, so ``workers`` consecutive queries are answered by each worker in turn."""
    assert [sees_programme(pool) for _ in range(2)] == [False, False]
    publish(partners_dir, PARTNER_FACTS)
    assert [sees_programme(pool) for _ in range(2)] == [True, True]
    assert [sees_programme(pool) for _ in range(2)] == [True, True]
    withdraw(partners_dir)
    assert [sees_programme(pool) for _ in range(2)] == [False, False]


def test_list_partner_graphs_of_current_generation_in_pool_graphs(pool: WorkerPool, partners_dir: Path) -> None:
    release = Release.open(FIXTURE).metadata.graphs
    assert pool.graphs() == release
    publish(partners_dir, PARTNER_FACTS)
    graphs = pool.graphs()
    assert graphs[PROGRAMMES] == 2 and graphs[prefixes.GRAPH_PARTNER_PROVENANCE] > 0
    assert {g: n for g, n in graphs.items() if g in release} == release
    withdraw(partners_dir)
    assert pool.graphs() == release


def test_count_triple_stated_by_release_and_partner_once_in_union(
    partners_dir: Path, open_store: Callable[[Path | None], EmbeddedStore]
) -> None:
    store = open_store(partners_dir)
    publish(partners_dir, f"{HELD_IN} {PARTNER_FACTS}")
    assert count(store, HELD_IN) == 1
    assert count(store, f"GRAPH <{PROGRAMMES}> {{ {HELD_IN} }}") == 1
    assert count(store, f"GRAPH ?g {{ {HELD_IN} }}") == 3  # two excerpts and the partner graph
    withdraw(partners_dir)
    assert count(store, HELD_IN) == 1  # the release still states it
    assert count(store, f"<{PROGRAMME}> ?p ?o") == 0
    assert count(store, f"GRAPH <{prefixes.GRAPH_PARTNER_PROVENANCE}> {{ ?s ?p ?o }}") == 0
    assert store.graphs() == Release.open(FIXTURE).metadata.graphs


def test_replace_partner_graph_removing_only_triples_no_graph_states(
    partners_dir: Path, open_store: Callable[[Path | None], EmbeddedStore]
) -> None:
    store = open_store(partners_dir)
    publish(partners_dir, f"{HELD_IN} {PARTNER_FACTS}")
    publish(partners_dir, f"<{PROGRAMME}> <{prefixes.RDFS}label> 'Programa' .")
    assert count(store, f"<{PROGRAMME}> ?p ?o") == 1
    assert count(store, HELD_IN) == 1
    assert store.graphs()[PROGRAMMES] == 1


def test_load_partner_graphs_committed_before_start(
    partners_dir: Path, open_store: Callable[[Path | None], EmbeddedStore]
) -> None:
    publish(partners_dir, PARTNER_FACTS)
    restarted = open_store(partners_dir)
    assert sees_programme(restarted) and restarted.graphs()[PROGRAMMES] == 2
    assert not sees_programme(open_store(None))  # no partners directory: the release alone


def test_never_show_half_a_swap_to_concurrent_queries(
    partners_dir: Path, open_store: Callable[[Path | None], EmbeddedStore]
) -> None:
    """Two versions of a graph, 200 triples each and none in common, committed in turn while queries count the
    partner's triples in the union: every count is a whole version's."""
    versions = [
        " ".join(f"<{PROGRAMME}/{i}> <{prefixes.RDFS}label> 'v{v} {i}' ." for i in range(200)) for v in range(2)
    ]
    publish(partners_dir, versions[0])
    store = open_store(partners_dir)
    pattern = f'?s <{prefixes.RDFS}label> ?o FILTER(STRSTARTS(STR(?s), "{PROGRAMME}/"))'
    seen: list[int] = []
    done = threading.Event()

    def query() -> None:
        while not done.is_set():
            seen.append(count(store, pattern))

    readers = [threading.Thread(target=query) for _ in range(2)]
    for reader in readers:
        reader.start()
    for commit in range(1, 9):
        publish(partners_dir, versions[commit % 2])
        served = f"?s ?p 'v{commit % 2} 0'"
        wait_until(lambda: count(store, served) == 1, 30, f"commit {commit} to be served")  # noqa: B023 (called now)
    done.set()
    for reader in readers:
        reader.join()
    assert seen and set(seen) == {200}


def test_fail_the_query_and_keep_serving_when_partner_graphs_cannot_be_read(
    partners_dir: Path, open_store: Callable[[Path | None], EmbeddedStore]
) -> None:
    store = open_store(partners_dir)
    publish(partners_dir, PARTNER_FACTS)
    for stored in (partners_dir / "objects").glob("*.nq"):
        stored.write_text("<not N-Quads", encoding="utf-8")
    with pytest.raises(QueryFailed, match="partner graphs could not be read"):
        sees_programme(store)
    publish(partners_dir, f"<{PROGRAMME}> <{prefixes.RDFS}label> 'Programa' .")  # a new object file, readable
    assert count(store, f"<{PROGRAMME}> ?p ?o") == 1


# --- the release's on-disk store shared by workers (Settings.store_memory "disk") ----------------------------------


def files_of(directory: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in directory.iterdir()}


def test_leave_published_store_unchanged_when_a_checkpoint_takes_partner_graphs(
    partners_dir: Path, fixture_store: Path, tmp_path: Path
) -> None:
    before = files_of(fixture_store)
    store = EmbeddedStore(SNAPSHOT, partners_dir, on_disk=OnDisk(fixture_store, tmp_path / "checkpoint"))
    publish(partners_dir, PARTNER_FACTS)
    assert sees_programme(store)
    store.close()
    assert files_of(fixture_store) == before
    assert not sees_programme(EmbeddedStore(SNAPSHOT, on_disk=OnDisk(fixture_store)))


def test_refuse_partner_graphs_on_read_only_store(partners_dir: Path, fixture_store: Path) -> None:
    with pytest.raises(ValueError, match="read-only"):
        EmbeddedStore(SNAPSHOT, partners_dir, on_disk=OnDisk(fixture_store))


def test_remove_worker_checkpoints_when_workers_stop_and_those_of_gone_servers(
    partners_dir: Path, fixture_store: Path
) -> None:
    releases = fixture_store.parent.parent
    gone = subprocess.Popen([sys.executable, "-c", ""])
    gone.wait()
    left = releases / f"{scratch_prefix(gone.pid)}x"
    (left / "store").mkdir(parents=True)
    pool = WorkerPool(SNAPSHOT, workers=1, timeout=30.0, partners_dir=partners_dir, published=fixture_store)
    try:
        assert pool.wait_ready(60), pool.failure
        assert not left.exists()
        (first,) = releases.glob(f"{SCRATCH_PREFIX}*")
        (worker,) = pool._workers
        os.kill(worker.process.pid, signal.SIGKILL)  # as at a deadline: the worker cannot clean up itself
        worker.process.join(10)
        assert sees_programme(pool) is False  # the pool replaces it; the replacement has a checkpoint of its own
        wait_until(lambda: not first.exists(), 30, "the dead worker's checkpoint to be removed")
    finally:
        pool.close()
    assert not list(releases.glob(f"{SCRATCH_PREFIX}*"))
