"""The mention index (DESIGN.md §2): which named entities every passage, section and source document names.

A name is *printed* when a source prints it: every ``rdfs:label``, ``skos:altLabel`` and ``mig:acronym`` of an
entity (and every ``mig:adjective`` a source prints for a place), except the names curators coined
(``mig:displayName``). The build looks each printed name up, token by token and case-sensitively (and in capitals,
as headings print names, where no other name reads so), in the text of every excerpt's quote, every section of a
source and every source document as a whole, and states what it finds in ``graph/mentions``:

* ``excerpt mig:mentions entity`` for the names in its quote;
* ``excerpt mig:inSection section`` for the innermost section containing the quote;
* ``section mig:mentions entity`` and ``source mig:mentions entity`` for the names anywhere in their text.

A section (``mig:DocumentSection``) is curated as the excerpt of its heading: its text runs from the heading to
the next heading of the same or a higher level (fewer ``mig:partOf`` steps to its document). A name that two
entities share is looked up for neither (``ambiguous``): the shared-label check reports those. Names are the
entities' printed names only — organisations, countries, places, events, instruments, documents, people,
commitment documents and practices; items, roles, memberships, figures and topics are named only by curators.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pyoxigraph import Literal, NamedNode, Quad

from server import prefixes
from server.pipeline.load import ExcerptDescription, SourceText
from server.pipeline.quotes import Position

NAMED_TYPES = (
    "organisation",
    "country",
    "place",
    "event",
    "instrument",
    "document",
    "person",
    "commitment",
    "practice",
)
_NAMEABLE = re.compile(rf"^{re.escape(prefixes.ID)}(?:{'|'.join(NAMED_TYPES)})/[^/]+$")
_NAME_PREDICATES = frozenset(
    {
        prefixes.RDFS + "label",
        prefixes.SKOS + "altLabel",
        prefixes.SKOS + "prefLabel",
        prefixes.MIG + "acronym",
        prefixes.MIG + "adjective",
    }
)
_TYPE = prefixes.RDF + "type"
_PART_OF = prefixes.MIG + "partOf"
_SECTION_TYPES = frozenset({prefixes.MIG + "DocumentSection", prefixes.MIG + "Annex"})
_MARKUP = re.compile(r"<[^>]{1,40}>|\*+")
_TOKEN = re.compile(r"\w+|[^\w\s]")
_SKIPPED_GRAPHS = frozenset({prefixes.GRAPH_ONTOLOGY, prefixes.GRAPH_ALIGNMENTS, prefixes.GRAPH_INFERRED})

Tokens = tuple[str, ...]


def _iri(term: object) -> str:
    """The IRI of a named node, or "" for any other term."""
    return term.value if isinstance(term, NamedNode) else ""


def tokens(text: str) -> Tokens:
    """Words and punctuation of ``text``, markup (``**``, ``<i>``) and whitespace dropped.

    >>> tokens("**Organized by:** the <i>Government of El Salvador</i>'s office")
    ('Organized', 'by', ':', 'the', 'Government', 'of', 'El', 'Salvador', "'", 's', 'office')
    """
    return tuple(_TOKEN.findall(_MARKUP.sub(" ", text)))


def is_nameable(iri: str) -> bool:
    """Whether an IRI is an entity a source names (not an item, role, membership, figure or topic).

    >>> is_nameable(prefixes.ID + "organisation/iom"), is_nameable(prefixes.ID + "commitment/montevideo-2006/p25q")
    (True, False)
    """
    return bool(_NAMEABLE.match(iri))


def _usable(name: Tokens) -> bool:
    """A name long enough to look up: two tokens or more, or one of three characters, or an upper-case acronym."""
    return len(name) > 1 or (len(name) == 1 and (len(name[0]) > 2 or (len(name[0]) == 2 and name[0].isupper())))


@dataclass(frozen=True)
class Names:
    """Printed names (as token tuples) of nameable entities, and the names left out because several share them."""

    by_name: Mapping[Tokens, str]
    ambiguous: frozenset[Tokens] = frozenset()
    longest: int = field(default=0)

    def found_in(self, text: str) -> set[str]:
        """The entities whose printed name occurs in ``text``, also inside a longer name ("the ILO Declaration on …"
        names the ILO; "Government of El Salvador" names El Salvador).

        >>> names = Names({("El", "Salvador"): "slv", ("Government", "of", "El", "Salvador"): "gov",
        ...                ("ILO",): "ilo", ("ILO", "Declaration"): "decl"}, longest=4)
        >>> sorted(names.found_in("the Government of El Salvador and the ILO Declaration"))
        ['decl', 'gov', 'ilo', 'slv']
        >>> names.found_in("El Salvadoran")
        set()
        """
        words, starts = tokens(text), self.lengths_by_first_word
        return {
            entity
            for i, word in enumerate(words)
            for n in starts.get(word, ())
            if (entity := self.by_name.get(words[i : i + n])) is not None
        }

    @functools.cached_property
    def lengths_by_first_word(self) -> dict[str, tuple[int, ...]]:
        """For each word that starts a name, the lengths of the names it starts (the lookup tries only those)."""
        lengths: dict[str, set[int]] = defaultdict(set)
        for name in self.by_name:
            lengths[name[0]].add(len(name))
        return {word: tuple(sorted(ns, reverse=True)) for word, ns in lengths.items()}


def printed_names(quads: Iterable[Quad]) -> Names:
    """Every printed name of every nameable entity in ``quads``: its labels, other names and acronyms as stated
    (never a coined ``mig:displayName``, nor the ``rdfs:label`` the build infers from one: ``graph/inferred`` is
    skipped). A name stated both ways is printed: some passage prints it (the check printed-and-coined-name warns)."""
    named: dict[Tokens, set[str]] = defaultdict(set)
    for q in quads:
        if isinstance(q.graph_name, NamedNode) and q.graph_name.value in _SKIPPED_GRAPHS:
            continue
        if not isinstance(q.subject, NamedNode) or not isinstance(q.object, Literal):
            continue
        if q.predicate.value in _NAME_PREDICATES and is_nameable(q.subject.value):
            words = tokens(q.object.value)
            if _usable(words):
                named[words].add(q.subject.value)
    unique = {name: next(iter(es)) for name, es in named.items() if len(es) == 1}
    shared = frozenset(name for name, es in named.items() if len(es) > 1)
    capitals: dict[Tokens, set[str]] = defaultdict(set)
    for words, entity in unique.items():
        capitals[tuple(w.upper() for w in words)].add(entity)
    unique |= {caps: next(iter(es)) for caps, es in capitals.items() if len(es) == 1 and caps not in named}
    return Names(unique, shared, max((len(n) for n in unique), default=0))


@dataclass(frozen=True)
class Section:
    iri: str
    source: str
    start: int
    depth: int
    end: int = 0


def sections(
    excerpts: Iterable[ExcerptDescription],
    facts: Iterable[Quad],
    positions: Mapping[str, Position],
    texts: Mapping[str, SourceText],
) -> list[Section]:
    """Each curated section with the span of its text: from its heading's excerpt to the next heading of the same or
    a higher level in its source (or the end of the text)."""
    source_of = {ex.graph.value: ex.source for ex in excerpts}
    heading: dict[str, tuple[int, str]] = {}
    parent: dict[str, str] = {}
    for q in facts:
        graph, subject, kind = _iri(q.graph_name), _iri(q.subject), _iri(q.object)
        if q.predicate.value == _TYPE and kind in _SECTION_TYPES and graph in positions:
            start = positions[graph].start
            if subject not in heading or start < heading[subject][0]:
                heading[subject] = (start, source_of[graph])
        elif q.predicate.value == _PART_OF and kind:
            parent[subject] = kind

    def depth(iri: str, seen: frozenset[str] = frozenset()) -> int:
        up = parent.get(iri)
        return 1 + depth(up, seen | {iri}) if up in heading and up not in seen else 1

    found = sorted(
        (Section(iri, src, start, depth(iri)) for iri, (start, src) in heading.items()), key=lambda s: s.start
    )
    spans = []
    for s in found:
        later = [t.start for t in found if t.source == s.source and t.start > s.start and t.depth <= s.depth]
        spans.append(Section(s.iri, s.source, s.start, s.depth, min(later, default=len(texts[s.source].text))))
    return spans


def innermost(spans: list[Section], source: str, at: int) -> str | None:
    """The deepest section of ``source`` whose text contains offset ``at``.

    >>> spans = [Section("a", "s", 0, 1, 100), Section("b", "s", 10, 2, 50)]
    >>> innermost(spans, "s", 20), innermost(spans, "s", 60), innermost(spans, "s", 200)
    ('b', 'a', None)
    """
    inside = [s for s in spans if s.source == source and s.start <= at < s.end]
    return max(inside, key=lambda s: s.depth).iri if inside else None


@dataclass
class Index:
    quads: list[Quad]
    ambiguous: frozenset[Tokens]


def index(
    quads: list[Quad],
    excerpts: list[ExcerptDescription],
    positions: Mapping[str, Position],
    texts: Mapping[str, SourceText],
) -> Index:
    """``graph/mentions``: what every excerpt, section and source document names, and each excerpt's section."""
    names = printed_names(quads)
    spans = sections(excerpts, quads, positions, texts)
    graph, mentions = NamedNode(prefixes.GRAPH_MENTIONS), NamedNode(prefixes.MIG + "mentions")
    in_section = NamedNode(prefixes.MIG + "inSection")
    out: list[Quad] = []

    def mention(subject: str, text: str) -> None:
        out.extend(Quad(NamedNode(subject), mentions, NamedNode(e), graph) for e in sorted(names.found_in(text)))

    for ex in excerpts:
        mention(ex.graph.value, ex.selector.exact)
        section = innermost(spans, ex.source, positions[ex.graph.value].start)
        if section is not None:
            out.append(Quad(ex.graph, in_section, NamedNode(section), graph))
    for s in spans:
        mention(s.iri, texts[s.source].text[s.start : s.end])
    for source in texts.values():
        mention(source.iri, source.text)
    return Index(out, names.ambiguous)


