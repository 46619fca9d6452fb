"""``python -m tools.bench_memory`` (``make bench-memory``): what a replica's memory costs with its query workers
holding the release as a copy in memory each (``MIGKG_STORE_MEMORY=copy``) or sharing the release's on-disk store
(``disk``), one run, written to files (never asserted in tests).

Data: seeded synthetic releases (``tools.synthetic``, default 1M and 10M triples) as ``tools.bench_compare`` makes
them, plus the on-disk store ``migkg build`` publishes beside the snapshot (``embedded.publish_store``: its time and
size are reported). For each size, mode and worker count (default 1, 2, 4) a real ``migkg serve`` is started on
loopback (``tools.loopback``) and measured:

* start-up: seconds from the process start until every worker has loaded (``/healthz``);
* memory: the sum over the server process and all its descendants (query workers, the partner writer) of their PSS
  (``/proc/<pid>/smaps_rollup``: a page shared by N processes counts 1/N to each, so the page cache of the shared
  store is counted once), taken once it has stopped growing after the query mix; RSS summed beside it for reference
  (it counts shared pages once per process); and, in disk mode, how much of the store is in the page cache
  (``fincore``): the kernel's, shared by every process and every replica on the host, and given back under memory
  pressure, so not counted in PSS;
* latency: a small fixed mix (``bench_compare.synthetic_mix``: lookup, label search, joins, group-by, optional,
  order-by, ask, construct) sent one at a time, once to warm up and ``--passes`` times measured; p50 and p95.

A run whose memory can be predicted to pass ``--limit-gb`` (copy mode: every worker and the writer hold a copy, about
``COPY_GB_PER_MILLION`` GB per million triples each) is not started, so the shared machine is not driven out of
memory: it is listed with its prediction instead. Writes ``<build>/bench/memory.json`` and ``memory.md`` after each
run, keeping the runs of other sizes, modes and worker counts already there (so 1M and 10M can be run apart).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from server.release import METADATA, SNAPSHOT, STORE, FileInfo, ReleaseMetadata
from server.settings import Settings
from tools.bench_compare import Request, size_name, synthetic_mix, synthetic_release
from tools.loopback import start_server, wait_workers_loaded

COPY_GB_PER_MILLION = 1.0  # one in-memory copy of the release, union formed (measured here: 1M, one worker)
START_TIMEOUT = 1800.0
GiB = 1024**3


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                queue.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:
                continue
    return found


def memory_of(pid: int) -> dict[str, int]:
    """PSS and RSS in bytes, summed over ``pid`` and its descendants, and how many processes they are."""
    pss = rss = count = 0
    for each in descendants(pid):
        try:
            rollup = Path(f"/proc/{each}/smaps_rollup").read_text()
        except OSError:
            continue
        fields = {line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:] if line.endswith("kB")}
        pss, rss, count = pss + fields.get("Pss", 0) * 1024, rss + fields.get("Rss", 0) * 1024, count + 1
    return {"pss": pss, "rss": rss, "processes": count}


def settled_memory(pid: int, seconds: float = 60.0) -> dict[str, int]:
    """``memory_of`` once its PSS has grown by less than 1% over two seconds (the writer loads in the background)."""
    deadline, before = time.monotonic() + seconds, memory_of(pid)
    while time.monotonic() < deadline:
        time.sleep(2)
        now = memory_of(pid)
        if now["pss"] < before["pss"] * 1.01:
            return now
        before = now
    return before


def cached_bytes(directory: Path) -> int:
    """How many bytes of the files under ``directory`` are in the page cache now (``fincore``)."""
    files = [str(p) for p in directory.rglob("*") if p.is_file()]
    done = subprocess.run(
        ["fincore", "--bytes", "--noheadings", "--raw", "--output", "RES", *files],
        capture_output=True,
        text=True,
        check=True,
    )
    return sum(int(line) for line in done.stdout.split())


def latencies(url: str, requests: list[Request], passes: int) -> dict[str, Any]:
    """One warm-up pass, then ``passes`` timed passes over ``requests``, one at a time; milliseconds."""
    times: list[float] = []
    failed = 0
    with httpx.Client(timeout=300) as client:
        for n in range(passes + 1):
            for request in requests:
                started = time.perf_counter()
                response = client.get(url, params={"query": request.query}, headers={"Accept": request.accept})
                if n:
                    times.append((time.perf_counter() - started) * 1000)
                    failed += not response.is_success
    times.sort()
    return {
        "requests": len(times),
        "failed": failed,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "mean_ms": round(statistics.fmean(times), 1),
    }


def with_store(directory: Path, say: Callable[[str], None]) -> dict[str, Any]:
    """The release at ``directory`` with its on-disk store (published unless there), listed in its metadata by size
    (as ``migkg build`` lists it); the time it took and its size."""
    from server.store.embedded import publish_store

    store, meta_file = directory / STORE, directory / METADATA
    timings: dict[str, Any] = {}
    if not store.is_dir():
        say(f"publishing the on-disk store of {directory.name}")
        started = time.perf_counter()
        publish_store(directory / SNAPSHOT, store)
        timings["publish_s"] = round(time.perf_counter() - started, 1)
        meta = ReleaseMetadata.from_json(meta_file.read_text(encoding="utf-8"))
        files = {
            p.relative_to(directory).as_posix(): FileInfo(p.stat().st_size, "") for p in store.rglob("*") if p.is_file()
        }
        meta_file.write_text(replace(meta, files={**meta.files, **files}).to_json(), encoding="utf-8")
    timings["store_bytes"] = sum(p.stat().st_size for p in store.rglob("*") if p.is_file())
    timings["snapshot_bytes"] = (directory / SNAPSHOT).stat().st_size
    return timings


def predicted_gb(mode: str, triples: int, workers: int) -> float:
    """What a copy-mode replica will hold at least: a copy per worker and one for the partner writer."""
    return COPY_GB_PER_MILLION * triples / 1e6 * (workers + 1) if mode == "copy" else 0.0


def measure(release: Path, work: Path, mode: str, workers: int, requests: list[Request], passes: int) -> dict[str, Any]:
    started = time.monotonic()
    server = start_server(
        work, release, start_timeout=START_TIMEOUT, query_workers=str(workers), store_memory=mode, query_timeout="300"
    )
    try:
        wait_workers_loaded(server, workers, START_TIMEOUT)
        startup = time.monotonic() - started
        latency = latencies(server.sparql, requests, passes)
        memory = settled_memory(server.process.pid)
        cached = cached_bytes(release / STORE) if mode == "disk" else 0
    finally:
        server.stop()
    return {
        "startup_s": round(startup, 1),
        **latency,
        **memory,
        "pss_gb": round(memory["pss"] / GiB, 2),
        "store_cached_gb": round(cached / GiB, 2),
    }


def run(settings: Settings, args: argparse.Namespace, say: Callable[[str], None] = print) -> Path:
    out_dir = settings.build_dir / "bench"
    data_dir = out_dir / "memory-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    earlier = json.loads((out_dir / "memory.json").read_text()) if (out_dir / "memory.json").exists() else {}
    sizes: list[dict[str, Any]] = earlier.get("sizes", [])
    cells: list[dict[str, Any]] = earlier.get("cells", [])
    for triples in args.sizes:
        directory = data_dir / f"synthetic-{size_name(triples)}"
        summary = synthetic_release(directory, triples, args.seed, say)
        size = {"name": size_name(triples), "triples": summary.triples, **with_store(directory, say)}
        sizes = [*(s for s in sizes if s["name"] != size["name"]), {**_same(sizes, size["name"]), **size}]
        requests = synthetic_mix(summary.rounds, args.seed, per_template=args.per_template)
        for mode in args.modes:
            for workers in args.workers:
                cell: dict[str, Any] = {"size": size_name(triples), "mode": mode, "workers": workers}
                cells = [c for c in cells if (c["size"], c["mode"], c["workers"]) != (cell["size"], mode, workers)]
                prediction = predicted_gb(mode, summary.triples, workers)
                if prediction > args.limit_gb:
                    say(f"{cell}: skipped, would hold about {prediction:.1f} GB (over --limit-gb {args.limit_gb})")
                    cells.append({**cell, "skipped": f"predicted >= {prediction:.1f} GB"})
                else:
                    say(f"measuring {cell}")
                    with tempfile.TemporaryDirectory(prefix="bench-memory-") as work:
                        cells.append({**cell, **measure(directory, Path(work), mode, workers, requests, args.passes)})
                    say(f"  {cells[-1]}")
                write(out_dir, sizes, cells, args)
    return out_dir / "memory.md"


def _same(sizes: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """What an earlier run recorded of the data set ``name`` (its publishing time, kept when the store was there)."""
    return next((s for s in sizes if s["name"] == name), {})


def write(out_dir: Path, sizes: list[dict[str, Any]], cells: list[dict[str, Any]], args: argparse.Namespace) -> None:
    order = {"copy": 0, "disk": 1}
    cells = sorted(cells, key=lambda c: (c["size"] != "1M", c["size"], order[c["mode"]], c["workers"]))
    info = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "sizes": sizes,
        "cells": cells,
        "mix": sorted({r.name for r in synthetic_mix(1, args.seed, 1)}),
        "passes": args.passes,
        "per_template": args.per_template,
    }
    (out_dir / "memory.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    (out_dir / "memory.md").write_text(markdown(info), encoding="utf-8")


def markdown(info: dict[str, Any]) -> str:
    lines = [
        "# Memory per replica: workers' copies in memory against the shared on-disk store",
        "",
        f"Run {info['when']} by `make bench-memory` (tools/bench_memory.py). Memory: PSS summed over `migkg serve`, "
        "its query workers and the partner writer, after the mix. Latency: the synthetic mix "
        f"({', '.join(info['mix'])}; {info['per_template']} of each), one request at a time, "
        f"{info['passes']} measured passes after a warm-up.",
        "",
        "| data | triples | snapshot | on-disk store | publishing the store |",
        "|---|---:|---:|---:|---:|",
    ]
    for size in info["sizes"]:
        published = f"{size['publish_s']} s" if "publish_s" in size else "(already there)"
        lines.append(
            f"| {size['name']} | {size['triples']:,} | {size['snapshot_bytes'] / GiB:.2f} GB "
            f"| {size['store_bytes'] / GiB:.2f} GB | {published} |"
        )
    lines += [
        "",
        "| data | mode | workers | PSS (GB) | RSS sum (GB) | processes | store in page cache (GB) | start-up (s) "
        "| p50 (ms) | p95 (ms) | failed |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in info["cells"]:
        if "skipped" in c:
            lines.append(f"| {c['size']} | {c['mode']} | {c['workers']} | not run: {c['skipped']} | | | | | | | |")
            continue
        cached = c["store_cached_gb"] if c["mode"] == "disk" else "–"
        lines.append(
            f"| {c['size']} | {c['mode']} | {c['workers']} | {c['pss_gb']} | {c['rss'] / GiB:.2f} | {c['processes']} "
            f"| {cached} | {c['startup_s']} | {c['p50_ms']} | {c['p95_ms']} | {c['failed']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.bench_memory", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    p.add_argument("--modes", nargs="+", choices=("copy", "disk"), default=["copy", "disk"])
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--passes", type=int, default=3)
    p.add_argument("--per-template", type=int, default=3, help="requests of each query of the mix")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--limit-gb", type=float, default=8.0, help="skip runs predicted to hold more than this")
    args = p.parse_args(argv)
    print(run(Settings(), args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
