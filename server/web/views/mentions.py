"""What the mention index (``graph/mentions``) and the recorded context passages (``mig:hasContext``) say about one
entity, shaped for its page: the source documents, sections and passages that name it ("Mentioned in"), the passages
its facts depend on beside their quotes ("context"), and, for a section (``mig:DocumentSection``), its parent,
subsections, passages and the entities it names. Pure functions from SPARQL rows; ``views.entity`` runs the queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from server import prefixes
from server.web.deps import Row
from server.web.labels import iri_ref, iri_values, local_name

COLLAPSE_AFTER = 8  # a longer list of passages or entities starts collapsed

_HEAD = prefixes.sparql_header(("rdf", "rdfs", "oa", "mig", "graph"))
_QUOTE = (
    "oa:hasSelector ?_q , ?_p . ?_q a oa:TextQuoteSelector ; oa:exact ?exact . "
    "?_p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end"
)
SECTION_TYPES = frozenset({prefixes.MIG + "DocumentSection", prefixes.MIG + "Annex"})


@dataclass(frozen=True)
class Passage:
    """A quoted passage (an excerpt) and where it is: its source, offsets and innermost section."""

    graph: str
    source: str
    quote: str
    start: int
    end: int
    section: str = ""

    @property
    def reader(self) -> str:
        """The passage in the document reader."""
        return f"/source/{local_name(self.source)}#excerpt-{local_name(self.graph)}"


def passage(row: Row, graph_variable: str = "x") -> Passage:
    """A passage from a row with ``?source ?exact ?start ?end`` (and ``?section`` if known)."""
    return Passage(
        row[graph_variable]["value"], row["source"]["value"], row["exact"]["value"], int(row["start"]["value"]),
        int(row["end"]["value"]), row.get("section", {}).get("value", ""),
    )  # fmt: skip


@dataclass
class SourceMentions:
    """Where one source document names the entity: as a whole, in which sections, in which passages."""

    source: str
    named: bool = False
    sections: list[str] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)


@dataclass
class NamedIn:
    sources: list[SourceMentions] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return sum(1 for s in self.sources if s.named)

    @property
    def sections(self) -> int:
        return sum(len(s.sections) for s in self.sources)

    @property
    def passages(self) -> int:
        return sum(len(s.passages) for s in self.sources)


def mentioning_query(entity: str) -> str:
    """``?x``: the source documents, sections and passages the mention index says name ``entity``."""
    return _HEAD + f"SELECT DISTINCT ?x WHERE {{ GRAPH graph:mentions {{ ?x mig:mentions {iri_ref(entity)} }} }}"


def named_in_query(mentioning: Sequence[str]) -> str:
    """``?x ?kind ?source`` (and ``?exact ?start ?end ?section`` for a passage): each of ``mentioning`` (what
    ``mentioning_query`` found naming an entity) as a source document, section or passage; "" (nothing to ask) for
    none. The IRIs are VALUES inside each branch: joined with the branches from outside, engines evaluate every
    branch in full first (2 s over a 1M-triple graph in pyoxigraph, against under 5 ms)."""
    if not mentioning:
        return ""
    named = f"VALUES ?x {{ {iri_values(mentioning)} }}"
    return _HEAD + (
        "SELECT DISTINCT ?x ?kind ?source ?exact ?start ?end ?section WHERE { "
        f"{{ {named} GRAPH graph:sources {{ ?x a mig:SourceDocument }} BIND(?x AS ?source) BIND('source' AS ?kind) }} "
        f"UNION {{ {named} ?x a mig:DocumentSection ; mig:partOf+ ?source . "
        "GRAPH graph:sources { ?source a mig:SourceDocument } BIND('section' AS ?kind) } "
        f"UNION {{ {named} GRAPH graph:provenance {{ ?x oa:hasSource ?source ; {_QUOTE} }} "
        "OPTIONAL { GRAPH graph:mentions { ?x mig:inSection ?section } } BIND('passage' AS ?kind) } }"
    )


def iris_shown(named: NamedIn) -> set[str]:
    """The sources and sections ``named`` shows by name."""
    shown = {s.source for s in named.sources} | {x for s in named.sources for x in s.sections}
    return shown | {p.section for s in named.sources for p in s.passages if p.section}


def named_in(rows: Iterable[Row], order: Callable[[str], str]) -> NamedIn:
    """The rows of ``named_in_query`` by source document (sources and sections sorted by ``order``, a label lookup;
    passages in reading order)."""
    by_source: dict[str, SourceMentions] = {}
    for row in rows:
        source, kind, x = row["source"]["value"], row["kind"]["value"], row["x"]["value"]
        found = by_source.setdefault(source, SourceMentions(source))
        if kind == "source":
            found.named = True
        elif kind == "section" and x not in found.sections:
            found.sections.append(x)
        elif kind == "passage":
            found.passages.append(passage(row))
    for found in by_source.values():
        found.sections.sort(key=order)
        found.passages.sort(key=lambda p: (p.start, p.end))
    return NamedIn(sorted(by_source.values(), key=lambda s: order(s.source)))


def context_query(graphs: Sequence[str]) -> str:
    """``?g ?c ?source ?exact ?start ?end``: for each of the passages ``graphs`` (those stating a fact about an
    entity), the passages it records as context (``mig:hasContext``, followed from context to context); "" for none.
    """
    if not graphs:
        return ""
    return _HEAD + (
        f"SELECT DISTINCT ?g ?c ?source ?exact ?start ?end WHERE {{ VALUES ?g {{ {iri_values(graphs)} }} "
        f"GRAPH graph:provenance {{ ?g mig:hasContext+ ?c . ?c oa:hasSource ?source ; {_QUOTE} }} }}"
    )


def contexts(rows: Iterable[Row]) -> dict[str, list[Passage]]:
    """Excerpt → its context passages, in reading order."""
    found: dict[str, list[Passage]] = {}
    for row in rows:
        found.setdefault(row["g"]["value"], []).append(passage(row, "c"))
    return {g: sorted(ps, key=lambda p: (p.start, p.end)) for g, ps in found.items()}


@dataclass
class SectionView:
    """A section's place in its document, the passages in it and the entities it names."""

    parents: list[str] = field(default_factory=list)
    subsections: list[str] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)

    def iris(self) -> set[str]:
        """What the section's part of the page needs a label for."""
        return {*self.parents, *self.subsections, *self.mentions}


