"""Measure what a query worker pays when partner graphs change, and write ``build/bench/partner-reload.md``.

    .venv/bin/python -m tools.bench_partner_reload [--release build/current] [--synthetic 1000000]
                                                  [--partner 100,10000] [--runs 5] [--out build/bench]

Before each query a worker compares the partner storage's generation with the one it loaded; when a commit moved
it, the worker reads the new generation's quads and swaps them for the old ones. Two ways to swap are timed on
the same store, each replacing a partner graph of N triples by another N triples (none in common, as a full
replace of a graph gives):

* incremental (what ``EmbeddedStore`` does, ``server.unions.replace``): remove the old quads, add the new ones,
  add their triples to the union default graph and remove from it the old triples no named graph still holds;
* full: drop the partner graphs, add the new ones, clear the default graph and form the union again from
  every graph (``server.unions.form``), as at start-up.

Also timed: reading one generation from the partner storage (``PartnerStorage.quads``: N-Quads files parsed), and
a whole write as a worker sees it: commit, then the next query (reload and a cheap ASK) on an ``EmbeddedStore``.
The release is the current build's snapshot and a synthetic one of ``--synthetic`` quads (1,000 triples per
named graph, one triple in ten stated by two graphs, as corroborated facts are).
"""

from __future__ import annotations

import argparse
import functools
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from server import prefixes, unions
from server.partners.storage import PartnerStorage
from server.settings import REPO_ROOT
from server.store.embedded import EmbeddedStore, load_snapshot
from server.store.partners import read

GRAPH = prefixes.GRAPH_PARTNER + "bench/programmes"
EX = "https://example.org/agency/"
PROBE = f"ASK {{ <{EX}programme/0> ?p ?o }}"  # a cheap query: what is timed is the reload before it


def partner_quads(n: int, version: int) -> list[ox.Quad]:
    """``n`` programme-like quads in the partner graph; versions share no triple."""
    graph = ox.NamedNode(GRAPH)
    return [
        ox.Quad(
            ox.NamedNode(f"{EX}programme/{i // 4}"), ox.NamedNode(f"{EX}p{i % 4}"), ox.Literal(f"v{version} {i}"), graph
        )
        for i in range(n)
    ]


def write_synthetic(path: Path, quads: int) -> None:
    """``quads`` quads, 1,000 per graph; every tenth triple is stated again in the next graph."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(quads):
            graph = i // 1000
            triple = i - 1000 if i % 10 == 0 and i >= 1000 else i
            out.write(f'<{EX}s/{triple // 8}> <{EX}p/{triple % 8}> "o {triple}" <{EX}g/{graph}> .\n')


def incremental(store: ox.Store, old: list[ox.Quad], new: list[ox.Quad]) -> None:
    unions.replace(store, old, new)


def full(store: ox.Store, old: list[ox.Quad], new: list[ox.Quad]) -> None:
    for graph in {q.graph_name for q in old}:
        store.remove_graph(graph)
    store.extend(new)
    store.clear_graph(ox.DefaultGraph())
    unions.form(store)


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def swaps(snapshot: Path, n: int, runs: int) -> dict[str, list[float]]:
    """Seconds per swap of an ``n``-triple partner graph, each way, alternating on one store."""
    store = load_snapshot(snapshot)
    versions = [partner_quads(n, 0), partner_quads(n, 1)]
    unions.replace(store, [], versions[0])
    times: dict[str, list[float]] = {"incremental": [], "full": []}
    current = 0
    for _ in range(runs):
        for name, swap in (("incremental", incremental), ("full", full)):
            old, new = versions[current], versions[1 - current]
            times[name].append(timed(functools.partial(swap, store, old, new)))
            current = 1 - current
    expected = len(set(unions.triples(load_snapshot(snapshot)))) + n
    assert len(unions.triples(store)) == expected, "both ways must leave the same union"
    return times


def write_to_query(snapshot: Path, n: int, runs: int) -> dict[str, list[float]]:
    """A commit through PartnerStorage, then the next query on an EmbeddedStore following it (reload + a cheap ASK)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        storage = PartnerStorage(root)
        triples = [[q.triple for q in partner_quads(n, v)] for v in (0, 1)]
        storage.commit(GRAPH, triples[0], [])
        store = EmbeddedStore(snapshot, root)
        times: dict[str, list[float]] = {"commit": [], "read": [], "next query": []}
        for run in range(runs):
            times["commit"].append(timed(functools.partial(storage.commit, GRAPH, triples[(run + 1) % 2], [])))
            times["read"].append(timed(functools.partial(read, storage)))
            times["next query"].append(timed(functools.partial(store.query, PROBE, accept=None)))
        return times


def cell(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:,.0f} ms (max {max(values) * 1000:,.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--release", type=Path, default=REPO_ROOT / "build" / "current")
    parser.add_argument("--synthetic", type=int, default=1_000_000)
    parser.add_argument("--partner", default="100,10000", help="partner graph sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "build" / "bench")
    args = parser.parse_args()
    sizes = [int(s) for s in args.partner.split(",")]
    lines = [
        "# Partner graphs: what a query worker pays when they change",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {platform.processor() or platform.machine()}, "
        f"pyoxigraph {ox.__version__}; median of {args.runs} runs (max).",
        "",
        "| release | partner graph | incremental swap | full re-form | commit | read generation "
        "| commit → next query |",
        "|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        synthetic = Path(tmp) / "synthetic.nq"
        write_synthetic(synthetic, args.synthetic)
        releases = {
            "this release": (args.release / "snapshot.nq").resolve(),
            f"synthetic {args.synthetic:,}": synthetic,
        }
        for name, snapshot in releases.items():
            quads = sum(1 for _ in snapshot.open("rb"))
            for n in sizes:
                swap = swaps(snapshot, n, args.runs)
                whole = write_to_query(snapshot, n, args.runs)
                row = [f"{name} ({quads:,} quads)", f"{n:,} triples", cell(swap["incremental"]), cell(swap["full"]),
                       cell(whole["commit"]), cell(whole["read"]), cell(whole["next query"])]  # fmt: skip
                lines.append("| " + " | ".join(row) + " |")
                print(lines[-1], flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "partner-reload.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out / 'partner-reload.md'}")


if __name__ == "__main__":
    main()
