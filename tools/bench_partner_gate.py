"""Time the partner gate (SHACL, checks, consistency by the reasoner) per write and write
``build/bench/partner-gate.md``.

    .venv/bin/python -m tools.bench_partner_gate [--sizes 2 100 1000 10000] [--runs 3] [--out build/bench]

Needs a built release (``make build``): our entities' types are looked up in ``build/current``. The data are
programmes as an agency would upload them (type, what they give effect to, name, where, since when); 2 triples
are the issue's example.
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

import pyoxigraph as ox

from server import prefixes
from server.partners.gate import Gate, lookup_in
from server.release import open_current
from server.settings import Settings
from server.store.embedded import load_snapshot

GRAPH = prefixes.GRAPH_PARTNER + "bench/programmes"
ITEMS = [prefixes.ID + f"commitment/montevideo-2006/p25{c}" for c in "abcdefghijklmnopq"]
COUNTRIES = [prefixes.ID + f"country/{c}" for c in ("ecu", "mex", "col", "per", "arg", "bra", "chl", "ury")]


def programmes(size: int) -> list[ox.Triple]:
    mig, rdf, rdfs, xsd = prefixes.MIG, prefixes.RDF, prefixes.RDFS, prefixes.XSD
    out: list[ox.Triple] = []
    i = 0
    while len(out) < size:
        p = ox.NamedNode(f"https://example.org/agency/programme/{i}")
        out += [
            ox.Triple(p, ox.NamedNode(rdf + "type"), ox.NamedNode(mig + "Programme")),
            ox.Triple(p, ox.NamedNode(mig + "givesEffectTo"), ox.NamedNode(ITEMS[i % len(ITEMS)])),
            ox.Triple(p, ox.NamedNode(rdfs + "label"), ox.Literal(f"Programa {i}", language="es")),
            ox.Triple(p, ox.NamedNode(mig + "implementedIn"), ox.NamedNode(COUNTRIES[i % len(COUNTRIES)])),
            ox.Triple(
                p, ox.NamedNode(mig + "startDate"), ox.Literal(str(2000 + i % 20), datatype=ox.NamedNode(xsd + "gYear"))
            ),
        ]
        i += 1
    return out[:size]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[2, 100, 1000, 10_000])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--out", type=Path, default=Path("build/bench"))
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="partner-gate-") as tmp:
        settings = Settings(state_dir=Path(tmp))
        gate = Gate.from_settings(settings)
        lookup = lookup_in(load_snapshot(open_current(settings.current_release).snapshot))
        rows = []
        for size in args.sizes:
            data = programmes(size)
            runs: list[dict[str, float]] = []
            for run in range(args.runs):
                started = time.perf_counter()
                report = gate.check(GRAPH, data, lookup, f"20260101T000000Z-{run:012x}")
                assert report.conforms, report.serialize("text/turtle").decode()[:3000]
                runs.append({**report.timings, "total": time.perf_counter() - started})
            medians = {step: statistics.median(r[step] for r in runs) for step in runs[0]}
            rows.append((len(data), medians))
            print(len(data), {k: round(v, 2) for k, v in medians.items()}, flush=True)
    steps = list(rows[0][1])
    lines = [
        "# Partner gate: time per write",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs, reasoner "
        f"{settings.reasoner}; median of {args.runs} runs per size (seconds, machine shared with other work).",
        "",
        "| triples in the graph | " + " | ".join(steps) + " |",
        "|---|" + "---|" * len(steps),
        *(f"| {n} | " + " | ".join(f"{m[s]:.2f}" for s in steps) + " |" for n, m in rows),
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "partner-gate.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
