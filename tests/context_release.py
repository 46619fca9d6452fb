"""A small release built from the complete shape fixture (tests/shapes/fixtures/valid/complete.trig), for the page
tests of what the repository's own data may not hold yet: sections and an annex, context passages (chained, one of
them with no graph), coined names. Its source text is made from the fixture's quotes, each at the offsets the
fixture gives it, so the build's own mention index (sections, their spans, every passage's innermost section) runs
over it; the build's rules add the inferences (a coined name becomes an rdfs:label too)."""

from __future__ import annotations

import functools
from pathlib import Path

import pyoxigraph as ox

from server import prefixes, search, unions
from server.pipeline import load, materialise, mentions
from server.pipeline.load import ExcerptDescription, Selector, SourceText
from server.pipeline.publish import write_release
from server.pipeline.quotes import Position
from server.release import SEARCH, SOURCES, Release
from server.settings import REPO_ROOT

COMPLETE = REPO_ROOT / "tests" / "shapes" / "fixtures" / "valid" / "complete.trig"
SOURCE = prefixes.ID + "source/test-report"
FILE_NAME = "test-report.txt"
OA = prefixes.OA


def _value(quads: list[ox.Quad], subject: ox.Term, predicate: str) -> str:
    return next(str(q.object.value) for q in quads if q.subject == subject and q.predicate.value == predicate)


def passages(quads: list[ox.Quad]) -> tuple[list[ExcerptDescription], dict[str, Position]]:
    """The excerpts described in the fixture's graph/provenance, with their quotes and offsets."""
    described, positions = [], {}
    for q in quads:
        if q.predicate.value != OA + "hasSelector":
            continue
        kinds = {x.object.value for x in quads if x.subject == q.object and x.predicate.value == prefixes.RDF + "type"}
        excerpt = ox.NamedNode(q.subject.value)
        if OA + "TextQuoteSelector" in kinds:
            exact = Selector(_value(quads, q.object, OA + "exact"))
            described.append(ExcerptDescription(excerpt, SOURCE, exact, COMPLETE, 1, ()))
        else:
            start, end = int(_value(quads, q.object, OA + "start")), int(_value(quads, q.object, OA + "end"))
            positions[excerpt.value] = Position(start, end)
    return described, positions


def source_text(described: list[ExcerptDescription], positions: dict[str, Position]) -> str:
    """A text holding every quote at its offsets, blank elsewhere."""
    chars = [" "] * (max(p.end for p in positions.values()) + 1)
    for ex in described:
        at = positions[ex.graph.value]
        chars[at.start : at.end] = ex.selector.exact
    return "".join(chars)


def write(releases: Path) -> Release:
    """Build the release into ``releases`` and open it."""
    quads = load.parse_file(COMPLETE)
    ontology = load.parse_file(REPO_ROOT / "ontology" / "migkg.ttl", prefixes.GRAPH_ONTOLOGY)
    described, positions = passages(quads)
    text = source_text(described, positions)
    index = mentions.index(quads, described, positions, {SOURCE: SourceText(SOURCE, Path(FILE_NAME), text)})

    def triples(qs: list[ox.Quad]) -> list[ox.Triple]:
        return [ox.Triple(q.subject, q.predicate, q.object) for q in qs]

    inferred = materialise.materialise(triples(ontology), triples(quads))
    graph = ox.NamedNode(prefixes.GRAPH_INFERRED)
    everything = quads + ontology + index.quads + [ox.Quad(t.subject, t.predicate, t.object, graph) for t in inferred]
    store = ox.Store()
    store.extend(everything)
    documents = search.documents(unions.form(store))
    path = write_release(
        everything,
        releases,
        base_iri=prefixes.BASE,
        versions={},
        timings={},
        extra={
            SEARCH: functools.partial(search.write_index, documents),
            f"{SOURCES}/{FILE_NAME}": lambda p: p.write_text(text, encoding="utf-8"),
        },
    )
    return Release.open(path)
