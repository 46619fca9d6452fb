"""Time a partner's upload from request to visible, over real HTTP, and what a SPARQL Update's scratch copy costs;
write ``build/bench/partner-upload.md``.

    .venv/bin/python -m tools.bench_partner_upload [--triples 10000] [--runs 3] [--out build/bench]

Needs a built release (``make build``). Serves ``build/current`` on loopback with a fresh state directory and
one partner, then for each run PUTs a graph of ``--triples`` triples (programmes as an agency would send them:
``tools.bench_partner_gate.programmes``) and asks ``/sparql`` right after the 2xx, and again until the graph is
seen: *request → 2xx* is the gate and the commit, *request → visible* adds what the query workers take to see
the new generation. Then it times SPARQL Updates (one triple into that graph) over HTTP, and in process the
scratch copy they run on (``server.unions.of`` over the release and the partner graphs) and the whole
evaluation with its diff (``server.partners.update.evaluate``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pyoxigraph as ox

from server import prefixes, unions
from server.partners import update
from server.partners.registry import Registry
from server.partners.storage import PartnerStorage
from server.release import open_current
from server.settings import Settings
from tools import loopback
from tools.bench_partner_gate import programmes

GRAPH = prefixes.GRAPH_PARTNER + "bench/programmes"
VISIBLE_WITHIN = 30.0  # seconds to keep asking before calling the graph not visible


def visible_ask(first: ox.Triple) -> str:
    return f"ASK {{ GRAPH <{GRAPH}> {{ {first.subject} {first.predicate} {first.object} }} }}"


def upload_once(server: loopback.Server, token: str, body: bytes, ask: str) -> dict[str, float | bool | None]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/n-triples"}
    started = time.perf_counter()
    response = httpx.put(
        server.url + "/graph-store", params={"graph": GRAPH}, content=body, headers=headers, timeout=600
    )
    answered = time.perf_counter() - started
    if response.status_code not in (201, 204):
        raise RuntimeError(f"upload refused: {response.status_code} {response.text[:2000]}")
    first_query_sees_it, seen = False, None
    for attempt in range(10_000):
        found = httpx.post(server.sparql, data={"query": ask}, timeout=60).json()["boolean"]
        if found:
            first_query_sees_it, seen = attempt == 0, time.perf_counter() - started
            break
        if time.perf_counter() - started > answered + VISIBLE_WITHIN:
            break
    return {"2xx": answered, "visible": seen, "first query sees it": first_query_sees_it}


def update_once(server: loopback.Server, token: str, n: int) -> float:
    subject = "<https://example.org/agency/programme/0>"
    text = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ {subject} <{prefixes.RDFS}comment> "{n}" }} }}'
    started = time.perf_counter()
    response = httpx.post(
        server.sparql, data={"update": text}, headers={"Authorization": f"Bearer {token}"}, timeout=600
    )
    if response.status_code != 204:
        raise RuntimeError(f"update refused: {response.status_code} {response.text[:2000]}")
    return time.perf_counter() - started


def scratch_costs(snapshot: Path, partner_quads: list[ox.Quad], runs: int) -> dict[str, float]:
    release = list(ox.parse(path=snapshot, format=ox.RdfFormat.N_QUADS))
    served = [*release, *partner_quads]
    text = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <https://example.org/x> <{prefixes.RDFS}comment> "x" }} }}'
    copies, evaluations = [], []
    for _ in range(runs):
        started = time.perf_counter()
        unions.of(served)
        copies.append(time.perf_counter() - started)
        started = time.perf_counter()
        update.evaluate(text, served)
        evaluations.append(time.perf_counter() - started)
    return {
        "quads served": float(len(served)),
        "scratch copy": statistics.median(copies),
        "evaluate + diff (copy included)": statistics.median(evaluations),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--triples", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--out", type=Path, default=Path("build/bench"))
    args = p.parse_args()
    settings = Settings()
    release = open_current(settings.current_release)
    data = programmes(args.triples)
    body = ox.serialize(data, format=ox.RdfFormat.N_TRIPLES) or b""
    with tempfile.TemporaryDirectory(prefix="partner-upload-") as tmp:
        state = Path(tmp) / "var"
        _, token = Registry(state / "partners.json").add("bench", name="Bench agency")
        server = loopback.start_server(Path(tmp), release.path, state_dir=str(state), query_workers="2")
        try:
            uploads = [upload_once(server, token, body, visible_ask(data[0])) for _ in range(args.runs)]
            updates = [update_once(server, token, n) for n in range(args.runs)]
        finally:
            server.stop()
        scratch = scratch_costs(release.snapshot, PartnerStorage(state / "partner-graphs").quads(), args.runs)
    seen = [u["visible"] for u in uploads if isinstance(u["visible"], float)]
    lines = [
        f"# Partner upload: {len(data):,} triples, request to visible",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs, release {release.id}, "
        f"{args.runs} runs (seconds; machine shared with other work).",
        "",
        "| run | request → 2xx | request → visible in /sparql | first query after the 2xx sees it |",
        "|---|---|---|---|",
        *(
            f"| {i + 1} | {u['2xx']:.2f} | {u['visible']:.2f} | {'yes' if u['first query sees it'] else 'no'} |"
            if u["visible"] is not None
            else f"| {i + 1} | {u['2xx']:.2f} | not visible within {VISIBLE_WITHIN:g} s | no |"
            for i, u in enumerate(uploads)
        ),
        "",
        f"Median request → 2xx {statistics.median(float(u['2xx'] or 0) for u in uploads):.2f} s"
        + (f", request → visible {statistics.median(seen):.2f} s." if seen else "; the store did not show the graph."),
        "",
        f"SPARQL Update of one triple into that graph, over HTTP: median {statistics.median(updates):.2f} s "
        f"(scratch copy, evaluation, diff, gate of the {len(data):,}-triple graph, commit).",
        "",
        f"In process, over {int(scratch['quads served']):,} served quads: scratch copy (quads + union in the default "
        f"graph) {scratch['scratch copy']:.2f} s; evaluation with its diff, copy included, "
        f"{scratch['evaluate + diff (copy included)']:.2f} s (medians).",
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "partner-upload.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