def quoted(quads: list[Quad]) -> list[Quad]:
    """The excerpts' part of the mention index from a dataset alone (no source texts): the names each excerpt's
    ``oa:exact`` quote prints. What ``index`` states about excerpts, for a dataset given as quads (the shape tests'
    fixtures)."""
    names, oa = printed_names(quads), prefixes.OA
    kind = {str(q.subject): _iri(q.object) for q in quads if q.predicate.value == _TYPE}
    exact = {str(q.subject): str(getattr(q.object, "value", "")) for q in quads if q.predicate.value == oa + "exact"}
    graph, mentions = NamedNode(prefixes.GRAPH_MENTIONS), NamedNode(prefixes.MIG + "mentions")
    return [
        Quad(q.subject, mentions, NamedNode(e), graph)
        for q in quads
        if q.predicate.value == oa + "hasSelector" and kind.get(str(q.object)) == oa + "TextQuoteSelector"
        for e in sorted(names.found_in(exact.get(str(q.object), "")))
    ]


def provenance(started: datetime) -> list[Quad]:
    """The description of ``graph/mentions`` in ``graph/provenance``: derived by the build, when and how."""
    prov, g = NamedNode(prefixes.GRAPH_PROVENANCE), NamedNode(prefixes.GRAPH_MENTIONS)
    return [
        Quad(g, NamedNode(prefixes.RDF + "type"), NamedNode(prefixes.PROV + "Entity"), prov),
        Quad(
            g,
            NamedNode(prefixes.PROV + "generatedAtTime"),
            Literal(started.isoformat(), datatype=NamedNode(prefixes.XSD + "dateTime")),
            prov,
        ),
        Quad(
            g,
            NamedNode(prefixes.RDFS + "comment"),
            Literal(
                "The mention index: every printed name (rdfs:label, skos:altLabel, mig:acronym; never a coined "
                "mig:displayName) of every named entity, looked up in each excerpt's quote, each section and each "
                "source text by the build (server/pipeline/mentions.py).",
                language="en",
            ),
            prov,
        ),
    ]
