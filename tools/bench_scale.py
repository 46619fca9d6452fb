"""``python -m tools.bench_scale`` (``make bench-scale``): the whole app over each store at 1M and 10M synthetic
triples — load rate, disk, memory per process, latency and throughput — one run, written to files (never asserted).

For each size (``--sizes``) a synthetic release is generated once and cached under ``<build>/bench/data/`` (the
snapshot of ``tools.synthetic``, as ``make bench-compare`` makes it, plus a search index), with its partner graphs in
a partner storage beside it (``synthetic.write_partners``: they are not in a release, the partner writer keeps them).
For each store (``--stores``), in turn, in a fresh temporary directory:

* **load**: ``embedded``, from ``migkg serve``'s start until every query worker has loaded the snapshot and the partner
  graphs (the workers load at the same time, each its own copy), or, where ``Settings.store_on_disk`` holds the
  release on disk (10M triples by default), has opened the release's on-disk store, which is published once per
  release and cached with the time that took (``on_disk_store``); ``virtuoso`` / ``oxigraph`` (``tools.stores``, the
  store started empty), ``server.store.remote.publish`` of the release into it, what ``migkg build`` does with
  ``MIGKG_STORE=remote`` (graph by graph, then the union graph, counts verified); the partner graphs are written
  through by the server before its first query. Rate: release triples per second;
* **disk**: the release directory, the partner storage, and the store's data directory (remote);
* **memory**: RSS and PSS (``/proc/<pid>/smaps_rollup``) of every process of the replica — ``migkg serve``, its query
  workers (and the partner writer, which starts on the first partner write: the mix has none) — and of the store's
  server, once loaded and after the mix;
* **mix** (``scale_mix``): two ad hoc queries of ``tools.bench_compare``, entity pages of six kinds and ``/search``,
  IRIs and words drawn from the seed, all through ``migkg serve`` (GET; SPARQL JSON results for queries, HTML for
  pages). One pass over the distinct requests, one at a time (warm-up; its times give the single-client p50/p95 per
  kind; the first /search, which merges the partner graphs into the index, timed apart), then wrk at each client count
  (``--clients``) for ``--duration`` seconds, each connection a client of its own, non-2xx answers counted apart;
  then each catalogue query that finds something in the synthetic graph (``CATALOGUE``) once.

Every setting of ours is at its default but the client address header (as in ``make bench-compare``) and what
``--ours SETTING=VALUE`` changes (e.g. a storage mode of the embedded workers). Writes ``<build>/bench/scale.json``
and ``scale.md``, with the machine's load average per cell.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pyoxigraph as ox

from server import search
from server.release import SEARCH, SNAPSHOT, STORE, Release
from server.settings import Settings
from server.store.remote import Endpoints, Remote, publish
from tools import synthetic
from tools.bench_compare import (
    CHECK_TIMEOUT,
    CLIENT_HEADER,
    PREFIXES,
    SPARQL_JSON,
    TEMPLATES,
    add_ours_option,
    changed_settings,
    ours_settings,
    report_head,
    request_path,
    run_wrk,
    size_name,
    synthetic_release,
)
from tools.bench_memory import with_store
from tools.loopback import Server, start_server
from tools.stores import ExternalStore, start_oxigraph, start_virtuoso

STORES = ("embedded", "virtuoso", "oxigraph")
SIZES = (1_000_000, 10_000_000)
CLIENTS = (1, 8)
HTML = "text/html"
START_TIMEOUT = 3600.0  # 10M triples load in minutes on a busy machine
PUBLISH_TIMEOUT = 3600.0  # per request of the publish: the counts and partitions of 10M triples are long queries
VIRTUOSO_BUFFERS = 170_000  # 1.3 GB of 8 kB pages: Virtuoso's own advice for a 2 GB machine (the tests use 80 MB)
# The catalogue queries (queries/*.rq) that find something in the synthetic graph (every one was run over 20k
# triples): the others name our curated entities, or read facts from excerpt graphs, which the generator does not
# write. They are asked once each, after the loaded cells: a query past the timeout kills an embedded worker, whose
# replacement would load during the cells. At 1M (one run each): 19 (before its fix) took 15 s on the embedded
# store, 2 s on the Oxigraph server, 0.08 s on Virtuoso; 20 and 28, since written to grow with the graph rather than
# its square (two counting sub-queries; a MINUS), under 1 s, but 28 17.5 s on Virtuoso.
CATALOGUE = (
    "19-countries-as-implementers-members-hosts.rq",
    "20-topics-commitments-versus-practices.rq",
    "28-is-every-commitment-item-met-by-some-practice-topic.rq",
)
PAGES = ("organisation", "commitment", "item", "practice", "event", "country")
AD_HOC = ("lookup", "order-by-limit")  # of bench_compare's synthetic templates
ON_DISK_RECORD = "store-publish.json"  # beside a cached release: how long its on-disk store took to publish


# ---------------------------------------------------------------- pure helpers


@dataclass(frozen=True)
class Call:
    """One request of the mix."""

    kind: str  # catalogue, query, page, search
    name: str  # the catalogue file, template or page kind
    path: str  # path and query string
    accept: str


def parse_size(text: str) -> int:
    """A number of triples as written on the command line.

    >>> parse_size("10M"), parse_size("100k"), parse_size("20000")
    (10000000, 100000, 20000)
    """
    units = {"k": 1_000, "K": 1_000, "M": 1_000_000}
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def percentile(values: Sequence[float], q: int) -> float:
    """The ``q``-th percentile (1–99) of ``values``, interpolated between the closest ranks (the ``inclusive``
    method of ``statistics.quantiles``: the median is the 50th).

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
    2.5
    """
    if not values:
        raise ValueError("no values")
    if not 1 <= q <= 99:
        raise ValueError(f"percentile {q} outside 1–99")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def latencies(seconds: Sequence[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds, and how many requests they are of."""
    return {
        "count": len(seconds),
        "p50_ms": round(percentile(seconds, 50) * 1000, 1),
        "p95_ms": round(percentile(seconds, 95) * 1000, 1),
    }


