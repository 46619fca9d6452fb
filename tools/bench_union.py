"""``python -m tools.bench_union``: every catalogue query timed in-process over several representations of the
served union of build/current, written to ``build/bench/union.{json,md}`` (a measurement, never asserted in tests).

Representations (all pyoxigraph in-memory stores of the same snapshot):

* ``endpoint``: the store exactly as a query worker holds it (``embedded.load_snapshot`` + the VoID partitions);
* ``update-formed``: the union copied into the default graph by one SPARQL UPDATE (``UPDATE_FORMED``), the way
  ``server.unions.form`` formed it before issue 11 — kept here to show what it cost;
* ``union-flag``: the named graphs only, queried with ``use_default_graph_as_union=True`` (counts a triple once per
  graph holding it: oxigraph #1919, so its row counts may differ).

Each query runs once to warm up, then ``--runs`` times (fewer once a run passes ``--slow`` seconds); the median is
reported. Queries run one after another in this process: take the figures as relative, on a shared machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from server import partitions, prefixes
from server.release import NoReleaseError, open_current
from server.settings import Settings
from server.store.embedded import load_snapshot
from tools.bench import machine, write_report

UPDATE_FORMED = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
Representation = tuple[ox.Store, bool]  # the store, and whether to query it with use_default_graph_as_union


def representations(snapshot: Path) -> dict[str, Representation]:
    endpoint = partitions.refresh(load_snapshot(snapshot))
    formed = ox.Store()
    formed.bulk_load(path=snapshot, format=ox.RdfFormat.N_QUADS)
    formed.update(UPDATE_FORMED)
    flag = ox.Store()
    flag.bulk_load(path=snapshot, format=ox.RdfFormat.N_QUADS)
    return {"endpoint": (endpoint, False), "update-formed": (formed, False), "union-flag": (flag, True)}


def time_query(store: ox.Store, union: bool, query: str, runs: int, slow: float) -> dict[str, float]:
    """Median milliseconds and the number of rows (1/0 for ASK) of ``query``."""
    predeclared = prefixes.namespaces(prefixes.BASE)

    def once() -> tuple[float, int]:
        started = time.perf_counter()
        result = store.query(query, base_iri=prefixes.BASE, prefixes=predeclared, use_default_graph_as_union=union)
        rows = int(bool(result)) if isinstance(result, ox.QueryBoolean) else sum(1 for _ in result)
        return (time.perf_counter() - started) * 1000, rows

    elapsed, rows = once()
    times = [elapsed] if elapsed > slow * 1000 else []
    while len(times) < runs and not (times and times[-1] > slow * 1000):
        elapsed, rows = once()
        times.append(elapsed)
    return {"median_ms": round(statistics.median(times), 1), "runs": len(times), "rows": rows}


def run(settings: Settings, runs: int, slow: float, say: Callable[[str], None] = print) -> Path:
    release = open_current(settings.current_release)
    stores = representations(release.snapshot)
    info: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "release": release.id,
        "machine": machine(),
        "pyoxigraph": ox.__version__,
        "runs": runs,
        "representations": list(stores),
        "queries": [],
    }
    for path in sorted(settings.queries_dir.glob("*.rq")):
        query = path.read_text(encoding="utf-8")
        timings = {name: time_query(store, flag, query, runs, slow) for name, (store, flag) in stores.items()}
        info["queries"].append({"query": path.stem, **timings})
        say(f"  {path.stem}: " + ", ".join(f"{n} {t['median_ms']} ms" for n, t in timings.items()))
    return write_report(settings, "union", info, markdown(info))


def markdown(info: dict[str, Any]) -> str:
    names = info["representations"]
    m = info["machine"]
    slowest = sorted(info["queries"], key=lambda q: -max(q[n]["median_ms"] for n in names))
    lines = [
        "# Catalogue queries over representations of the union",
        "",
        f"Release `{info['release']}`, {info['date']}, pyoxigraph {info['pyoxigraph']}, in-process, median of up to "
        f"{info['runs']} runs after a warm-up, on {m['host']} ({m['cpus']} CPUs, load average "
        f"{' / '.join(map(str, m['load_average']))}). Slowest first; rows are those of each representation.",
        "",
        "| Query | " + " | ".join(f"{n} ms" for n in names) + " | " + " | ".join(f"{n} rows" for n in names) + " |",
        "|---|" + "---:|" * (2 * len(names)),
    ]
    for q in slowest:
        cells = [str(q[n]["median_ms"]) for n in names] + [str(q[n]["rows"]) for n in names]
        lines.append(f"| {q['query']} | " + " | ".join(cells) + " |")
    return "\n".join([*lines, "", "Written by `python -m tools.bench_union`.", ""])


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.bench_union", description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5, help="timed runs per query and representation (default 5)")
    p.add_argument("--slow", type=float, default=2.0, help="seconds after which a query is not run again")
    args = p.parse_args(argv)
    try:
        out = run(Settings(), args.runs, args.slow, say=_say)
    except NoReleaseError as e:
        _say(f"error: {e} (run `make build` first)")
        return 1
    sys.stdout.write((out / "union.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
