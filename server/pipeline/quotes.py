"""Resolve every excerpt's quote against its source text and compute its character offsets.

Offsets count Unicode code points from 0, as the Web Annotation model's TextPositionSelector specifies;
``start`` is the first character of ``exact`` and ``end`` the position just after its last one.
A quote that is not found verbatim, or that matches more than once with the prefix/suffix given, is an
error naming the curated file and line. ``provenance`` is the build's quote step: the excerpt descriptions,
completed with their offsets, for ``graph/provenance``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from server import prefixes
from server.pipeline.errors import BuildError
from server.pipeline.load import ExcerptDescription, Selector, SourceText

XSD_NON_NEGATIVE_INTEGER = NamedNode(prefixes.XSD + "nonNegativeInteger")


@dataclass(frozen=True)
class Position:
    start: int
    end: int


def occurrences(text: str, selector: Selector) -> list[int]:
    """Start offsets where ``exact`` occurs in ``text`` preceded by ``prefix`` and followed by ``suffix``.

    >>> text = "the Forum; the Forum of 2008; the Forum."
    >>> occurrences(text, Selector("the Forum")), occurrences(text, Selector("the Forum", suffix=" of"))
    ([0, 11, 30], [11])
    """
    found: list[int] = []
    at = text.find(selector.exact)
    while at >= 0:
        end = at + len(selector.exact)
        if text.startswith(selector.suffix, end) and text[:at].endswith(selector.prefix):
            found.append(at)
        at = text.find(selector.exact, at + 1)
    return found


def locate(text: str, selector: Selector) -> Position | str:
    """The one position of the quote, or a sentence saying why there is none.

    >>> locate("held in Cuenca on 10-11 April 2008", Selector("Cuenca"))
    Position(start=8, end=14)
    >>> locate("the Forum; the Forum.", Selector("the Forum"))
    "quote found 2 times (offsets 0, 11); add oa:prefix or oa:suffix to tell them apart: 'the Forum'"
    """
    found = occurrences(text, selector)
    if len(found) == 1:
        return Position(found[0], found[0] + len(selector.exact))
    if not found:
        near = text.find(selector.exact[:30])
        hint = f" (its first 30 characters occur at offset {near})" if near >= 0 and len(selector.exact) > 30 else ""
        return f"quote not found verbatim{hint}: {selector.exact[:80]!r}"
    return (
        f"quote found {len(found)} times (offsets {', '.join(map(str, found[:5]))}); "
        f"add oa:prefix or oa:suffix to tell them apart: {selector.exact[:80]!r}"
    )


def resolve(excerpts: list[ExcerptDescription], sources: dict[str, SourceText]) -> dict[str, Position]:
    """Position of every excerpt's quote, keyed by excerpt IRI; a BuildError lists every failure."""
    problems: list[str] = []
    positions: dict[str, Position] = {}
    for ex in excerpts:
        where = f"{ex.file}:{ex.line}: {prefixes.compact(ex.graph.value)}"
        source = sources.get(ex.source)
        if source is None:
            problems.append(f"{where}: oa:hasSource <{ex.source}> is not a source in data/sources/sources.ttl")
            continue
        found = locate(source.text, ex.selector)
        if isinstance(found, str):
            problems.append(f"{where}: {found} in {source.path.name}")
        elif ex.graph.value in positions:
            problems.append(f"{where}: the same excerpt IRI is used twice")
        else:
            positions[ex.graph.value] = found
    if problems:
        raise BuildError("quotes", problems)
    return positions


def position_quads(excerpt: NamedNode, position: Position, graph: NamedNode) -> list[Quad]:
    """The TextPositionSelector the build adds to an excerpt's description."""
    node = BlankNode("pos" + hashlib.sha256(excerpt.value.encode()).hexdigest()[:16])
    oa = prefixes.OA
    return [
        Quad(excerpt, NamedNode(oa + "hasSelector"), node, graph),
        Quad(node, NamedNode(prefixes.RDF + "type"), NamedNode(oa + "TextPositionSelector"), graph),
        Quad(
            node,
            NamedNode(oa + "start"),
            Literal(str(position.start), datatype=XSD_NON_NEGATIVE_INTEGER),
            graph,
        ),
        Quad(node, NamedNode(oa + "end"), Literal(str(position.end), datatype=XSD_NON_NEGATIVE_INTEGER), graph),
    ]


def provenance(excerpts: list[ExcerptDescription], positions: dict[str, Position]) -> list[Quad]:
    """Every excerpt's description as curated plus the offsets of its quote (``resolve``), in ``graph/provenance``."""
    graph = NamedNode(prefixes.GRAPH_PROVENANCE)
    out: list[Quad] = []
    for ex in excerpts:
        out += [Quad(t.subject, t.predicate, t.object, graph) for t in ex.triples]
        out += position_quads(ex.graph, positions[ex.graph.value], graph)
    return out
