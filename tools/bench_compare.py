"""``python -m tools.bench_compare`` (``make bench-compare``): our endpoint side by side with four others, one run,
written to files (never asserted in tests).

Endpoints, each started here on 127.0.0.1 in its own temporary data directory and stopped afterwards:
``ours`` (``migkg serve`` over a release, every limit at its default; clients told apart by ``X-Forwarded-For``),
``bare`` (FastAPI + one in-memory pyoxigraph store, ``tools.bench_compare_apps``, as many uvicorn workers as we have
query workers), ``oxigraph`` (the Oxigraph server, ``oxigraph load`` then ``serve --union-default-graph``),
``virtuoso`` (Debian's, ``tools.stores``) and ``rdflib`` (rdflib-endpoint over an rdflib ``Dataset``, same worker
count; slow, so not on the largest graph).

Data: the current release with its catalogue queries (``queries/*.rq``), and seeded synthetic graphs
(``tools.synthetic``, default 100k and 1M triples) with a mix of eight typical queries whose IRIs and words are drawn
from the seed, so no cache answers twice the same request in a row. Every endpoint sees the union of the named
graphs as its default graph.

Per endpoint and data set: one pass over the distinct requests (warm-up, and a check that each is answered with a
2xx; its single-client times are kept), then wrk at each client count for ``--duration`` seconds with a Lua script
that rotates through the mix as GET requests (``Accept``: SPARQL JSON results, Turtle for CONSTRUCT) and counts every
non-2xx answer. Writes ``<build>/bench/compare.json`` and ``compare.md`` (tables, ratios against Virtuoso and the
bare endpoint, the machine, versions and settings, and a section left for the reader: where we are not on target
and why).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.metadata
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from server import media, prefixes
from server.release import METADATA, SNAPSHOT, FileInfo, ReleaseMetadata, open_current
from server.settings import REPO_ROOT, Settings
from tools import synthetic
from tools.bench import machine
from tools.bench_compare_apps import DATA_VARIABLE
from tools.loopback import free_port, start_server, wait_workers_loaded
from tools.stores import ExternalStore, program, start_oxigraph, start_virtuoso, wait_until_answering

ENDPOINTS = ("ours", "bare", "oxigraph", "virtuoso", "rdflib")
SIZES = (100_000, 1_000_000)
CLIENTS = (1, 8)
RDFLIB_MAX_TRIPLES = 200_000  # rdflib parses 1M quads for minutes per worker and answers in seconds: skipped above
START_TIMEOUT = 600.0
WRK_TIMEOUT = "30s"
CHECK_TIMEOUT = 40.0  # longer than our query timeout (30 s), to see its answer
SPARQL_JSON = media.SPARQL_JSON.media_type
TURTLE = media.TURTLE.media_type
TARGETS = {1: 1.5, 8: 1.0}  # ours / Virtuoso, by clients; and ours / bare >= BARE_TARGET at every client count
BARE_TARGET = 0.9
# Every endpoint must understand a query as written: ours alone predeclares prefixes.
PREFIXES = f"PREFIX mig: <{prefixes.MIG}>\nPREFIX rdfs: <{prefixes.RDFS}>\nPREFIX oa: <{prefixes.OA}>\n"


# ---------------------------------------------------------------- the query mixes (pure)


@dataclass(frozen=True)
class Request:
    name: str  # the catalogue file, or the synthetic template
    query: str
    accept: str = SPARQL_JSON


TEMPLATES: dict[str, tuple[str, str]] = {  # name → (query with {placeholders}, Accept)
    "lookup": ("SELECT ?p ?o WHERE {{ <{organisation}> ?p ?o }}", SPARQL_JSON),
    "label-search": (
        'SELECT ?s ?label WHERE {{ ?s rdfs:label ?label FILTER(CONTAINS(LCASE(STR(?label)), "{word}")) }} LIMIT 50',
        SPARQL_JSON,
    ),
    "two-hop-join": (
        "SELECT ?practice ?organisation ?label WHERE {{ ?organisation mig:jurisdiction <{country}> . "
        "?practice mig:implementedBy ?organisation ; rdfs:label ?label }}",
        SPARQL_JSON,
    ),
    "count-group-by": (
        "SELECT ?topic (COUNT(DISTINCT ?practice) AS ?practices) WHERE {{ ?practice mig:implementedIn <{country}> ; "
        "mig:addressesTopic ?topic }} GROUP BY ?topic ORDER BY DESC(?practices) ?topic",
        SPARQL_JSON,
    ),
    "optional": (
        "SELECT ?item ?text ?topic ?practice WHERE {{ <{commitment}> mig:hasItem ?item . ?item mig:text ?text "
        "OPTIONAL {{ ?item mig:addressesTopic ?topic }} OPTIONAL {{ ?practice mig:contributesTo ?item }} }}",
        SPARQL_JSON,
    ),
    "order-by-limit": (
        "SELECT ?event ?date ?label WHERE {{ ?event mig:heldIn <{country}> ; mig:startDate ?date ; rdfs:label ?label }}"
        " ORDER BY DESC(?date) ?event LIMIT 10",
        SPARQL_JSON,
    ),
    "ask": ("ASK {{ ?excerpt mig:mentions <{practice}> ; oa:hasSelector/oa:exact ?quote }}", SPARQL_JSON),
    "construct": (
        "CONSTRUCT {{ <{practice}> ?p ?o . ?excerpt mig:mentions <{practice}> }} "
        "WHERE {{ {{ <{practice}> ?p ?o }} UNION {{ ?excerpt mig:mentions <{practice}> }} }}",
        TURTLE,
    ),
}


def synthetic_mix(rounds: int, seed: int, per_template: int = 25) -> list[Request]:
    """``per_template`` requests of each template, interleaved, with IRIs and words drawn from ``seed`` among the
    entities of a synthetic graph of ``rounds`` rounds (``tools.synthetic``)."""
    rng = random.Random(seed)
    mix = []
    for _ in range(per_template):
        values = {
            "organisation": synthetic.iri("organisation", rng.randrange(2 * rounds)),
            "country": synthetic.iri("country", rng.randrange(synthetic.COUNTRIES)),
            "commitment": synthetic.iri("commitment", rng.randrange(rounds)),
            "practice": synthetic.iri("practice", rng.randrange(synthetic.PRACTICES_PER_ROUND * rounds)),
            "word": rng.choice(synthetic.WORDS),
        }
        for name, (template, accept) in TEMPLATES.items():
            mix.append(Request(name, PREFIXES + template.format(**values), accept))
    return mix


def catalogue_mix(queries_dir: Path) -> list[Request]:
    """Every catalogue query, in file order."""
    return [Request(path.name, path.read_text(encoding="utf-8")) for path in sorted(queries_dir.glob("*.rq"))]


def request_path(endpoint_path: str, query: str) -> str:
    """The path and query string of a SPARQL Protocol GET.

    >>> request_path("/sparql", "ASK { ?s ?p ?o }")
    '/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D'
    """
    return f"{endpoint_path}?query={quote(query, safe='')}"


LUA = """\
-- Generated by tools/bench_compare.py: one connection per thread, each a client of its own (its own
-- X-Forwarded-For); rotate through the mix; count every answer that is not a 2xx.
local requests = {
%(requests)s
}
local threads = {}
local counter = 0
local client = "127.0.0.1"
failed = 0
codes = ""
local seen = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = (id or 0) * math.floor(#requests / %(threads)d)
  client = "127.0.0." .. ((id or 0) + 1)
end

function request()
  counter = counter %% #requests + 1
  local r = requests[counter]
  return wrk.format("GET", r[1], {["Accept"] = r[2], ["%(client_header)s"] = client})
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    failed = failed + 1
    if not seen[status] then
      seen[status] = true
      codes = codes .. status .. " "
    end
  end
end

function done(summary, latency, requests)
  local non2xx, statuses = 0, ""
  for _, thread in ipairs(threads) do
    non2xx = non2xx + thread:get("failed")
    statuses = statuses .. thread:get("codes")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "non2xx": %%d, "statuses": "%%s", "connect_errors": %%d, ' ..
    '"read_errors": %%d, "write_errors": %%d, "timeouts": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, ' ..
    '"mean_us": %%.1f, "max_us": %%d}\\n',
    summary.requests, summary.duration, non2xx, statuses, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max))
