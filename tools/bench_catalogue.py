"""``python -m tools.bench_catalogue`` (``make bench-catalogue``): every catalogue query (``queries/*.rq``) through the
real endpoint, timed, written to ``build/bench/catalogue.{json,md}`` — a benchmark, never asserted in tests.

Starts uvicorn over the current release on a free loopback port (``tools.loopback``, as ``tools.bench`` does), sends
each query once to warm up and then ``--runs`` times (POST ``application/sparql-query``, JSON results), and records
per query the median and p95 milliseconds and the rows answered (an ASK query's answer as 1/0). A query whose median
is over ``--limit`` seconds (1 s) is a failure: the report opens with ``FAILED: queries over 1 s: …`` and the command
exits with status 1, so ``make bench-catalogue`` fails loudly. The endpoint's query deadline is raised to
``--deadline`` seconds so a slow query is measured instead of cut off.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from server import media
from server.release import NoReleaseError, open_current
from server.settings import Settings
from tools.bench import machine, summary, write_report
from tools.loopback import Server, start_server

LIMIT_SECONDS = 1.0


def rows_of(body: dict[str, Any]) -> int:
    """The number of solutions of a SPARQL JSON result (an ASK's answer as 1 or 0)."""
    if "boolean" in body:
        return int(body["boolean"])
    return len(body["results"]["bindings"])


def time_query(client: httpx.Client, query: str, runs: int) -> dict[str, Any]:
    headers = {"Content-Type": media.SPARQL_QUERY, "Accept": media.SPARQL_JSON.media_type}

    def once() -> tuple[float, httpx.Response]:
        started = time.perf_counter()
        response = client.post("/sparql", content=query.encode("utf-8"), headers=headers)
        return (time.perf_counter() - started) * 1000, response

    _, first = once()
    if first.status_code != 200:
        return {"status": first.status_code, "error": first.text[:300]}
    times = [once()[0] for _ in range(runs)]
    return {"status": 200, "rows": rows_of(first.json()), "ms": summary(times)}


def over_limit(results: list[dict[str, Any]], limit: float) -> list[dict[str, Any]]:
    """The queries that failed or whose median is over ``limit`` seconds, slowest first."""
    failed = [r for r in results if r["status"] != 200 or r["ms"]["median"] > limit * 1000]
    return sorted(failed, key=lambda r: -r.get("ms", {}).get("median", float("inf")))


def run(settings: Settings, runs: int, limit: float, deadline: float, say: Callable[[str], None] = print) -> Path:
    release = open_current(settings.current_release)
    started = datetime.now(UTC)
    info: dict[str, Any] = {
        "date": started.isoformat(timespec="seconds"),
        "release": release.id,
        "machine": machine(),
        "runs": runs,
        "limit_seconds": limit,
        "query_workers": settings.query_workers,
        "queries": [],
    }
    with tempfile.TemporaryDirectory(prefix="migkg-bench-") as tmp:
        server: Server = start_server(
            Path(tmp), release.path, query_workers=str(settings.query_workers), query_timeout=str(deadline)
        )
        try:
            with httpx.Client(base_url=server.url, timeout=deadline + 30) as client:
                for path in sorted(settings.queries_dir.glob("*.rq")):
                    result = {"query": path.stem, **time_query(client, path.read_text(encoding="utf-8"), runs)}
                    info["queries"].append(result)
                    say(f"  {path.stem}: {result.get('ms') or result}")
        finally:
            server.stop()
    info["seconds"] = round((datetime.now(UTC) - started).total_seconds(), 1)
    info["failed"] = [r["query"] for r in over_limit(info["queries"], limit)]
    return write_report(settings, "catalogue", info, markdown(info))


def markdown(info: dict[str, Any]) -> str:
    m, limit = info["machine"], info["limit_seconds"]
    failed = over_limit(info["queries"], limit)
    head = (
        [f"**FAILED: queries over {limit:g} s: " + ", ".join(r["query"] for r in failed) + "**", ""]
        if failed
        else [f"Every catalogue query answered within {limit:g} s (median).", ""]
    )
    lines = [
        "# Catalogue queries through the endpoint",
        "",
        *head,
        f"Release `{info['release']}`, measured {info['date']} on {m['host']} ({m['cpu'] or m['platform']}, "
        f"{m['cpus']} CPUs, load average {' / '.join(map(str, m['load_average']))} at the start), "
        f"{info['query_workers']} query workers; {info['runs']} sequential POSTs per query after one warm-up "
        "(httpx, loopback, JSON results). Slowest first.",
        "",
        "| Query | Median ms | p95 ms | Rows |",
        "|---|---:|---:|---:|",
    ]
    for r in sorted(info["queries"], key=lambda r: -r.get("ms", {}).get("median", float("inf"))):
        if r["status"] != 200:
            lines.append(f"| {r['query']} | HTTP {r['status']} | | {r['error'][:80]} |")
        else:
            lines.append(f"| {r['query']} | {r['ms']['median']} | {r['ms']['p95']} | {r['rows']} |")
    written = "Written by `python -m tools.bench_catalogue` (`make bench-catalogue`)."
    return "\n".join([*lines, "", f"Total time of the run: {info['seconds']} s. {written}", ""])


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.bench_catalogue", description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5, help="timed requests per query (default 5)")
    p.add_argument("--limit", type=float, default=LIMIT_SECONDS, help="median seconds a query may take (default 1)")
    p.add_argument("--deadline", type=float, default=120.0, help="the endpoint's query deadline in seconds")
    args = p.parse_args(argv)
    try:
        out = run(Settings(), args.runs, args.limit, args.deadline, say=_say)
    except NoReleaseError as e:
        _say(f"error: {e} (run `make build` first)")
        return 1
    report = (out / "catalogue.md").read_text(encoding="utf-8")
    sys.stdout.write(report)
    failed = json.loads((out / "catalogue.json").read_text(encoding="utf-8"))["failed"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