def iris_to_label(named: Iterable[Row], section: Iterable[Row]) -> set[str]:
    """The sources, sections and entities the rows of ``named_in_query`` and ``section_query`` show by name."""
    iris = {row["source"]["value"] for row in named}
    iris.update(row["x"]["value"] for row in named if row["kind"]["value"] == "section")
    iris.update(row["section"]["value"] for row in named if "section" in row)
    iris.update(row["x"]["value"] for row in section if row["kind"]["value"] != "passage")
    return iris


def is_section(types: Iterable[str]) -> bool:
    return any(t in SECTION_TYPES for t in types)


def section_query(section: str) -> str:
    """``?kind ?x`` (and ``?source ?exact ?start ?end`` for a passage): the section's parent and subsections (as
    stated: ``mig:partOf`` is transitive), passages (those whose innermost section it is) and the entities it names."""
    s = iri_ref(section)
    return _HEAD + (
        "SELECT DISTINCT ?kind ?x ?source ?exact ?start ?end WHERE { "
        f"{{ GRAPH ?_g {{ {s} mig:partOf ?x }} FILTER (?_g != graph:inferred) BIND('parent' AS ?kind) }} "
        f"UNION {{ GRAPH ?_g {{ ?x mig:partOf {s} }} FILTER (?_g != graph:inferred) "
        "GRAPH ?h { ?x a ?type } FILTER (?type IN (mig:DocumentSection, mig:Annex)) "
        "OPTIONAL { GRAPH graph:provenance { ?h oa:hasSelector [ a oa:TextPositionSelector ; oa:start ?start ] } } "
        "BIND('subsection' AS ?kind) } "
        f"UNION {{ GRAPH graph:mentions {{ ?x mig:inSection {s} }} GRAPH graph:provenance {{ ?x oa:hasSource ?source ; "
        f"{_QUOTE} }} BIND('passage' AS ?kind) }} "
        f"UNION {{ GRAPH graph:mentions {{ {s} mig:mentions ?x }} BIND('mention' AS ?kind) }} }}"
    )


def section_view(rows: Iterable[Row], order: Callable[[str], str]) -> SectionView:
    """The rows of ``section_query``: subsections in the order of their headings, passages in reading order,
    parents and entities by ``order`` (a label lookup)."""
    view, heading_at = SectionView(), dict[str, int]()
    for row in rows:
        kind, x = row["kind"]["value"], row["x"]["value"]
        if kind == "passage":
            view.passages.append(passage(row))
        elif kind == "subsection":
            at = int(row.get("start", {}).get("value", 0))
            heading_at[x] = min(at, heading_at.get(x, at))
        else:
            (view.parents if kind == "parent" else view.mentions).append(x)
    view.subsections = sorted(heading_at, key=lambda s: (heading_at[s], order(s)))
    view.parents.sort(key=order)
    view.mentions.sort(key=lambda e: order(e).lower())
    view.passages.sort(key=lambda p: (p.start, p.end))
    return view
