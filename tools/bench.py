"""``python -m tools.bench`` (``make bench``): how fast each page kind is served and drawn, written to files
(never asserted in tests).

Starts uvicorn over the current release on a free loopback port, then for each page kind measures the server's
response time (``requests`` sequential GETs with httpx after one warm-up: median and p95) and, in Debian's
Chromium, Navigation Timing (responseEnd, domContentLoaded, load; for pictures the time until
``document.body.dataset.pictureReady``) over ``browser_runs`` fresh contexts. Pages that answer 404 (not built
yet) are listed as absent. Writes ``<build>/bench/pages.json`` and a readable ``pages.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

from server.release import NoReleaseError, open_current
from server.settings import Settings
from tools.loopback import CHROMIUM, CHROMIUM_ARGS, Server, start_server

SEGIB = "https://w3id.org/migkg/id/organisation/segib"
CATALOGUE_QUERY = "07-good-practices-per-government.rq"


@dataclass
class PageKind:
    kind: str
    path: str
    html: bool = True  # measured in the browser too
    picture: bool = False  # sets document.body.dataset.pictureReady once drawn


def page_kinds(settings: Settings) -> list[PageKind]:
    focus = quote(SEGIB, safe="")
    query = (settings.queries_dir / CATALOGUE_QUERY).read_text(encoding="utf-8")
    return [
        PageKind("home", "/"),
        PageKind("search", "/search?q=montevideo"),
        PageKind("api-search", "/api/search?q=montevideo", html=False),
        PageKind("entity-commitment (Montevideo Commitment)", "/doc/commitment/montevideo-2006"),
        PageKind("entity-commitment-item (25.q)", "/doc/commitment/montevideo-2006/p25q"),
        PageKind("entity-organisation (SEGIB)", "/doc/organisation/segib"),
        PageKind("entity-country (Mexico)", "/doc/country/mex"),
        PageKind("entity-event (GFMD 2011 workshop)", "/doc/event/gfmd-2011-san-salvador-workshop"),
        PageKind("reader (SEGIB report, largest)", "/source/segib-2008-fibemyd-report"),
        PageKind("reader (GFMD summary)", "/source/gfmd-2011-san-salvador-workshop-report"),
        PageKind("def", "/def"),
        PageKind("download", "/download"),
        PageKind(f"sparql ({CATALOGUE_QUERY})", "/sparql?" + urlencode({"query": query}), html=False),
        PageKind("query", "/query"),
        PageKind("browse", "/browse"),
        PageKind("matrix", "/matrix"),
        PageKind("commitments", "/commitments"),
        PageKind("timeline (SEGIB)", f"/timeline?focus={focus}", picture=True),
        PageKind("network (SEGIB)", f"/network?focus={focus}", picture=True),
        PageKind("map", "/map", picture=True),
    ]


@dataclass
class Result:
    kind: str
    path: str
    status: int
    bytes: int = 0
    server_ms: dict[str, float] = field(default_factory=dict)  # median, p95, min, max over the requests
    browser_ms: dict[str, float] = field(default_factory=dict)  # medians of Navigation Timing marks
    note: str = ""


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 1),
        "p95": round(percentile(values, 0.95), 1),
        "min": round(min(values), 1),
        "max": round(max(values), 1),
    }


def time_server(server: Server, page: PageKind, requests: int) -> Result:
    with httpx.Client(base_url=server.url, timeout=120) as client:
        first = client.get(page.path)
        result = Result(page.kind, page.path, first.status_code, len(first.content))
        if first.status_code == 404:
            result.note = "absent (404)"
            return result
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(page.path)
            response.read()
            times.append((time.perf_counter() - started) * 1000)
        result.server_ms = summary(times)
    return result


NAVIGATION = """() => {
  const n = performance.getEntriesByType("navigation")[0];
  return {responseEnd: n.responseEnd, domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd};
}"""


def time_browser(server: Server, pages: list[tuple[PageKind, Result]], runs: int, say: Callable[[str], None]) -> str:
    """Fill ``browser_ms`` of each result; returns the browser's version."""
    from playwright.sync_api import Route, sync_playwright

    def offline(route: Route) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", None):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            for page, result in pages:
                marks: dict[str, list[float]] = {}
                for _ in range(runs):
                    context = browser.new_context(viewport={"width": 1280, "height": 900})
                    context.route("**/*", offline)
                    tab = context.new_page()
                    tab.goto(server.url + page.path, wait_until="load", timeout=120_000)
                    values: dict[str, float] = tab.evaluate(NAVIGATION)
                    if page.picture:
                        # not wait_for_function: its eval() is refused by the pages' Content-Security-Policy
                        tab.locator("body[data-picture-ready='true']").wait_for(state="attached", timeout=120_000)
                        values["pictureReady"] = tab.evaluate("performance.now()")
                    context.close()
                    for name, value in values.items():
                        marks.setdefault(name, []).append(value)
                result.browser_ms = {name: round(statistics.median(v), 1) for name, v in marks.items()}
                say(f"  browser {page.kind}: {result.browser_ms}")
            return browser.version
        finally:
            browser.close()