end
"""
# The header that tells ours which client a request is from (MIGKG_CLIENT_ADDRESS_HEADER, as behind a proxy):
# wrk's connections all come from 127.0.0.1, which ours would otherwise count as one client.
CLIENT_HEADER = "X-Forwarded-For"


def lua_string(text: str) -> str:
    """A Lua string literal of ``text`` (double-quoted, escaped)."""
    return json.dumps(text)  # JSON string escapes are valid Lua for the printable ASCII a URL path is made of


def lua_script(requests: list[tuple[str, str]], threads: int) -> str:
    """The wrk script that sends ``requests`` ((path, Accept) pairs) in turn; thread ``i`` starts ``i / threads``
    of the way into the mix and names itself ``127.0.0.<i + 1>`` in ``CLIENT_HEADER``."""
    rows = ",\n".join(f"  {{{lua_string(path)}, {lua_string(accept)}}}" for path, accept in requests)
    return LUA % {"requests": rows, "threads": max(1, threads), "client_header": CLIENT_HEADER}


def wrk_result(stdout: str) -> dict[str, Any]:
    """The ``RESULT {...}`` line the script's ``done`` prints."""
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
            return result
    raise RuntimeError(f"wrk printed no result:\n{stdout}")


def times(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


# ---------------------------------------------------------------- data sets


@dataclass(frozen=True)
class DataSet:
    name: str  # "release", "synthetic-100k"…
    release: Path  # a release directory (snapshot.nq + metadata.json): what ours serves, the others load
    triples: int
    mix: str  # "catalogue" or "synthetic"
    requests: list[Request]

    @property
    def snapshot(self) -> Path:
        return self.release / SNAPSHOT


def size_name(triples: int) -> str:
    """>>> size_name(1_000_000), size_name(100_000), size_name(20_000)
    ('1M', '100k', '20k')
    """
    return f"{triples // 1_000_000}M" if triples % 1_000_000 == 0 else f"{triples // 1000}k"


def synthetic_release(directory: Path, triples: int, seed: int, say: Callable[[str], None]) -> synthetic.Summary:
    """A release directory of a synthetic graph (generated unless one of the same size and seed is there)."""
    summary_file = directory / "synthetic.json"
    if summary_file.exists():
        summary = synthetic.Summary.from_json(summary_file.read_text(encoding="utf-8"))
        if (summary.asked, summary.seed) == (triples, seed) and (directory / METADATA).exists():
            return summary
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    say(f"generating {triples} synthetic triples (seed {seed}) in {directory}")
    summary = synthetic.write(directory / SNAPSHOT, triples, seed)
    snapshot = (directory / SNAPSHOT).read_bytes()
    meta = ReleaseMetadata(
        f"synthetic-{size_name(triples)}-s{seed}",
        "2026-01-01T00:00:00+00:00",  # the same graph, the same release
        prefixes.BASE,
        summary.graphs,
        {SNAPSHOT: FileInfo(len(snapshot), hashlib.sha256(snapshot).hexdigest())},
    )
    (directory / METADATA).write_text(meta.to_json(), encoding="utf-8")
    summary_file.write_text(summary.to_json(), encoding="utf-8")
    return summary


# ---------------------------------------------------------------- endpoints


@dataclass
class Running:
    name: str
    url: str  # http://127.0.0.1:<port>
    path: str  # the query path: /sparql or /query
    stop: Callable[[], None]

    @property
    def query_url(self) -> str:
        return self.url + self.path


def uvicorn_app(name: str, app: str, data: DataSet, directory: Path, workers: int) -> Running:
    """``python -m tools.bench_compare_apps <app>`` with ``workers`` processes over the data's snapshot; returns once
    every worker has started (each loads its own copy)."""
    directory.mkdir(parents=True)
    port, log = free_port(), directory / f"{name}.log"
    env = {**os.environ, DATA_VARIABLE: str(data.snapshot)}
    command = [sys.executable, "-m", "tools.bench_compare_apps", app, "--port", str(port), "--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=out, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    store = ExternalStore(name, url, url + "/sparql", "", "", process, directory, log)

    def stop() -> None:
        store.stop()  # the supervisor stops its workers…
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # …and any it left behind go with its session

    try:
        wait_until_answering(store, START_TIMEOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while log.read_text(errors="replace").count("Application startup complete") < workers:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{name}: not every worker started:\n{store.log_tail()}")
            time.sleep(0.2)
    except BaseException:
        stop()
        raise
    return Running(name, url, "/sparql", stop)


def changed_settings(settings: Settings) -> dict[str, str]:
    """The settings ``--ours`` changed from their defaults, as ``start_server`` takes them (MIGKG_* values)."""
    dumped = settings.model_dump(exclude_defaults=True, exclude={"repo_dir", "build_dir", "state_dir"})
    return {name: str(value) for name, value in dumped.items() if isinstance(value, int | float | str)}


def start_ours(data: DataSet, directory: Path, settings: Settings) -> Running:
    directory.mkdir(parents=True)
    # log level info: as `migkg serve` runs by default (its JSON access log on)
    ours: dict[str, Any] = {"client_address_header": CLIENT_HEADER, **changed_settings(settings)}
    server = start_server(directory, data.release, log_level="info", start_timeout=START_TIMEOUT, **ours)
    try:
        wait_workers_loaded(server, settings.query_workers, START_TIMEOUT)
    except BaseException:
        server.stop()
        raise
    return Running("ours", server.url, "/sparql", server.stop)


def start_oxigraph_server(data: DataSet, directory: Path) -> Running:
    directory.mkdir(parents=True)
    load = [program("oxigraph", "make install"), "load", "--location", str(directory / "data")]
    subprocess.run([*load, "--file", str(data.snapshot)], check=True, capture_output=True, timeout=START_TIMEOUT)
    store = start_oxigraph(directory, union_default_graph=True)
    return Running("oxigraph", store.url, "/query", store.stop)


def start_virtuoso_store(data: DataSet, directory: Path) -> Running:
    store = start_virtuoso(directory)
    try:
        store.load_nquads(data.snapshot)
    except BaseException:
        store.stop()
        raise
    return Running("virtuoso", store.url, "/sparql", store.stop)


def start(name: str, data: DataSet, directory: Path, settings: Settings) -> Running:
    workers = settings.query_workers
    if name == "ours":
        return start_ours(data, directory, settings)
    if name == "bare":
        return uvicorn_app(name, "bare", data, directory, workers)
    if name == "oxigraph":
        return start_oxigraph_server(data, directory)
    if name == "virtuoso":
        return start_virtuoso_store(data, directory)
    return uvicorn_app(name, "rdflib", data, directory, workers)


@contextmanager
def running(name: str, data: DataSet, directory: Path, settings: Settings) -> Iterator[Running]:
    endpoint = start(name, data, directory, settings)
    try:
        yield endpoint
    finally:
        endpoint.stop()


def skip_reason(name: str, data: DataSet) -> str | None:
    if name == "rdflib" and data.triples > RDFLIB_MAX_TRIPLES:
        return (
            f"rdflib-endpoint skipped above {RDFLIB_MAX_TRIPLES:,} triples: each worker parses the graph into "
            "Python objects for minutes and answers a query in seconds"
        )
    return None


def versions() -> dict[str, str]:
    def command(*args: str, lines: int = 1) -> str:
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
        except OSError as error:
            return f"{args[0]} missing ({error})"
        return " ".join((done.stdout + done.stderr).strip().splitlines()[:lines])

    packages = ("migkg", "pyoxigraph", "oxigraph", "fastapi", "uvicorn", "rdflib", "rdflib-endpoint")
    found = {p: importlib.metadata.version(p) for p in packages}
    found["virtuoso"] = command("virtuoso-t", "-?", lines=2)
    found["wrk"] = command("wrk", "-v")
    found["migkg commit"] = command("git", "rev-parse", "--short", "HEAD")
    return found


# ---------------------------------------------------------------- measuring


@dataclass
class Check:
    """One pass over the distinct requests of a mix, one at a time."""

    answered: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # request name → status or error
    seconds: dict[str, float] = field(default_factory=dict)  # request name → seconds (the first of each name)
    unchecked: int = 0  # left out once the budget was spent


def check(endpoint: Running, requests: list[Request], budget: float) -> Check:
    result = Check()
    deadline = time.monotonic() + budget
    with httpx.Client(timeout=CHECK_TIMEOUT) as client:
        for n, request in enumerate(requests):
            if time.monotonic() > deadline:
                result.unchecked = len(requests) - n
                break
            started = time.perf_counter()
            try:
                response = client.get(
                    endpoint.query_url, params={"query": request.query}, headers={"Accept": request.accept}
                )
                status = str(response.status_code) if not response.is_success else ""
            except httpx.HTTPError as error:
                status = type(error).__name__
            result.seconds.setdefault(request.name, round(time.perf_counter() - started, 4))
            if status:
                result.failed.setdefault(request.name, status)
            else:
                result.answered += 1
    return result


def wrk(endpoint: Running, requests: list[Request], clients: int, seconds: float, directory: Path) -> dict[str, Any]:
    pairs = [(request_path(endpoint.path, r.query), r.accept) for r in requests]
    return run_wrk(endpoint.url, pairs, clients, seconds, directory / f"{endpoint.name}-{clients}.lua")


def run_wrk(url: str, pairs: list[tuple[str, str]], clients: int, seconds: float, script: Path) -> dict[str, Any]:
    """wrk against ``url`` for ``seconds`` with ``clients`` connections, one thread each (each a client of its own),
    rotating through ``pairs`` ((path, Accept)) as GET requests; ``script`` is where its Lua script is written."""
    threads = clients
    script.write_text(lua_script(pairs, threads), encoding="utf-8")
    command = [
        program("wrk", "make bench-compare"), "-t", str(threads), "-c", str(clients), "-d", f"{round(seconds)}s",
        "--timeout", WRK_TIMEOUT, "-s", str(script), url,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw = wrk_result(done.stdout)
    duration = raw["duration_us"] / 1e6
    ok = raw["requests"] - raw["non2xx"]
    return {
        "requests": raw["requests"],
        "ok_per_second": round(ok / duration, 1) if duration else 0.0,
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "non2xx": raw["non2xx"],
        "statuses": sorted(set(raw["statuses"].split())),
        "socket_errors": raw["connect_errors"] + raw["read_errors"] + raw["write_errors"],
        "timeouts": raw["timeouts"],
    }


def measure(
    name: str,
    data: DataSet,
    settings: Settings,
    args: argparse.Namespace,
    work: Path,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Start one endpoint over one data set, check the mix, run wrk at each client count, stop it."""
    entry: dict[str, Any] = {"endpoint": name, "data": data.name, "mix": data.mix, "cells": []}
    reason = skip_reason(name, data)
    if reason:
        entry["skipped"] = reason
        say(f"  {name}: skipped")
        return entry
    started = time.monotonic()
    try:
        with running(name, data, work / f"{name}-{data.name}", settings) as endpoint:
            entry["start_seconds"] = round(time.monotonic() - started, 1)
            distinct = list({r.query: r for r in data.requests}.values())
            checked = check(endpoint, distinct, args.check_budget)
            entry["check"] = asdict(checked)
            say(
                f"  {name}: up in {entry['start_seconds']} s; check {checked.answered}/{len(distinct)} answered"
                + (f", failed {checked.failed}" if checked.failed else "")
            )
            for clients in args.clients:
                load = [round(x, 2) for x in os.getloadavg()]
                cell = wrk(endpoint, data.requests, clients, args.duration, work)
                cell |= {"clients": clients, "seconds": args.duration, "load_average": load}
                entry["cells"].append(cell)
                say(f"    {clients} client(s): {cell['ok_per_second']} req/s, p50 {cell['p50_ms']} ms, "
                    f"p99 {cell['p99_ms']} ms, non-2xx {cell['non2xx']}")  # fmt: skip
    except Exception as error:  # one endpoint failing must not lose the others' figures
        entry["error"] = f"{type(error).__name__}: {error}"[:4000]
        say(f"  {name}: failed: {entry['error'][:500]}")
    return entry


def data_sets(settings: Settings, args: argparse.Namespace, say: Callable[[str], None]) -> list[DataSet]:
    release = open_current(settings.current_release)
    found = [
        DataSet("release", release.path, release.metadata.triples, "catalogue", catalogue_mix(settings.queries_dir))
    ]
    for triples in args.sizes:
        directory = settings.build_dir / "bench" / "data" / f"synthetic-{size_name(triples)}-s{args.seed}"
        summary = synthetic_release(directory, triples, args.seed, say)
        mix = synthetic_mix(summary.rounds, args.seed)
        found.append(DataSet(f"synthetic-{size_name(triples)}", directory, summary.triples, "synthetic", mix))
    return found


def ratios(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ours against Virtuoso and the bare endpoint, per data set and client count (req/s of 2xx answers)."""
    rate = {(e["endpoint"], e["data"], c["clients"]): c["ok_per_second"] for e in entries for c in e.get("cells", [])}
    rows = []
    for (endpoint, data, clients), ours in rate.items():
        if endpoint != "ours":
            continue
        virtuoso, bare = rate.get(("virtuoso", data, clients)), rate.get(("bare", data, clients))
        vs_virtuoso = round(ours / virtuoso, 2) if virtuoso else None
        vs_bare = round(ours / bare, 2) if bare else None
        target = TARGETS.get(clients)
        rows.append({
            "data": data, "clients": clients, "ours": ours, "virtuoso": virtuoso, "bare": bare,
            "ours_vs_virtuoso": vs_virtuoso, "virtuoso_target": target,
            "virtuoso_met": None if vs_virtuoso is None or target is None else vs_virtuoso >= target,
            "ours_vs_bare": vs_bare, "bare_met": None if vs_bare is None else vs_bare >= BARE_TARGET,
        })  # fmt: skip
    return rows


def report_head(settings: Settings) -> tuple[Path, datetime, dict[str, Any]]:
    """Where a benchmark writes (``<build>/bench``, made), when it started, and its report's head: date, machine and
    versions."""
    out = settings.build_dir / "bench"
    out.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    return out, started, {"date": started.isoformat(timespec="seconds"), "machine": machine(), "versions": versions()}


def run(settings: Settings, args: argparse.Namespace, say: Callable[[str], None] = print) -> Path:
    out, started, head = report_head(settings)
    info: dict[str, Any] = {
        **head,
        "quick": args.quick,
        "settings": json.loads(
            settings.model_copy(update={"client_address_header": CLIENT_HEADER}).model_dump_json(
                exclude={"repo_dir", "build_dir", "state_dir"}
            )
        ),  # as ours ran
        "seconds_per_cell": args.duration,
        "clients": list(args.clients),
        "seed": args.seed,
        "wrk_timeout": WRK_TIMEOUT,
        "endpoints": list(args.endpoints),
    }
    sets = data_sets(settings, args, say)
    info["data"] = [
        {"name": d.name, "triples": d.triples, "mix": d.mix, "requests": len(d.requests),
         "distinct_requests": len({r.query for r in d.requests})}
        for d in sets
    ]  # fmt: skip
    entries = []
    with tempfile.TemporaryDirectory(prefix="migkg-bench-compare-") as tmp:
        for data in sets:
            say(f"{data.name}: {data.triples} triples, {data.mix} mix of {len(data.requests)} requests")
            for name in args.endpoints:
                entries.append(measure(name, data, settings, args, Path(tmp), say))
    info["results"] = entries
    info["ratios"] = ratios(entries)
    info["seconds"] = round((datetime.now(UTC) - started).total_seconds(), 1)
    info["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    (out / "compare.json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "compare.md").write_text(markdown(info), encoding="utf-8")
    return out


# ---------------------------------------------------------------- the report


def markdown(info: dict[str, Any]) -> str:
    m, v = info["machine"], info["versions"]
    lines = [
        "# Side by side: our SPARQL endpoint and four others" + (" (quick run)" if info["quick"] else ""),
        "",
        f"Measured {info['date']} in {info['seconds']} s on {m['host']} ({m['cpu'] or m['platform']}, {m['cpus']} "
        f"CPUs; load average {' / '.join(map(str, m['load_average']))} at the start, "
        f"{' / '.join(map(str, m['load_average_end']))} at the end: the machine is shared, and wrk runs on it too). "
        f"wrk: {info['seconds_per_cell']} s per cell, {' and '.join(map(str, info['clients']))} connections "
        f"(one thread each), GET requests rotating through the mix, timeout {info['wrk_timeout']}. Each "
        f"connection names a client of its own in `{CLIENT_HEADER}`, which ours is set to read (as behind a proxy): "
        "without it every connection comes from 127.0.0.1, one client to ours, and its per-client limit answers "
        "429 past a few.",
        "",
        f"Versions: migkg {v['migkg']} ({v['migkg commit']}), pyoxigraph {v['pyoxigraph']}, Oxigraph server "
        f"{v['oxigraph']}, {v['virtuoso']}, rdflib {v['rdflib']} with rdflib-endpoint {v['rdflib-endpoint']}, "
        f"FastAPI {v['fastapi']}, uvicorn {v['uvicorn']}, {v['wrk']}.",
        "",
        "Endpoints: **ours** `migkg serve`, every setting at its default but the client address header (below); "
        "**bare** FastAPI + one in-memory "
        "pyoxigraph store per uvicorn worker, as many workers as our query workers, no limits; **oxigraph** the "
        "Oxigraph server (RocksDB, `--union-default-graph`); **virtuoso** Debian's Virtuoso with the small buffers "
        "of `tools/stores.py`; **rdflib** rdflib-endpoint over an rdflib Dataset (union default graph), as many "
        "workers as ours. Each sees the union of the named graphs as its default graph.",
        "",
        "Data: "
        + "; ".join(
            f"**{d['name']}** {d['triples']:,} triples, {d['mix']} mix ({d['distinct_requests']} distinct requests)"
            for d in info["data"]
        )
        + ". The synthetic mix: "
        + ", ".join(TEMPLATES)
        + f", IRIs and words drawn from seed {info['seed']}.",
        "",
        "## Throughput and latency",
        "",
        "req/s counts 2xx answers only; non-2xx are counted apart (a throughput made of errors is not throughput).",
        "",
        "| Data | Endpoint | Clients | req/s | p50 ms | p99 ms | non-2xx | socket errors / timeouts | load | note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for e in info["results"]:
        note = e.get("skipped") or e.get("error", "")
        failed = e.get("check", {}).get("failed", {})
        if failed:
            note = (
                (note + "; " if note else "")
                + f"{len(failed)} request(s) of the check failed: "
                + ", ".join(f"{k} ({s})" for k, s in list(failed.items())[:6])
                + (" …" if len(failed) > 6 else "")
            )
        if not e["cells"]:
            lines.append(f"| {e['data']} | {e['endpoint']} | – | – | – | – | – | – | – | {note[:300]} |")
        for c in e["cells"]:
            statuses = f" ({', '.join(c['statuses'])})" if c["statuses"] else ""
            lines.append(
                f"| {e['data']} | {e['endpoint']} | {c['clients']} | {c['ok_per_second']} | {c['p50_ms']} | "
                f"{c['p99_ms']} | {c['non2xx']}{statuses} | {c['socket_errors']} / {c['timeouts']} | "
                f"{c['load_average'][0]} | {note[:300]} |"
            )
            note = ""
    lines += [
        "",
        "## Ours against the targets",
        "",
        "Targets (issue 11): at least Virtuoso's throughput at 8 clients and 1.5× at 1, and within 10% of the bare "
        "endpoint (≥ 0.9×), with every limit on.",
        "",
        "| Data | Clients | ours req/s | Virtuoso | bare | ours / Virtuoso (target) | ours / bare (target 0.9×) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in info["ratios"]:
        mark = {True: " ✓", False: " ✗", None: ""}
        lines.append(
            f"| {r['data']} | {r['clients']} | {r['ours']} | {r['virtuoso'] or '–'} | {r['bare'] or '–'} | "
            f"{times(r['ours_vs_virtuoso'])} ({times(r['virtuoso_target'])}){mark[r['virtuoso_met']]} | "
            f"{times(r['ours_vs_bare'])}{mark[r['bare_met']]} |"
        )
    lines += ["", "## Single-client check of each request (slowest five per endpoint and data set)", ""]
    for e in info["results"]:
        seconds = e.get("check", {}).get("seconds", {})
        if seconds:
            slowest = sorted(seconds.items(), key=lambda kv: -kv[1])[:5]
            unchecked = e["check"]["unchecked"]
            lines.append(
                f"- {e['data']} / {e['endpoint']} (median {statistics.median(seconds.values()) * 1000:.0f} ms"
                + (f", {unchecked} not checked: budget spent" if unchecked else "")
                + "): "
                + ", ".join(f"{name} {s * 1000:.0f} ms" for name, s in slowest)
            )
    lines += [
        "",
        "## Where we are not on target, and why",
        "",
        "_To be written by a person who has read the figures above: the tool measures, it does not explain._",
        "",
        "## Our settings",
        "",
        "```json",
        json.dumps(info["settings"], indent=2),
        "```",
        "",
    ]
    return "\n".join(lines)


def add_ours_option(p: argparse.ArgumentParser, example: str) -> None:
    """``--ours SETTING=VALUE`` (repeatable): one of our settings changed for the run (``ours_settings``)."""
    p.add_argument(
        "--ours",
        action="append",
        default=[],
        metavar="SETTING=VALUE",
        help=f"change one of our settings (e.g. {example}) to see what it costs; recorded in the report",
    )


def ours_settings(p: argparse.ArgumentParser, items: list[str]) -> Settings:
    """The settings with ``--ours``' changes; a clear usage error for a bad one."""
    changes: dict[str, Any] = dict(item.split("=", 1) for item in items)
    try:
        return Settings(**changes)
    except ValueError as error:
        p.error(f"--ours: {error}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.bench_compare", description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=int, default=10, help="seconds of wrk per cell (default 10)")
    p.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=list(SIZES))
    p.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")], default=list(CLIENTS))
    p.add_argument("--endpoints", type=lambda s: s.split(","), default=list(ENDPOINTS))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--check-budget", type=float, default=60.0, help="seconds for the check pass of one endpoint")
    add_ours_option(p, "reserved_workers=0")
    p.add_argument("--quick", action="store_true", help="for development: 2 s cells, one synthetic graph of 20k")
    args = p.parse_args(argv)
    unknown = set(args.endpoints) - set(ENDPOINTS)
    if unknown:
        p.error(f"unknown endpoints {sorted(unknown)}; choose among {', '.join(ENDPOINTS)}")
    if args.quick:
        args.duration, args.sizes, args.check_budget = 2, [20_000], 20.0
    out = run(ours_settings(p, args.ours), args)
    print(f"wrote {out / 'compare.json'} and {out / 'compare.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