def smaps_rollup(text: str) -> dict[str, int]:
    """RSS and PSS in bytes from the text of ``/proc/<pid>/smaps_rollup``.

    >>> smaps_rollup("00400000-7ffd [rollup]\\nRss:    2048 kB\\nPss:    1024 kB\\nShared_Clean: 8 kB\\n")
    {'rss': 2097152, 'pss': 1048576}
    """
    found = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name in ("Rss", "Pss"):
            found[name.lower()] = int(value.split()[0]) * 1024
    return found


def mib(size: int | None) -> str:
    return "–" if size is None else f"{size / 2**20:,.0f}"


def scale_mix(rounds: int, seed: int, catalogue: dict[str, str], cycles: int = 20) -> list[Call]:
    """``cycles`` rounds of requests over a synthetic graph of ``rounds`` rounds: in each, one catalogue query (in
    turn), the ad hoc queries, one page of each kind and one search, with IRIs and words drawn from ``seed``."""
    rng = random.Random(seed)
    names = sorted(catalogue)
    mix = []
    for cycle in range(cycles):
        if names:
            name = names[cycle % len(names)]
            mix.append(Call("catalogue", name, request_path("/sparql", catalogue[name]), SPARQL_JSON))
        round_ = rng.randrange(rounds)
        values = {
            "organisation": synthetic.iri("organisation", rng.randrange(2 * rounds)),
            "country": synthetic.iri("country", rng.randrange(synthetic.COUNTRIES)),
            "commitment": synthetic.iri("commitment", round_),
            "practice": synthetic.iri("practice", rng.randrange(synthetic.PRACTICES_PER_ROUND * rounds)),
            "event": synthetic.iri("event", rng.randrange(rounds)),
            "item": synthetic.iri("commitment", round_, 0),
            "word": rng.choice(synthetic.WORDS),
        }
        for name in AD_HOC:
            template, accept = TEMPLATES[name]
            mix.append(Call("query", name, request_path("/sparql", PREFIXES + template.format(**values)), accept))
        for kind in PAGES:
            mix.append(Call("page", kind, "/doc/" + values[kind].removeprefix(synthetic.ID), HTML))
        mix.append(Call("search", "search", f"/search?q={quote(values['word'])}", HTML))
    return mix