def machine() -> dict[str, Any]:
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next(
            (line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line), ""
        )
    return {
        "host": platform.node(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
    }


def write_report(settings: Settings, stem: str, info: dict[str, Any], text: str) -> Path:
    """``info`` as ``<build>/bench/<stem>.json`` and ``text`` as ``<stem>.md``; returns the directory."""
    out = settings.build_dir / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / f"{stem}.md").write_text(text, encoding="utf-8")
    return out


def run(settings: Settings, requests: int = 20, browser_runs: int = 5, say: Callable[[str], None] = print) -> Path:
    """Benchmark the current release; returns the directory holding pages.json and pages.md."""
    release = open_current(settings.current_release)
    started = datetime.now(UTC)
    info: dict[str, Any] = {
        "date": started.isoformat(timespec="seconds"),
        "release": release.id,
        "machine": machine(),
        "requests_per_page": requests,
        "browser_runs_per_page": browser_runs,
        "query_workers": settings.query_workers,
    }
    with tempfile.TemporaryDirectory(prefix="migkg-bench-") as tmp:
        server = start_server(Path(tmp), release.path, query_workers=str(settings.query_workers))
        try:
            results: list[tuple[PageKind, Result]] = []
            for page in page_kinds(settings):
                result = time_server(server, page, requests)
                say(f"  server {page.kind}: {result.status} {result.server_ms or result.note}")
                results.append((page, result))
            measured = [(p, r) for p, r in results if p.html and r.status == 200]
            if browser_runs and CHROMIUM.exists():
                info["browser"] = f"Chromium {time_browser(server, measured, browser_runs, say)}"
            else:
                info["browser"] = f"not measured ({CHROMIUM} missing)" if browser_runs else "not measured"
        finally:
            server.stop()
    info["seconds"] = round((datetime.now(UTC) - started).total_seconds(), 1)
    info["pages"] = [asdict(r) for _, r in results]
    return write_report(settings, "pages", info, markdown(info))


def markdown(info: dict[str, Any]) -> str:
    m = info["machine"]
    lines = [
        "# Page timings",
        "",
        f"Release `{info['release']}`, measured {info['date']} on {m['host']} ({m['cpu'] or m['platform']}, "
        f"{m['cpus']} CPUs, load average {' / '.join(map(str, m['load_average']))} at the start), "
        f"Python {m['python']}, {info['browser']}, {info['query_workers']} query workers.",
        "",
        f"Server: {info['requests_per_page']} sequential requests per page after one warm-up (httpx, loopback). "
        f"Browser: median of {info['browser_runs_per_page']} loads, each in a fresh context (cold cache), "
        "milliseconds from navigation start.",
        "",
        "| Page | Status | Bytes | Server median ms | Server p95 ms "
        "| responseEnd | DOMContentLoaded | load | picture ready |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in info["pages"]:
        s, b = r["server_ms"], r["browser_ms"]
        if not s:
            lines.append(f"| {r['kind']} | {r['status']} | | {r['note']} | | | | | |")
            continue
        cells = [b.get(k, "") for k in ("responseEnd", "domContentLoaded", "load", "pictureReady")]
        lines.append(
            f"| {r['kind']} | {r['status']} | {r['bytes']:,} | {s['median']} | {s['p95']} | "
            + " | ".join(str(c) for c in cells)
            + " |"
        )
    lines += ["", f"Total time of the run: {info['seconds']} s. Written by `python -m tools.bench` (`make bench`).", ""]
    return "\n".join(lines)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tools.bench",
        description="Time each page kind (server and Chromium) over build/current; writes build/bench/pages.{json,md}",
    )
    p.add_argument("--requests", type=int, default=20, help="server requests per page (default 20)")
    p.add_argument("--browser-runs", type=int, default=5, help="browser loads per page; 0 skips Chromium (default 5)")
    args = p.parse_args(argv)
    settings = Settings()
    _say(f"benchmarking the pages of {settings.current_release} ({args.requests} requests, {args.browser_runs} loads)")
    try:
        out = run(settings, requests=args.requests, browser_runs=args.browser_runs, say=_say)
    except NoReleaseError as e:
        _say(f"error: {e} (run `make build` first)")
        return 1
    _say(f"wrote {out / 'pages.json'} and {out / 'pages.md'}")
    sys.stdout.write((out / "pages.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
