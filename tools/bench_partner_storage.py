"""Measure the two candidate storages for partner graphs and write ``build/bench/partner-storage.md``.

    .venv/bin/python -m tools.bench_partner_storage [--triples 10000] [--runs 5] [--kills 10] [--out build/bench]

Candidates (DESIGN §5 "Partner writes need durability"):

* files: ``server.partners.storage`` — one sorted N-Quads file per graph version, a manifest per generation and
  a ``current`` symlink replaced atomically (each step fsync'd) as the commit point;
* rocksdb: pyoxigraph's on-disk ``Store(path)``, the graph replaced by one SPARQL Update
  (``DROP SILENT GRAPH …; INSERT DATA {…}``, one transaction), then ``flush()``.

For each: the latency of replacing a graph of ``--triples`` triples until it is durable (median and max of
``--runs``), the time to read every partner graph back at server start into an in-memory store (what a query
worker does), and kill -9 safety: a writer subprocess alternates two versions of the graph (v0 and v1, each
``--triples`` triples) as fast as it can and is killed with SIGKILL at a random moment, ``--kills`` times; the
storage must then hold exactly v0 or exactly v1. Whether literals keep their lexical form is checked too.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from server import prefixes
from server.partners.storage import PartnerStorage
from server.settings import REPO_ROOT

GRAPH = prefixes.GRAPH_PARTNER + "bench/programmes"
EX = "https://example.org/agency/"
XSD_INTEGER = ox.NamedNode(prefixes.XSD + "integer")
VERSION = ox.NamedNode(EX + "version")


def triples(n: int, version: int) -> list[ox.Triple]:
    """``n`` triples of programme-like data; ``version`` changes every object, so v0 and v1 share nothing."""
    out = [ox.Triple(ox.NamedNode(EX + "dataset"), VERSION, ox.Literal(str(version), datatype=XSD_INTEGER))]
    for i in range(n - 1):
        subject = ox.NamedNode(f"{EX}programme/{i // 4}")
        predicate = ox.NamedNode(f"{EX}p{i % 4}")
        out.append(ox.Triple(subject, predicate, ox.Literal(f"v{version} value {i}")))
    return out


def literal_probe() -> ox.Triple:
    return ox.Triple(ox.NamedNode(EX + "probe"), ox.NamedNode(EX + "count"), ox.Literal("01", datatype=XSD_INTEGER))


# --- candidate: files -----------------------------------------------------------------------------------------


def files_write(root: Path, data: list[ox.Triple]) -> None:
    """A commit as the writer makes one: its description (here a counter) differs each time, so each commit
    writes the whole graph's file anew."""
    storage = PartnerStorage(root)
    about = [ox.Triple(ox.NamedNode(GRAPH), ox.NamedNode(EX + "commit"), ox.Literal(str(storage.generation())))]
    storage.commit(GRAPH, data, about)


def files_read(root: Path) -> list[ox.Quad]:
    store = ox.Store()
    store.extend(PartnerStorage(root).quads())
    return list(store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH)))


# --- candidate: rocksdb -----------------------------------------------------------------------------------------


def _update_text(data: list[ox.Triple]) -> str:
    body = (ox.serialize(data, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
    return f"DROP SILENT GRAPH <{GRAPH}> ; INSERT DATA {{ GRAPH <{GRAPH}> {{\n{body}}} }}"


def rocksdb_writer(root: Path) -> Callable[[list[ox.Triple]], None]:
    store = ox.Store(str(root))  # the one writer keeps it open (RocksDB allows one read-write opener)

    def write(data: list[ox.Triple]) -> None:
        store.update(_update_text(data))
        store.flush()

    return write


def rocksdb_read(root: Path) -> list[ox.Quad]:
    disk = ox.Store.read_only(str(root))
    store = ox.Store()
    store.extend(disk.quads_for_pattern(None, None, None, None))
    return list(store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH)))


def rocksdb_recover(root: Path) -> list[ox.Quad]:
    """What a restarted writer finds (a read-write open replays RocksDB's write-ahead log)."""
    store = ox.Store(str(root))
    return list(store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH)))