# ---------------------------------------------------------------- processes, disk


def children(pid: int) -> list[int]:
    """Every descendant of ``pid``, children first."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            direct = [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
        for child in direct:
            found += [child, *children(child)]
    return found


def process_memory(pid: int) -> dict[str, Any] | None:
    """The command line, RSS and PSS of a process (None once it is gone)."""
    try:
        memory = smaps_rollup(Path(f"/proc/{pid}/smaps_rollup").read_text())
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None
    return {"pid": pid, "command": command[:200], **memory}


def role(command: str, rank: int, workers: int) -> str:
    """What a process of a replica is, from its command line and, for a spawned one, its ``rank`` among the spawned
    processes by start time: the server starts its ``workers`` query workers, then the partner writer.

    >>> role("python -c from multiprocessing.resource_tracker import main;main(5)", 0, 2)
    'resource tracker'
    >>> [role("python -c from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5)", n, 2) for n in (1, 2)]
    ['query worker', 'partner writer']
    """
    if "resource_tracker" in command:
        return "resource tracker"
    if "spawn_main" in command:
        return "query worker" if rank < workers else "partner writer"
    return "server"


def started_at(pid: int) -> int:
    """When a process started (clock ticks since boot: field 22 of ``/proc/<pid>/stat``; 0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat[stat.rindex(")") + 2 :].split()[19])


def replica_memory(server: Server, workers: int, store: ExternalStore | None) -> list[dict[str, Any]]:
    """RSS and PSS of each process of the replica (the server and its descendants; ``workers``: how many query
    workers it runs) and of the store's server. A worker replaced during the mix starts after the writer, so after
    the mix one of them may be named for the other."""
    pids = [server.process.pid, *children(server.process.pid)]
    found = [m for m in map(process_memory, pids) if m is not None]
    spawned = sorted((m for m in found if "spawn_main" in m["command"]), key=lambda m: started_at(m["pid"]))
    for m in found:
        rank = spawned.index(m) if m in spawned else 0
        m["role"] = role(m["command"], rank, workers) if m["pid"] != server.process.pid else "server"
    if store is not None:
        for pid in (store.process.pid, *children(store.process.pid)):
            of_store = process_memory(pid)
            if of_store is not None:
                found.append(of_store | {"role": f"{store.name} server"})
    return found


def totals(processes: list[dict[str, Any]]) -> dict[str, int]:
    """RSS and PSS summed over the replica's own processes, and over the store's server."""
    replica = [p for p in processes if not p["role"].endswith(" server") or p["role"] == "server"]
    store = [p for p in processes if p not in replica]
    return {
        "replica_rss": sum(p.get("rss", 0) for p in replica),
        "replica_pss": sum(p.get("pss", 0) for p in replica),
        "store_rss": sum(p.get("rss", 0) for p in store),
        "store_pss": sum(p.get("pss", 0) for p in store),
    }


def disk_bytes(path: Path) -> int:
    """The space the files under ``path`` take on disk (allocated blocks, as ``du``)."""
    if path.is_file():
        return path.stat().st_blocks * 512
    return sum(f.lstat().st_blocks * 512 for f in path.rglob("*") if f.is_file() and not f.is_symlink())


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class ScaleData:
    name: str  # synthetic-1M
    release: Path
    partners: Path  # a partner storage (copied into each server's state directory)
    triples: int
    partner_triples: int
    rounds: int


