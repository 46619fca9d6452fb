"""Fair sharing and flat memory, measured (issue 11 items 1-2): ``python -m tools.bench_limits [release]``.

Serves a release (default: the test fixture, 32 triples, whose cartesian products are as heavy as wanted) on a
loopback port and measures:

1. a cheap client's ``ASK`` latency (p50, p99) while three other clients (``--heavy``) loop a heavy query (a 6-way
   cartesian COUNT, stopped at the deadline), with one worker of two reserved for cheap queries and without (no
   reserved worker: the baseline);
2. the server process's resident memory (the parent, not its workers) while a client downloads a large result
   (a 4-way cartesian SELECT, about a million rows, up to 300 MB), sampled from ``/proc``.

Writes ``build/bench/limits.json`` and prints it. Speed is never asserted in tests; this is where it is measured.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from server.settings import REPO_ROOT
from tools.loopback import Server, start_server, wait_workers_loaded

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "release"
OUT = REPO_ROOT / "build" / "bench" / "limits.json"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?p ?q ?r }"
LARGE = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
ASK = "ASK { ?s ?p ?o }"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def resident_mb(pid: int) -> float:
    with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * 4096 / 1e6


def cheap_latency(server: Server, seconds: float, heavy_clients: int) -> dict[str, object]:
    """ASK latencies (ms) of one more client while ``heavy_clients`` clients loop the heavy query."""
    stop = threading.Event()

    def heavy(client: str) -> None:
        with httpx.Client(headers={"X-Forwarded-For": client}, timeout=120) as session:
            while not stop.is_set():
                session.get(server.sparql, params={"query": HEAVY})

    loops = [threading.Thread(target=heavy, args=(f"10.0.0.{n}",), daemon=True) for n in range(1, heavy_clients + 1)]
    for loop in loops:
        loop.start()
    time.sleep(1.0)  # let the heavy queries take their workers
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    failures: set[str] = set()
    deadline = time.monotonic() + seconds
    with httpx.Client(headers={"X-Forwarded-For": "10.0.1.1"}, timeout=120) as session:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = session.get(server.sparql, params={"query": ASK})
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code != 200:
                failures.add(response.text.strip()[:120])
    stop.set()
    for loop in loops:
        loop.join(120)
    return {
        "asks": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        **{f"status_{code}": count for code, count in sorted(statuses.items())},
        "failures": sorted(failures),
    }


def parent_memory(server: Server) -> dict[str, object]:
    """The server process's resident memory before and during the download of a large result."""
    pid = server.process.pid
    before = resident_mb(pid)
    peak, received = before, 0
    started = time.perf_counter()
    with httpx.stream("GET", server.sparql, params={"query": LARGE}, timeout=300) as response:
        for chunk in response.iter_bytes():
            received += len(chunk)
            peak = max(peak, resident_mb(pid))
        truncated = response.headers.get("x-migkg-truncated", "")
    return {
        "result_mb": round(received / 1e6, 1),
        "truncated": truncated or "no",
        "seconds": round(time.perf_counter() - started, 1),
        "parent_rss_before_mb": round(before, 1),
        "parent_rss_peak_mb": round(peak, 1),
    }


def serve(directory: Path, release: Path, reserved: int, timeout: float) -> Server:
    server = start_server(
        directory,
        release,
        query_workers="2",
        query_timeout=str(timeout),
        reserved_workers=str(reserved),
        client_address_header="X-Forwarded-For",
        max_result_rows="2000000",
        max_result_bytes="300000000",
    )
    wait_workers_loaded(server, 2)
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("release", nargs="?", type=Path, default=FIXTURE)
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the cheap client measures")
    parser.add_argument("--heavy", type=int, default=3, help="how many clients loop the heavy query")
    args = parser.parse_args()
    report: dict[str, object] = {
        "release": str(args.release),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "heavy_clients": args.heavy,
    }
    for reserved in (1, 0):
        with tempfile.TemporaryDirectory() as directory:
            server = serve(Path(directory), args.release, reserved, timeout=5)
            try:
                report[f"cheap_ask_with_{reserved}_reserved"] = cheap_latency(server, args.seconds, args.heavy)
            finally:
                server.stop()
    with tempfile.TemporaryDirectory() as directory:
        server = serve(Path(directory), args.release, 1, timeout=300)
        try:
            report["large_result"] = parent_memory(server)
        finally:
            server.stop()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
