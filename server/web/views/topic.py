"""A topic's page read as a thesaurus entry (as Skosmos shows a SKOS concept): its broader, narrower and related
topics, its scheme, its mappings to other thesauri by vocabulary, and what addresses it grouped by kind (commitment
items, practices, events, documents and studies, agents…) with counts. Pure functions from the rows of
``views/queries/topic-*.rq``; ``load`` runs them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from server import prefixes
from server.web.deps import Queries, Row
from server.web.labels import Name, best_names, local_name, term_name
from server.web.views import query_files
from server.web.views.document import Ref
from server.web.views.entity import EntityView

MIG = prefixes.MIG
# The kinds what addresses a topic is grouped in, first match first (an action line is a commitment item, never a
# document; a commitment document is a document).
FAMILIES = tuple(
    MIG + name
    for name in ("CommitmentItem", "Practice", "Event", "EventSeries", "Document", "Agent", "Statistic", "Place")
)
OTHER = ""
# Mapped concepts' vocabularies, by the start of their IRIs (DESIGN.md §4: EuroVoc, UNBIS, UNESCO).
VOCABULARIES = (
    ("http://eurovoc.europa.eu/", "EuroVoc"),
    ("http://metadata.un.org/thesaurus/", "UNBIS Thesaurus"),
    ("http://vocabularies.unesco.org/thesaurus/", "UNESCO Thesaurus"),
)
HIERARCHY = ("broader", "narrower", "related")
MAPPINGS = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
SHOWN_HERE = frozenset(
    {MIG + "topicOf", MIG + "addressesTopic"} | {prefixes.SKOS + name for name in (*HIERARCHY, *MAPPINGS)}
)


@dataclass(frozen=True)
class MappedConcept:
    """A concept of another thesaurus: its vocabulary's name and its code there (the end of its IRI)."""

    iri: str
    vocabulary: str
    code: str


@dataclass
class Member:
    ref: Ref
    types: list[Ref]


@dataclass
class Family:
    ref: Ref  # the class ("" for what fits none of FAMILIES)
    members: list[Member]

    @property
    def count(self) -> int:
        return len(self.members)


@dataclass
class TopicView:
    hierarchy: dict[str, list[Ref]] = field(default_factory=dict)  # broader/narrower/related → topics
    schemes: list[Ref] = field(default_factory=list)
    top: bool = False  # a top topic of its scheme
    mappings: dict[str, list[MappedConcept]] = field(default_factory=dict)  # exactMatch… → concepts
    families: list[Family] = field(default_factory=list)

    @property
    def members(self) -> int:
        return sum(f.count for f in self.families)


def mapping(iri: str) -> MappedConcept:
    """A mapped concept named by its vocabulary and code, never by its raw IRI.

    >>> mapping("http://eurovoc.europa.eu/2509")
    MappedConcept(iri='http://eurovoc.europa.eu/2509', vocabulary='EuroVoc', code='2509')
    >>> mapping("http://example.org/thesaurus/c42").vocabulary
    'example.org'
    """
    for start, name in VOCABULARIES:
        if iri.startswith(start):
            return MappedConcept(iri, name, iri[len(start) :].strip("/"))
    host = iri.split("://", 1)[-1].split("/", 1)[0]
    return MappedConcept(iri, host, local_name(iri))


def family_of(families: Iterable[str]) -> str:
    found = set(families)
    return next((f for f in FAMILIES if f in found), OTHER)


def iris_to_label(member_rows: Iterable[Row], scheme_rows: Iterable[Row]) -> set[str]:
    iris = {row[v]["value"] for row in member_rows for v in ("member", "family", "type") if v in row}
    iris |= {row["other"]["value"] for row in scheme_rows if row["relation"]["value"] not in MAPPINGS}
    return iris | set(FAMILIES)


def topic_view(member_rows: Sequence[Row], scheme_rows: Sequence[Row], names: Mapping[str, Name]) -> TopicView:
    def ref(iri: str, vocabulary: bool = False) -> Ref:
        name = names.get(iri)
        fallback = term_name(iri) if vocabulary else local_name(iri)
        return Ref(iri, name.text if name and name.text else fallback, bool(name and name.coined))

    view = TopicView()
    for row in scheme_rows:
        relation, other = row["relation"]["value"], row["other"]["value"]
        if relation in MAPPINGS:
            view.mappings.setdefault(relation, []).append(mapping(other))
        elif relation in HIERARCHY:
            view.hierarchy.setdefault(relation, []).append(ref(other))
        elif relation == "inScheme" and all(s.iri != other for s in view.schemes):
            view.schemes.append(ref(other))
        elif relation == "topConceptOf":
            view.top = True
    for refs in view.hierarchy.values():
        refs.sort(key=lambda r: r.label.lower())
    for concepts in view.mappings.values():
        concepts.sort(key=lambda m: (m.vocabulary, m.code))
    view.mappings = {m: view.mappings[m] for m in MAPPINGS if m in view.mappings}
    view.hierarchy = {h: view.hierarchy[h] for h in HIERARCHY if h in view.hierarchy}
    families: dict[str, set[str]] = {}
    types: dict[str, set[str]] = {}
    for row in member_rows:
        member = row["member"]["value"]
        families.setdefault(member, set()).update([row["family"]["value"]] if "family" in row else [])
        types.setdefault(member, set()).update([row["type"]["value"]] if "type" in row else [])
    grouped: dict[str, list[Member]] = {}
    for member, found in families.items():
        typed = sorted((ref(t, vocabulary=True) for t in types[member]), key=lambda r: r.label.lower())
        grouped.setdefault(family_of(found), []).append(Member(ref(member), typed))
    view.families = [
        Family(ref(f, vocabulary=True) if f else Ref("", ""), sorted(ms, key=lambda m: m.ref.label.lower()))
        for f, ms in grouped.items()
    ]
    view.families.sort(key=lambda f: (-f.count, f.ref.iri == OTHER, f.ref.label.lower()))
    return view


def is_topic(view: EntityView) -> bool:
    return any(t.value in (prefixes.SKOS + "Concept", MIG + "Topic") for t in view.types)


def trim(view: EntityView) -> None:
    """Leave out of the statements what the topic view shows: the scheme's links, the mappings and what addresses it."""
    view.outgoing = [g for g in view.outgoing if g.prop.value not in SHOWN_HERE]
    view.incoming = [g for g in view.incoming if g.prop.value not in SHOWN_HERE]


async def load(queries: Queries, topic: str, languages: Sequence[str]) -> TopicView:
    member_rows, scheme_rows = await queries.gather(
        [query_files.bound("topic-members", topic), query_files.bound("topic-scheme", topic)]
    )
    names = await best_names(queries, iris_to_label(member_rows, scheme_rows), languages)
    return topic_view(member_rows, scheme_rows, names)
