"""Read the repository's RDF into named graphs (``load_all``, the build's first step).

* ``ontology/migkg.ttl`` → ``graph/ontology``; ``ontology/alignments.ttl`` → ``graph/alignments``;
* ``data/sources/sources.ttl`` → ``graph/sources`` (each file's sha256 checked against the text on disk);
* ``data/topics/*.ttl`` → ``graph/topics``;
* ``data/curated/*.trig`` → one graph per excerpt; the excerpt descriptions (the triples about graph names
  in the file's default graph) are collected separately, to be completed by the quote step and published
  in ``graph/provenance``. An excerpt may be described with no graph: a passage other excerpts need as context
  (``mig:hasContext``: a heading, a list's lead-in) that states no fact of its own. Any other triple in a curated
  file's default graph is an error: every fact sits in an excerpt graph;
* ``data/discrepancies.ttl`` → ``graph/discrepancies``; the reference graphs (``reference.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Triple, parse

from server import prefixes
from server.pipeline import reference
from server.pipeline.errors import BuildError
from server.settings import Settings

OA_HAS_SOURCE = NamedNode(prefixes.OA + "hasSource")
OA_HAS_SELECTOR = NamedNode(prefixes.OA + "hasSelector")
OA_EXACT = NamedNode(prefixes.OA + "exact")
OA_PREFIX = NamedNode(prefixes.OA + "prefix")
OA_SUFFIX = NamedNode(prefixes.OA + "suffix")
OA_TEXT_QUOTE_SELECTOR = NamedNode(prefixes.OA + "TextQuoteSelector")
RDF_TYPE = NamedNode(prefixes.RDF + "type")
MIG_FILE_NAME = NamedNode(prefixes.MIG + "fileName")
MIG_SHA256 = NamedNode(prefixes.MIG + "sha256")
MIG_SOURCE_DOCUMENT = NamedNode(prefixes.MIG + "SourceDocument")
MIG_EXCERPT = NamedNode(prefixes.MIG + "Excerpt")

GraphName = NamedNode | BlankNode | DefaultGraph


@dataclass(frozen=True)
class SourceText:
    iri: str
    path: Path
    text: str


@dataclass(frozen=True)
class Selector:
    exact: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class ExcerptDescription:
    """An excerpt graph as the curator wrote it: its name, source, quote, and the file it came from."""

    graph: NamedNode
    source: str
    selector: Selector
    file: Path
    line: int
    triples: tuple[Triple, ...]


@dataclass
class CuratedFile:
    path: Path
    facts: list[Quad] = field(default_factory=list)
    excerpts: list[ExcerptDescription] = field(default_factory=list)


@dataclass(frozen=True)
class Loaded:
    """What the load step hands on: every asserted graph of the repository, the curated files and source texts."""

    quads: list[Quad]
    files: list[CuratedFile]
    texts: dict[str, SourceText]

    @property
    def excerpts(self) -> list[ExcerptDescription]:
        return [ex for f in self.files for ex in f.excerpts]


def load_all(settings: Settings) -> Loaded:
    """Every asserted graph of the repository (each in its named graph), plus the curated files and source texts."""
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
    return Loaded(quads, files, texts)


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


def parse_file(path: Path, graph: str | None = None) -> list[Quad]:
    """Parse a Turtle/TriG file; a syntax error becomes a BuildError naming the file and position."""
    fmt = RdfFormat.TRIG if path.suffix == ".trig" else RdfFormat.TURTLE
    target = NamedNode(graph) if graph else None
    try:
        with path.open("rb") as f:
            quads = list(parse(f, format=fmt, base_iri=prefixes.BASE))
    except SyntaxError as e:
        raise BuildError("load", [f"{path}: {e}"]) from e
    if target is None:
        return quads
    return [Quad(q.subject, q.predicate, q.object, target) for q in quads]


def read_sources(sources_ttl: Path) -> tuple[list[Quad], dict[str, SourceText]]:
    """The source metadata graph and each source's text, checked against its recorded sha256."""
    quads = parse_file(sources_ttl, prefixes.GRAPH_SOURCES)
    problems: list[str] = []
    texts: dict[str, SourceText] = {}
    subjects = {
        q.subject
        for q in quads
        if q.predicate == RDF_TYPE and q.object == MIG_SOURCE_DOCUMENT and isinstance(q.subject, NamedNode)
    }
    for subject in sorted(subjects, key=str):
        values = {q.predicate: q.object for q in quads if q.subject == subject}
        name, digest = values.get(MIG_FILE_NAME), values.get(MIG_SHA256)
        if not isinstance(name, Literal) or not isinstance(digest, Literal):
            problems.append(f"{sources_ttl}: {subject} needs mig:fileName and mig:sha256")
            continue
        path = sources_ttl.parent / name.value
        if not path.is_file():
            problems.append(f"{sources_ttl}: {subject} names {name.value}, which is not in {path.parent}")
            continue
        raw = path.read_bytes()
        actual = hashlib.sha256(raw).hexdigest()
        if actual != digest.value:
            problems.append(f"{path}: sha256 is {actual}, sources.ttl records {digest.value}")
            continue
        texts[subject.value] = SourceText(subject.value, path, raw.decode("utf-8"))
    if problems:
        raise BuildError("load", problems)
    return quads, texts