def stored(kind: str, root: Path) -> list[ox.Quad]:
    """The graph as the storage itself gives it back (before any in-memory store sees it)."""
    if kind == "files":
        return PartnerStorage(root).graph_quads(GRAPH)
    return list(ox.Store.read_only(str(root)).quads_for_pattern(None, None, None, ox.NamedNode(GRAPH)))


# --- the writer subprocess killed with SIGKILL ----------------------------------------------------------------------


def child(kind: str, root: Path, n: int) -> None:
    """Alternate v0 and v1 forever (until killed); print "ready" after the first commit."""
    versions = [triples(n, 0), triples(n, 1)]
    write = rocksdb_writer(root) if kind == "rocksdb" else lambda data: files_write(root, data)
    write(versions[0])
    print("ready", flush=True)
    i = 1
    while True:
        write(versions[i % 2])
        i += 1


def kill_trial(kind: str, root: Path, n: int, rng: random.Random) -> str:
    """One trial: start the writer, kill it at a random moment, report what the storage holds."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tools.bench_partner_storage", "--child", kind, str(root), str(n)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(rng.uniform(0.05, 1.5))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    found = files_read(root) if kind == "files" else rocksdb_recover(root)
    values = {str(q.object) for q in found if q.predicate == VERSION}
    g = ox.NamedNode(GRAPH)
    expected = {v: {ox.Quad(t.subject, t.predicate, t.object, g) for t in triples(n, v)} for v in (0, 1)}
    whole = next((v for v, quads in expected.items() if set(found) == quads), None)
    return f"whole v{whole}" if whole is not None else f"MIXED/PARTIAL ({len(found)} triples, versions {values})"


# --- measurements ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    write_median: float
    write_max: float
    read_median: float
    disk_bytes: int
    literal: str
    kills: list[str]


def measure(kind: str, workdir: Path, n: int, runs: int, kills: int) -> Measured:
    root = workdir / kind
    versions = [triples(n, 0), triples(n, 1)]
    write = rocksdb_writer(root) if kind == "rocksdb" else lambda data: files_write(root, data)
    write([*versions[0], literal_probe()])
    latencies = []
    for i in range(runs):
        started = time.perf_counter()
        write([*versions[(i + 1) % 2], literal_probe()])
        latencies.append(time.perf_counter() - started)
    del write  # the rocksdb writer closes its store when collected
    reads = []
    for _ in range(runs):
        started = time.perf_counter()
        found = files_read(root) if kind == "files" else rocksdb_read(root)
        reads.append(time.perf_counter() - started)
    del found
    probe = next(q.object for q in stored(kind, root) if q.predicate.value == EX + "count")
    rng = random.Random(9)
    return Measured(
        write_median=statistics.median(latencies),
        write_max=max(latencies),
        read_median=statistics.median(reads),
        disk_bytes=sum(p.stat().st_size for p in root.rglob("*") if p.is_file()),
        literal=str(probe),
        kills=[kill_trial(kind, workdir / f"{kind}-kill-{k}", n, rng) for k in range(kills)],
    )


def report(results: dict[str, Measured], n: int, runs: int) -> str:
    lines = [
        "# Partner graph storage: files + manifest vs pyoxigraph on-disk store",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, pyoxigraph {ox.__version__}; a graph of {n} triples, {runs} runs "
        "(machine shared with other work: ratios matter more than absolutes).",
        "",
        "| candidate | replace graph, durable (median / max) | read back at start into memory (median) | "
        'on disk | `"01"^^xsd:integer` read back as | kill -9 mid-write |',
        "|---|---|---|---|---|---|",
    ]
    for kind, r in results.items():
        whole = sum(k.startswith("whole") for k in r.kills)
        lines.append(
            f"| {kind} | {r.write_median:.3f} s / {r.write_max:.3f} s | {r.read_median:.3f} s | "
            f"{r.disk_bytes / 1e6:.1f} MB | `{r.literal}` | {whole}/{len(r.kills)} whole "
            f"({', '.join(sorted(set(r.kills)))}) |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))
        return 0
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--triples", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--kills", type=int, default=10)
    p.add_argument("--out", type=Path, default=Path("build/bench"))
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="partner-storage-") as tmp:
        results = {kind: measure(kind, Path(tmp), args.triples, args.runs, args.kills) for kind in ("files", "rocksdb")}
    text = report(results, args.triples, args.runs)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "partner-storage.md").write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