def with_search_index(release: Path, say: Callable[[str], None]) -> None:
    """Write the release's search index (as the build does, over the served union) unless it is there. The store it
    is read from is on disk (bulk loaded: the quads, then their triples into the default graph, where a set keeps
    each once), so that 10M triples are indexed in little memory."""
    if (release / SEARCH).exists():
        return
    say(f"indexing {release.name} for /search")
    with tempfile.TemporaryDirectory(prefix="migkg-bench-scale-index-", dir=release.parent) as tmp:
        triples = Path(tmp) / "union.nt"
        with (release / SNAPSHOT).open(encoding="utf-8") as quads, triples.open("w", encoding="utf-8") as out:
            out.writelines(without_graph(line) for line in quads)
        store = ox.Store(Path(tmp) / "store")
        store.bulk_load(path=release / SNAPSHOT, format=ox.RdfFormat.N_QUADS)
        store.bulk_load(path=triples, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
        index = Path(tmp) / SEARCH
        search.write_index(search.documents(store), index)
        del store
        index.rename(release / SEARCH)


def without_graph(line: str) -> str:
    """An N-Quads line of a quad in a named graph as the N-Triples line of its triple.

    >>> without_graph('<http://x/s> <http://x/p> "a <b>" <http://x/g> .\\n')
    '<http://x/s> <http://x/p> "a <b>" .\\n'
    """
    return line[: line.rindex("<")] + ".\n"


def scale_data(build: Path, triples: int, seed: int, say: Callable[[str], None]) -> ScaleData:
    name = f"synthetic-{size_name(triples)}"
    release = build / "bench" / "data" / f"{name}-s{seed}"
    summary = synthetic_release(release, triples, seed, say)
    with_search_index(release, say)
    partners = build / "bench" / "data" / f"partners-{size_name(triples)}-s{seed}"
    written = partners / "written.json"
    if not written.exists():
        shutil.rmtree(partners, ignore_errors=True)
        say(f"committing partner graphs for {name} into {partners}")
        sizes = synthetic.write_partners(partners / "storage", summary.rounds, summary.triples, seed)
        written.write_text(json.dumps(sizes, indent=2) + "\n", encoding="utf-8")
    partner_triples = sum(json.loads(written.read_text(encoding="utf-8")).values())
    return ScaleData(name, release, partners / "storage", summary.triples, partner_triples, summary.rounds)


def catalogue(queries_dir: Path) -> dict[str, str]:
    return {name: (queries_dir / name).read_text(encoding="utf-8") for name in CATALOGUE}


# ---------------------------------------------------------------- one store


@contextmanager
def remote_store(kind: str, data: ScaleData, directory: Path, entry: dict[str, Any]) -> Iterator[ExternalStore]:
    """A fresh ``kind`` store with the release published into it; the publish timed into ``entry["load"]``."""
    store = start_virtuoso(directory, VIRTUOSO_BUFFERS) if kind == "virtuoso" else start_oxigraph(directory)
    try:
        opened = Release.open(data.release)
        remote = Remote(
            Endpoints(
                store.query_url, store.update_url, store.gsp_url, timeout=PUBLISH_TIMEOUT, write_timeout=PUBLISH_TIMEOUT
            )
        )
        started = time.monotonic()
        try:
            publish(remote, opened.snapshot, opened.metadata.graphs, opened.metadata.base_iri)
        finally:
            remote.close()
        what = "publish into the store (graph by graph in parts, union graph, counts verified)"
        entry["load"] = loaded(what, data, started)
        yield store
    finally:
        store.stop()


def on_disk_store(release: Path, say: Callable[[str], None]) -> dict[str, Any]:
    """The release's on-disk store (``migkg build`` publishes it: ``bench_memory.with_store``), published once per
    release and kept in the data cache, with the time it took then (``ON_DISK_RECORD``) and its size."""
    record = release / ON_DISK_RECORD
    if record.exists() and (release / STORE).is_dir():
        timings: dict[str, Any] = json.loads(record.read_text(encoding="utf-8"))
        return timings
    shutil.rmtree(release / STORE, ignore_errors=True)  # one a stopped run left half-written
    timings = with_store(release, say)
    record.write_text(json.dumps(timings, indent=2) + "\n", encoding="utf-8")
    return timings


def loaded(what: str, data: ScaleData, started: float) -> dict[str, Any]:
    seconds = time.monotonic() - started
    return {"what": what, "seconds": round(seconds, 1), "triples_per_second": round(data.triples / seconds)}


def first_search(server: Server) -> str:
    """Time the first /search, which merges the partner graphs' documents into a copy of the release's index (once
    per generation of the partner graphs), so that the mix measures searches, not that merge: its seconds, and its
    status if it is not a 2xx."""
    started = time.monotonic()
    try:
        response = httpx.get(server.url + "/search", params={"q": synthetic.WORDS[0]}, timeout=START_TIMEOUT)
        status = "" if response.is_success else f" ({response.status_code})"
    except httpx.HTTPError as error:
        status = f" ({type(error).__name__})"
    return f"{time.monotonic() - started:.1f}{status}"


def catalogue_times(url: str, mix: list[Call]) -> dict[str, str]:
    """Each catalogue query of the mix once, one at a time: its seconds, or the status or error it got."""
    found = {}
    calls = {c.name: c for c in mix if c.kind == "catalogue"}
    with httpx.Client(base_url=url, timeout=CHECK_TIMEOUT, headers={CLIENT_HEADER: "127.0.0.101"}) as client:
        for name, call in sorted(calls.items()):
            started = time.perf_counter()
            try:
                response = client.get(call.path, headers={"Accept": call.accept})
                seconds = f"{time.perf_counter() - started:.2f} s"
                found[name] = seconds if response.is_success else f"{response.status_code} after {seconds}"
            except httpx.HTTPError as error:
                found[name] = type(error).__name__
    return found


def check(url: str, calls: list[Call], budget: float) -> dict[str, Any]:
    """Each distinct request once, one at a time, within ``budget`` seconds: statuses and times per kind."""
    seconds: dict[str, list[float]] = {}
    failed: dict[str, str] = {}
    unchecked = 0
    deadline = time.monotonic() + budget
    distinct = list({c.path: c for c in calls}.values())
    with httpx.Client(base_url=url, timeout=CHECK_TIMEOUT, headers={CLIENT_HEADER: "127.0.0.100"}) as client:
        for n, call in enumerate(distinct):
            if time.monotonic() > deadline:
                unchecked = len(distinct) - n
                break
            started = time.perf_counter()
            try:
                response = client.get(call.path, headers={"Accept": call.accept})
                status = "" if response.is_success else str(response.status_code)
            except httpx.HTTPError as error:
                status = type(error).__name__
            if status:
                failed.setdefault(call.name, status)
            else:
                seconds.setdefault(call.kind, []).append(time.perf_counter() - started)
    return {
        "answered": sum(map(len, seconds.values())),
        "failed": failed,
        "unchecked": unchecked,
        "kinds": {kind: latencies(times) for kind, times in sorted(seconds.items())},
    }


def serve(
    kind: str, data: ScaleData, directory: Path, settings: Settings, store: ExternalStore | None
) -> tuple[Server, float]:
    """``migkg serve`` over the release (on ``store`` when given) with the partner graphs; returns it once every
    query worker has loaded, and when it started."""
    shutil.copytree(data.partners, directory / "var" / "partner-graphs", symlinks=True)
    ours: dict[str, Any] = {"client_address_header": CLIENT_HEADER, **changed_settings(settings)}
    if store is not None:
        ours |= {
            "store": "remote",
            "store_query_url": store.query_url,
            "store_update_url": store.update_url,
            "store_gsp_url": store.gsp_url,
        }
    started = time.monotonic()
    server = start_server(directory, data.release, log_level="info", start_timeout=START_TIMEOUT, **ours)
    try:
        if kind == "embedded":
            wait_loaded(server, settings.query_workers)
    except BaseException:
        server.stop()
        raise
    return server, started


def wait_loaded(server: Server, workers: int) -> None:
    """Wait until ``workers`` query workers have loaded; fail as soon as the pool reports it cannot load."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        health = httpx.get(server.url + "/healthz", timeout=10).json()
        if health["workers"]["loaded"] >= workers:
            return
        if health["status"] == "failed" or server.process.poll() is not None:
            raise RuntimeError(f"the query workers did not load:\n{server.log_tail()}")
        time.sleep(0.5)
    raise RuntimeError(f"the query workers did not load within {START_TIMEOUT} s")


def measure(
    kind: str,
    data: ScaleData,
    mix: list[Call],
    settings: Settings,
    args: argparse.Namespace,
    work: Path,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Load ``data`` into ``kind``, serve it, measure memory, run the mix at each client count, stop everything."""
    entry: dict[str, Any] = {
        "store": kind,
        "data": data.name,
        "triples": data.triples,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cells": [],
    }
    directory = work / f"{kind}-{data.name}"
    try:
        with remote_store(kind, data, directory / "store", entry) if kind != "embedded" else nullcontext() as store:
            if store is not None:
                say(f"  {kind}: published in {entry['load']['seconds']} s")
            on_disk = kind == "embedded" and settings.store_on_disk(data.triples)
            if on_disk:
                entry["on_disk_store"] = on_disk_store(data.release, say)
            (directory / "app").mkdir(parents=True)
            server, started = serve(kind, data, directory / "app", settings, store)
            try:
                if kind == "embedded":
                    opened = "opened the release's on-disk store" if on_disk else "loaded (each its own copy)"
                    what = f"migkg serve's start until every query worker has {opened}"
                    entry["memory_mode"] = "disk" if on_disk else "copy"
                    entry["load"] = loaded(what, data, started)
                    say(f"  {kind}: {settings.query_workers} workers loaded in {entry['load']['seconds']} s")
                workers = settings.query_workers if kind == "embedded" else 0
                entry["memory_loaded"] = replica_memory(server, workers, store)
                entry["first_search_seconds"] = first_search(server)
                loaded_mix = [c for c in mix if c.kind != "catalogue"]
                entry["check"] = check(server.url, loaded_mix, args.check_budget)
                say(f"  {kind}: check {entry['check']['answered']} answered, failed {entry['check']['failed']}")
                for clients in args.clients:
                    load = [round(x, 2) for x in os.getloadavg()]
                    script = directory / f"{clients}.lua"
                    pairs = [(c.path, c.accept) for c in loaded_mix]
                    cell = run_wrk(server.url, pairs, clients, args.duration, script)
                    cell |= {"clients": clients, "seconds": args.duration, "load_average": load}
                    entry["cells"].append(cell)
                    say(f"    {clients} client(s): {cell['ok_per_second']} req/s, p50 {cell['p50_ms']} ms, "
                        f"p95 {cell['p95_ms']} ms, non-2xx {cell['non2xx']}")  # fmt: skip
                entry["memory_after"] = replica_memory(server, workers, store)
                entry["memory"] = totals(entry["memory_after"])
                entry["catalogue"] = catalogue_times(server.url, mix)
                say(f"  {kind}: catalogue {entry['catalogue']}")
            finally:
                server.stop()
            entry["disk"] = {
                "release": disk_bytes(data.release),
                "partner_storage": disk_bytes(data.partners),
                "store_data": disk_bytes(directory / "store") if store is not None else None,
            }
    except Exception as error:  # one store failing must not lose the others' figures
        entry["error"] = f"{type(error).__name__}: {error}"[:4000]
        say(f"  {kind}: failed: {entry['error'][:500]}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return entry


def run(settings: Settings, args: argparse.Namespace, say: Callable[[str], None] = print) -> Path:
    out, started, head = report_head(settings)
    info: dict[str, Any] = {
        **head,
        "ours": changed_settings(settings),
        "query_workers": settings.query_workers,
        "seconds_per_cell": args.duration,
        "clients": list(args.clients),
        "seed": args.seed,
        "virtuoso_buffers": VIRTUOSO_BUFFERS,
        "catalogue": list(CATALOGUE),
        "data": [],
        "results": [],
    }
    earlier = out / "scale.json"
    kept = kept_results(json.loads(earlier.read_text(encoding="utf-8")), args) if earlier.exists() else {}
    info["data"], info["results"] = kept.get("data", []), kept.get("results", [])
    texts = catalogue(settings.queries_dir)
    with tempfile.TemporaryDirectory(prefix="migkg-bench-scale-") as tmp:
        for triples in args.sizes:
            data = scale_data(settings.build_dir, triples, args.seed, say)
            mix = scale_mix(data.rounds, args.seed, texts)
            info["data"] = [d for d in info["data"] if d["name"] != data.name]
            info["data"].append(asdict(data) | {"release": str(data.release), "partners": str(data.partners),
                                                "requests": len(mix)})  # fmt: skip
            say(f"{data.name}: {data.triples:,} triples, {data.partner_triples:,} in partner graphs")
            for kind in args.stores:
                info["results"].append(measure(kind, data, mix, settings, args, Path(tmp), say))
                write(out, info, started)  # what is measured so far survives a later failure
    return write(out, info, started)


def kept_results(earlier: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """What an earlier run measured that this one does not measure again (other sizes or stores, same seed and
    cell length), so that sizes run one at a time end in one table; each result keeps its date."""
    if (earlier.get("seed"), earlier.get("seconds_per_cell")) != (args.seed, args.duration):
        return {}
    again = {(f"synthetic-{size_name(size)}", store) for size in args.sizes for store in args.stores}
    results = [e for e in earlier.get("results", []) if (e["data"], e["store"]) not in again]
    names = {e["data"] for e in results}
    return {"data": [d for d in earlier.get("data", []) if d["name"] in names], "results": results}


def write(out: Path, info: dict[str, Any], started: datetime) -> Path:
    info["seconds"] = round((datetime.now(UTC) - started).total_seconds(), 1)
    info["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    (out / "scale.json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "scale.md").write_text(markdown(info), encoding="utf-8")
    return out


# ---------------------------------------------------------------- the report


def cell(entry: dict[str, Any], clients: int) -> dict[str, Any] | None:
    return next((c for c in entry.get("cells", []) if c["clients"] == clients), None)


def table_rows(info: dict[str, Any]) -> list[str]:
    """One row per data set and store: load, disk, memory, and each client count's figures."""
    rows = []
    for e in info["results"]:
        load, disk, memory = e.get("load", {}), e.get("disk", {}), e.get("memory", {})
        figures = []
        for clients in info["clients"]:
            c = cell(e, clients)
            figures.append(
                "– | – | –"
                if c is None
                else f"{c['ok_per_second']} | {c['p50_ms']} / {c['p95_ms']} | {c['non2xx']} ({c['load_average'][0]})"
            )
        rate = f"{load['seconds']} s, {load['triples_per_second']:,}/s" if load else "–"
        if "publish_s" in e.get("on_disk_store", {}):
            rate += f" (+ {e['on_disk_store']['publish_s']} s to publish the on-disk store, once)"
        store_memory = mib(memory.get("store_rss")) if e["store"] != "embedded" else "–"
        store = f"{e['store']} ({e['memory_mode']})" if "memory_mode" in e else e["store"]
        rows.append(
            f"| {e['data']} | {store} | {rate} | {mib(disk.get('release'))} / {mib(disk.get('store_data'))} | "
            f"{mib(memory.get('replica_rss'))} / {mib(memory.get('replica_pss'))} | {store_memory} | "
            + " | ".join(figures)
            + f" | {' '.join(e.get('error', '').split())[:200]} |"
        )
    return rows


def markdown(info: dict[str, Any]) -> str:
    m = info["machine"]
    client_heads = " | ".join(
        f"{c} client{'s' if c > 1 else ''}: req/s | p50 / p95 ms | non-2xx (load)" for c in info["clients"]
    )
    lines = [
        "# Scale: the whole app over each store",
        "",
        f"Measured {info['date']} in {info['seconds']} s on {m['host']} ({m['cpu'] or m['platform']}, {m['cpus']} "
        f"CPUs, shared; load average {' / '.join(map(str, m['load_average']))} at the start, "
        f"{' / '.join(map(str, m['load_average_end']))} at the end). `migkg serve` with {info['query_workers']} "
        f"query workers, settings changed: {info['ours'] or 'none'}. Virtuoso with {info['virtuoso_buffers']:,} "
        f"buffers. wrk {info['seconds_per_cell']} s per cell, one connection per client, each a client of its own.",
        "",
        "Data: "
        + "; ".join(
            f"**{d['name']}** {d['triples']:,} triples in the release and {d['partner_triples']:,} in partner "
            f"graphs, a mix of {d['requests']} requests"
            for d in info["data"]
        )
        + ". The loaded mix: ad hoc queries "
        + ", ".join(AD_HOC)
        + "; pages of "
        + ", ".join(PAGES)
        + "; /search. Catalogue queries "
        + ", ".join(info["catalogue"])
        + " are asked once each, after the cells.",
        "",
        "Load: embedded, from `migkg serve`'s start until every worker has loaded its copy (copy) or opened the "
        "release's on-disk store (disk: `MIGKG_STORE_MEMORY=auto` chooses it when the copies would not fit in "
        "`store_memory_budget_mb`; its publish, once per release, given apart); remote, the publish into the store. "
        "Disk in MiB: release directory / store data directory. Memory in MiB after the mix: the "
        "replica (server and workers) RSS / PSS; the store's server RSS. req/s counts 2xx answers only; load: the "
        "1-minute load average when the cell started.",
        "",
        f"| Data | Store | Load | Disk MiB | Replica MiB RSS / PSS | Store MiB | {client_heads} | error |",
        "|---|---|---|---|---|---:|" + "---:|---|---|" * len(info["clients"]) + "---|",
        *table_rows(info),
        "",
        "First /search of each replica (it merges the partner graphs' documents into a copy of the release's index, "
        "once per generation of partner graphs; not part of the mix): "
        + "; ".join(
            f"{e['data']} / {e['store']} {e['first_search_seconds']} s"
            for e in info["results"]
            if "first_search_seconds" in e
        )
        + ".",
        "",
        "## Single client, per kind of request (the warm-up pass: each distinct request once)",
        "",
        "| Data | Store | Kind | requests | p50 ms | p95 ms |",
        "|---|---|---|---:|---:|---:|",
    ]
    for e in info["results"]:
        for kind, figures in e.get("check", {}).get("kinds", {}).items():
            lines.append(
                f"| {e['data']} | {e['store']} | {kind} | {figures['count']} | {figures['p50_ms']} | "
                f"{figures['p95_ms']} |"
            )
    lines += [
        "",
        "Catalogue queries, each asked once after the loaded cells (seconds, or what was answered instead):",
        "",
    ]
    lines += [f"- {e['data']} / {e['store']}: {e['catalogue']}" for e in info["results"] if "catalogue" in e]
    failures = [e for e in info["results"] if e.get("check", {}).get("failed") or e.get("check", {}).get("unchecked")]
    if failures:
        lines += ["", "Not answered with a 2xx in the warm-up pass, or not reached within its budget:", ""]
        lines += [
            f"- {e['data']} / {e['store']}: {e['check']['failed']}, {e['check']['unchecked']} unchecked"
            for e in failures
        ]
    lines += ["", "## Memory per process after the mix (MiB)", "", "| Data | Store | Process | RSS | PSS |"]
    lines.append("|---|---|---|---:|---:|")
    for e in info["results"]:
        for p in e.get("memory_after", []):
            lines.append(f"| {e['data']} | {e['store']} | {p['role']} | {mib(p.get('rss'))} | {mib(p.get('pss'))} |")
    lines += [
        "",
        "## Where each store wins, and why",
        "",
        "_To be written by a person who has read the figures above: the tool measures, it does not explain._",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.bench_scale", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=lambda s: [parse_size(x) for x in s.split(",")], default=list(SIZES))
    p.add_argument("--stores", type=lambda s: s.split(","), default=list(STORES))
    p.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")], default=list(CLIENTS))
    p.add_argument("--duration", type=int, default=20, help="seconds of wrk per cell (default 20)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--check-budget", type=float, default=120.0, help="seconds for the warm-up pass of one store")
    add_ours_option(p, "query_workers=4, or a storage mode of the embedded workers")
    args = p.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: stop the stores and servers on the way out
    unknown = set(args.stores) - set(STORES)
    if unknown:
        p.error(f"unknown stores {sorted(unknown)}; choose among {', '.join(STORES)}")
    out = run(ours_settings(p, args.ours), args)
    print(f"wrote {out / 'scale.json'} and {out / 'scale.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