def _closure(subject: NamedNode | BlankNode, triples: list[Triple]) -> Iterator[Triple]:
    """The triples about ``subject`` and, recursively, about the blank nodes they point to."""
    for t in triples:
        if t.subject == subject:
            yield t
            if isinstance(t.object, BlankNode):
                yield from _closure(t.object, triples)


def _line_of(text: str, needles: Iterable[str]) -> int:
    for needle in needles:
        if needle and (at := text.find(needle)) >= 0:
            return text.count("\n", 0, at) + 1
    return 0


def _turtle_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")


def minted_excerpt_iri(source: str, selector: Selector) -> NamedNode:
    """A stable IRI for an excerpt graph the curator left blank: source key + hash of the quote."""
    key = source.rsplit("/", 1)[-1]
    digest = hashlib.sha256("\x1f".join((selector.exact, selector.prefix, selector.suffix)).encode()).hexdigest()
    return NamedNode(f"{prefixes.EXCERPT}{key}-{digest[:12]}")


def _literal(values: list[Triple], predicate: NamedNode) -> str:
    found = [t.object.value for t in values if t.predicate == predicate and isinstance(t.object, Literal)]
    return found[0] if len(found) == 1 else ""


def read_curated(path: Path) -> CuratedFile:
    """Split a curated TriG file into facts (in excerpt graphs) and excerpt descriptions."""
    quads = parse_file(path)
    text = path.read_text(encoding="utf-8")
    default = [Triple(q.subject, q.predicate, q.object) for q in quads if isinstance(q.graph_name, DefaultGraph)]
    context_only = {
        t.subject
        for t in default
        if t.predicate == RDF_TYPE and t.object == MIG_EXCERPT and isinstance(t.subject, (NamedNode, BlankNode))
    }
    graph_names = {q.graph_name for q in quads if not isinstance(q.graph_name, DefaultGraph)} | context_only
    described = {t.subject for t in default if t.subject in graph_names}
    problems: list[str] = []
    used: set[Triple] = set()
    renamed: dict[GraphName, NamedNode] = {}
    result = CuratedFile(path)
    for name in sorted(graph_names, key=str):
        if name not in described:
            problems.append(f"{path}:{_line_of(text, [_local(name)])}: graph {name} has no excerpt description")
            continue
        about = list(_closure(name, default))  # type: ignore[arg-type]
        used.update(about)
        sources = [t.object for t in about if t.subject == name and t.predicate == OA_HAS_SOURCE]
        selectors = [
            t.object
            for t in about
            if t.subject == name and t.predicate == OA_HAS_SELECTOR and _is_quote_selector(t.object, about)
        ]
        line = _line_of(text, [_local(name)])
        if len(sources) != 1 or len(selectors) != 1:
            problems.append(f"{path}:{line}: excerpt {name} needs one oa:hasSource and one TextQuoteSelector")
            continue
        sel_triples = [t for t in about if t.subject == selectors[0]]
        selector = Selector(
            _literal(sel_triples, OA_EXACT),
            _literal(sel_triples, OA_PREFIX),
            _literal(sel_triples, OA_SUFFIX),
        )
        if not selector.exact:
            problems.append(f"{path}:{line}: excerpt {name} has no oa:exact quote")
            continue
        source = str(sources[0].value) if isinstance(sources[0], NamedNode) else ""
        iri = name if isinstance(name, NamedNode) else minted_excerpt_iri(source, selector)
        renamed[name] = iri
        quote_line = _line_of(text, [_turtle_escape(selector.exact[:40]), _local(name)])
        result.excerpts.append(
            ExcerptDescription(iri, source, selector, path, quote_line, tuple(_rename(t, name, iri) for t in about))
        )
    stray = [t for t in default if t not in used]
    for t in stray[:20]:
        problems.append(
            f"{path}:{_line_of(text, [_local(t.subject)])}: {t} is outside any excerpt graph; "
            "put every fact in the named graph of the passage that states it"
        )
    if problems:
        raise BuildError("load", problems)
    for q in quads:
        if not isinstance(q.graph_name, DefaultGraph) and q.graph_name in renamed:
            result.facts.append(Quad(q.subject, q.predicate, q.object, renamed[q.graph_name]))
    return result


def _is_quote_selector(node: object, about: list[Triple]) -> bool:
    return any(t.subject == node and t.predicate == RDF_TYPE and t.object == OA_TEXT_QUOTE_SELECTOR for t in about)


def _rename(t: Triple, old: object, new: NamedNode) -> Triple:
    return Triple(new if t.subject == old else t.subject, t.predicate, t.object)


def _local(node: object) -> str:
    """How a curated file most likely writes ``node``: a prefixed name where one fits, to find its line."""
    return prefixes.compact(node.value) if isinstance(node, NamedNode) else str(node)
