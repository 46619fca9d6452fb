"""The build, step by step: load → quotes → mentions → reason → materialise → validate → publish, with progress and
timings.

Each step is one call into its module, which owns the conversions it needs (``reason``: pyoxigraph ↔ owlready2;
``validate``: pyoxigraph → rdflib). ``run`` returns a BuildResult or raises BuildError; with ``publish=False``
it is ``migkg check``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import Quad

from server import search
from server.pipeline import load, materialise, mentions, publish, quotes, reason, validate
from server.settings import Settings

Progress = Callable[[str], None]


@dataclass
class BuildResult:
    quads: list[Quad]
    timings: dict[str, float] = field(default_factory=dict)
    findings: list[validate.Finding] = field(default_factory=list)
    release: Path | None = None
    excerpts: int = 0
    curated_files: int = 0


@contextmanager
def _step(name: str, timings: dict[str, float], progress: Progress) -> Iterator[None]:
    progress(f"{name} …")
    started = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - started
    progress(f"{name} done in {timings[name]:.2f} s")


def run(settings: Settings, *, publish_release: bool = True, progress: Progress = lambda _: None) -> BuildResult:
    started, timings = datetime.now(UTC), dict[str, float]()
    step = functools.partial(_step, timings=timings, progress=progress)
    with step("load"):
        loaded = load.load_all(settings)
        progress(
            f"  {len(loaded.quads)} quads from {len(loaded.files)} curated file(s), {len(loaded.excerpts)} excerpts"
        )
    with step("quotes"):
        positions = quotes.resolve(loaded.excerpts, loaded.texts)
        quads = loaded.quads + quotes.provenance(loaded.excerpts, positions)
    with step("mentions"):
        index = mentions.index(loaded.quads, loaded.excerpts, positions, loaded.texts)
        quads += index.quads + mentions.provenance(started)
        progress(
            f"  {len(index.quads)} mention-index triples; {len(index.ambiguous)} name(s) shared by several entities"
        )
    with step("reason"):
        reasoning = reason.reason_over(quads, settings)
        progress(f"  consistent ({reasoning.software}); {len(reasoning.inferred)} triples from the reasoner")
    with step("materialise"):
        inferred = materialise.inferred_graph(reasoning)
        quads += inferred + materialise.provenance(reasoning.software, started)
        progress(f"  {len(inferred)} inferred triples")
    with step("validate"):
        inputs = validate.inputs(settings, quads)
        findings = validate.run(inputs)
        validate.ensure_no_violation(findings)
        progress(f"  0 violations, {len(findings)} warning(s)")
    result = BuildResult(quads, timings, findings, excerpts=len(loaded.excerpts), curated_files=len(loaded.files))
    if publish_release:
        with step("publish"):
            documents = search.documents(inputs.dataset)
            result.release = publish.publish_release(settings, quads, documents, loaded.texts.values(), timings)
            progress(f"  release {result.release.name} ({len(documents)} entities in the search index)")
    return result
