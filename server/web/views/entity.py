"""What the graph says about one entity, shaped for its page (``/doc/…``): pure functions from SPARQL rows to a
view, and ``load``, which runs the queries built here. Every fact keeps the named graph it sits in, so the page can
say how we know it: the quoted passage of an excerpt, or the build (inferred), a package (reference), our own
vocabulary (ontology, topics), or a partner agency (its graph's description: who stated it, and when). What other
entities state about this one ("Referred to by") keeps the partner graphs it is stated in, for the same badge.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from server import prefixes
from server.partners.catalogue import PartnerGraph, from_rows, graphs_query
from server.web.deps import Queries, Row
from server.web.labels import (
    EXTERNAL_LABELS,
    batches,
    iri_ref,
    iri_values,
    is_coined,
    labels_query,
    local_name,
    pick_label,
    term_name,
)
from server.web.views import discrepancies, inference
from server.web.views import mentions as mention_index

INCOMING_PAGE = 20

_HEAD = prefixes.sparql_header(("rdfs", "oa", "graph"))


def outgoing_query(entity: str) -> str:
    return f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ {iri_ref(entity)} ?p ?o }} }}"


def _stated(pattern: str) -> str:
    """``pattern`` as stated in some graph other than graph/inferred and graph/mentions: the build's inverses of the
    entity's own facts are already among its statements (with "inferred" evidence), and what names it is listed
    under "Mentioned in", so neither is listed again as incoming."""
    built = f"{iri_ref(prefixes.GRAPH_INFERRED)}, {iri_ref(prefixes.GRAPH_MENTIONS)}"
    return f"GRAPH ?_g {{ {pattern} }} FILTER(?_g NOT IN ({built}))"


def incoming_counts_query(entity: str) -> str:
    return f"SELECT ?p (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {_stated(f'?s ?p {iri_ref(entity)}')} }} GROUP BY ?p"


def incoming_query(entity: str, prop: str, page: int) -> str:
    """``?s ?graphs``: one page of the subjects stating ``prop`` of ``entity``, each with the graphs stating it
    (space-separated: an IRI has no space)."""
    offset = (page - 1) * INCOMING_PAGE
    return (
        f"SELECT ?s (GROUP_CONCAT(DISTINCT STR(?_g); separator=' ') AS ?graphs) "
        f"WHERE {{ {_stated(f'?s {iri_ref(prop)} {iri_ref(entity)}')} }} "
        f"GROUP BY ?s ORDER BY ?s LIMIT {INCOMING_PAGE} OFFSET {offset}"
    )


def excerpt_graphs_query(entity: str) -> str:
    """``?g``: the excerpt graphs (quoted passages) whose facts name ``entity``, as subject or object."""
    e = iri_ref(entity)
    return _HEAD + (
        f"SELECT DISTINCT ?g WHERE {{ {{ GRAPH ?g {{ {e} ?p ?o }} }} UNION {{ GRAPH ?g {{ ?s ?q {e} }} }} "
        f'FILTER (STRSTARTS(STR(?g), "{prefixes.EXCERPT}")) }}'
    )


def mentions_query(graphs: Sequence[str]) -> str:
    """Each of the quoted passages ``graphs`` (``excerpt_graphs_query``) with its place in its source; "" (nothing
    to ask) for none. The passages are given as VALUES, not joined from a sub-select: engines evaluate that join's
    provenance side in full (0.85 s over a 1M-triple graph in pyoxigraph, against under 1 ms)."""
    if not graphs:
        return ""
    return _HEAD + (
        f"SELECT ?g ?source ?sourceLabel ?exact ?start ?end WHERE {{ VALUES ?g {{ {iri_values(graphs)} }} "
        "GRAPH graph:provenance { "
        "?g oa:hasSource ?source ; oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact ?exact ] , "
        "[ a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end ] } "
        "OPTIONAL { ?source rdfs:label ?sourceLabel } } ORDER BY ?sourceLabel ?start ?g"
    )


def construct_query(entity: str) -> str:
    """The entity's outgoing and incoming triples, with the labels of its neighbours."""
    e = iri_ref(entity)
    return _HEAD + (
        f"CONSTRUCT {{ {e} ?p ?o . ?o rdfs:label ?ol . ?s ?q {e} . ?s rdfs:label ?sl }} WHERE {{ "
        f"{{ {e} ?p ?o OPTIONAL {{ ?o rdfs:label ?ol }} }} UNION {{ ?s ?q {e} OPTIONAL {{ ?s rdfs:label ?sl }} }} }}"
    )


@dataclass(frozen=True)
class Term:
    """An IRI or literal as the page shows it."""

    value: str
    kind: str  # "uri", "literal", "bnode"
    label: str = ""
    language: str = ""
    datatype: str = ""
    coined: bool = False  # its label is a name curators coined (mig:displayName), not one a source prints

    @property
    def is_iri(self) -> bool:
        return self.kind == "uri"

    @property
    def text(self) -> str:
        return self.label or self.value


@dataclass(frozen=True)
class Evidence:
    """How we know a fact: the graph it sits in and, for an excerpt, its quote and place in the source; for a
    partner graph, the agency that stated it (``partner``: None if the graph is not described)."""

    graph: str
    kind: str  # "excerpt", "inferred", "reference", "vocabulary", "sources", "partner", "other"
    quote: str = ""
    source: str = ""
    source_label: str = ""
    start: int = 0
    end: int = 0
    partner: PartnerGraph | None = None
    context: tuple[mention_index.Passage, ...] = ()  # the passages its facts depend on (mig:hasContext, chained)
    rule: inference.Rule | None = None  # for an inferred fact: the rule that produced it
    disputes: tuple[discrepancies.Dispute, ...] = ()  # the disagreements that touch the fact in this graph

    @property
    def page(self) -> str:
        """The passage's page on this server (for an excerpt)."""
        return discrepancies.passage_page(self.graph)


@dataclass
class Fact:
    value: Term
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def inferred(self) -> bool:
        """Only the build states it: no passage, package or partner does."""
        return bool(self.evidence) and all(ev.kind == "inferred" for ev in self.evidence)

    @property
    def disputes(self) -> list[discrepancies.Dispute]:
        """The disagreements touching it, in any of the passages stating it."""
        return list(dict.fromkeys(d for ev in self.evidence for d in ev.disputes))


@dataclass
class Group:
    prop: Term
    facts: list[Fact]


@dataclass
class IncomingGroup:
    prop: Term
    count: int
    subjects: list[Fact]  # each subject, with the partner graphs stating it as its evidence


@dataclass
class Mentions:
    """The passages of one source that name the entity, in reading order."""

    source: str
    source_label: str
    passages: list[Evidence]


@dataclass
class EntityView:
    iri: str
    label: str
    language: str
    alt_labels: list[str]
    types: list[Term]
    outgoing: list[Group]
    incoming: list[IncomingGroup]
    excerpts: int
    mentions: list[Mentions] = field(default_factory=list)
    coined: bool = False  # its label is a name curators coined (mig:displayName)
    named_in: mention_index.NamedIn = field(default_factory=mention_index.NamedIn)
    section: mention_index.SectionView | None = None
    names: Mapping[str, Term] = field(default_factory=dict)  # labels of the sources, sections and entities above

    def term(self, iri: str) -> Term:
        """How the page names ``iri`` (a source, section or entity of the mention index)."""
        return self.names.get(iri) or Term(iri, "uri", local_name(iri))


def graph_kind(graph: str) -> str:
    if graph.startswith(prefixes.EXCERPT):
        return "excerpt"
    if graph == prefixes.GRAPH_INFERRED:
        return "inferred"
    if graph.startswith(prefixes.GRAPH_REFERENCE):
        return "reference"
    if graph in (prefixes.GRAPH_ONTOLOGY, prefixes.GRAPH_TOPICS, prefixes.GRAPH_ALIGNMENTS):
        return "vocabulary"
    if graph == prefixes.GRAPH_SOURCES:
        return "sources"
    if graph.startswith(prefixes.GRAPH_PARTNER):
        return "partner"
    return "other"


@dataclass
class _Labels:
    """The rows of ``labels_query``: each IRI's labels and other names, and which labels were coined."""

    main: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    alt: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    coined: set[tuple[str, str, str]] = field(default_factory=set)  # (IRI, label, language)

    def pick(self, iri: str, languages: Sequence[str]) -> tuple[str, str, bool]:
        """The label of ``iri`` for ``languages``, its language, and whether it was coined."""
        text, lang = pick_label(self.main.get(iri, []), languages)
        return text, lang, (iri, text, lang) in self.coined


def _labels(rows: Iterable[Row]) -> _Labels:
    found = _Labels()
    for row in rows:
        x, label, kind = row["x"]["value"], row["label"], row["kind"]["value"]
        if kind == "label":
            found.main[x].append((label["value"], label.get("xml:lang", "")))
            if is_coined(row):
                found.coined.add((x, label["value"], label.get("xml:lang", "")))
        else:
            found.alt[x].append(label["value"])
    return found


def _term(binding: Mapping[str, str], labels: _Labels, languages: Sequence[str], vocabulary: bool = False) -> Term:
    """``vocabulary``: the term is a class or property, named even without a label (``labels.term_name``)."""
    value = binding["value"]
    if binding["type"] == "uri":
        text, _, coined = labels.pick(value, languages)
        fallback = term_name(value) if vocabulary else EXTERNAL_LABELS.get(value, "")
        return Term(value, "uri", text or fallback, coined=coined)
    if binding["type"] == "bnode":
        return Term(value, "bnode")
    return Term(value, "literal", language=binding.get("xml:lang", ""), datatype=binding.get("datatype", ""))


def _evidence(
    graph: str,
    by_graph: Mapping[str, Row],
    partners: Mapping[str, PartnerGraph] | None = None,
    contexts: Mapping[str, list[mention_index.Passage]] | None = None,
) -> Evidence:
    kind = graph_kind(graph)
    if kind == "partner":
        return Evidence(graph, kind, partner=(partners or {}).get(graph))
    row = by_graph.get(graph)
    if kind == "excerpt" and row is not None:
        source_label = row.get("sourceLabel", {}).get("value", "")
        return Evidence(
            graph, kind, row["exact"]["value"], row["source"]["value"], source_label, int(row["start"]["value"]),
            int(row["end"]["value"]), context=tuple((contexts or {}).get(graph, ())),
        )  # fmt: skip
    return Evidence(graph, kind)


def mentions_by_source(evidence_rows: Iterable[Row]) -> list[Mentions]:
    """Group the rows of ``mentions_query`` by source, keeping each source's passages in reading order."""
    grouped: dict[str, Mentions] = {}
    for row in evidence_rows:
        ev = _evidence(row["g"]["value"], {row["g"]["value"]: row})
        grouped.setdefault(ev.source, Mentions(ev.source, ev.source_label, [])).passages.append(ev)
    for group in grouped.values():
        group.passages.sort(key=lambda ev: (ev.start, ev.end))
    return sorted(grouped.values(), key=lambda m: m.source_label or m.source)


def iris_to_label(outgoing: Iterable[Row], incoming_counts: Iterable[Row], entity: str) -> set[str]:
    iris = {entity}
    for row in outgoing:
        iris.add(row["p"]["value"])
        if row["o"]["type"] == "uri":
            iris.add(row["o"]["value"])
    iris.update(row["p"]["value"] for row in incoming_counts)
    return iris


def partner_graphs(outgoing: Iterable[Row], incoming_first: Mapping[str, Sequence[Row]]) -> set[str]:
    """The partner graphs the entity's statements and the shown incoming ones sit in (their descriptions are asked
    for with ``catalogue.graphs_query``)."""
    graphs = {row["g"]["value"] for row in outgoing}
    graphs.update(g for rows in incoming_first.values() for row in rows for g in _graphs(row))
    return {g for g in graphs if graph_kind(g) == "partner"}


def _graphs(row: Row) -> list[str]:
    return row.get("graphs", {}).get("value", "").split()


def _outgoing(
    outgoing: Iterable[Row],
    labels: _Labels,
    by_graph: Mapping[str, Row],
    languages: Sequence[str],
    partners: Mapping[str, PartnerGraph],
    contexts: Mapping[str, list[mention_index.Passage]],
) -> tuple[list[Group], list[Term]]:
    """The entity's statements grouped by property (its name first), each value with its evidence; and its types."""
    rdf_type, rdfs_label = prefixes.RDF + "type", prefixes.RDFS + "label"
    grouped: dict[str, dict[tuple[str, str, str], Fact]] = defaultdict(dict)
    types: dict[str, Term] = {}
    for row in outgoing:
        p, o, g = row["p"], row["o"], row["g"]["value"]
        if p["value"] == rdf_type and o["type"] == "uri":
            types.setdefault(o["value"], _term(o, labels, languages, vocabulary=True))
        key = (o["type"], o["value"], o.get("xml:lang", "") + o.get("datatype", ""))
        fact = grouped[p["value"]].setdefault(key, Fact(_term(o, labels, languages)))
        if all(ev.graph != g for ev in fact.evidence):
            fact.evidence.append(_evidence(g, by_graph, partners, contexts))
    groups = [
        Group(
            _term({"type": "uri", "value": p}, labels, languages, vocabulary=True),
            sorted(facts.values(), key=lambda f: f.value.text),
        )
        for p, facts in grouped.items()
        if p != rdf_type
    ]
    groups.sort(key=lambda grp: (grp.prop.value != rdfs_label, grp.prop.text.lower()))
    return groups, sorted(types.values(), key=lambda t: t.text)


def _incoming(
    counts: Iterable[Row],
    first: Mapping[str, Sequence[Row]],
    labels: _Labels,
    languages: Sequence[str],
    partners: Mapping[str, PartnerGraph],
) -> list[IncomingGroup]:
    """What refers to the entity, by property: how many subjects, and the page of them shown, each with the
    partner graphs that state it."""

    def referrer(r: Row) -> Fact:
        text, _, coined = labels.pick(r["s"]["value"], languages)
        term = Term(r["s"]["value"], r["s"]["type"], text, coined=coined)
        return Fact(term, [_evidence(g, {}, partners) for g in _graphs(r) if graph_kind(g) == "partner"])

    incoming = [
        IncomingGroup(
            _term({"type": "uri", "value": row["p"]["value"]}, labels, languages, vocabulary=True),
            int(row["n"]["value"]),
            [referrer(r) for r in first.get(row["p"]["value"], [])],
        )
        for row in counts
    ]
    return sorted(incoming, key=lambda grp: grp.prop.text.lower())


@dataclass
class Annotations:
    """The rows of ``inference.rules_query`` and ``discrepancies.touching`` for one entity."""

    rules: Sequence[Row] = ()
    disputes: Sequence[Row] = ()

    def iris_to_label(self) -> set[str]:
        return {row["d"]["value"] for row in self.disputes} | {row["via"]["value"] for row in self.rules}


def annotate(entity: str, groups: Sequence[Group], annotations: Annotations, label: Callable[[str], str]) -> None:
    """Give each inferred fact's evidence the rule that produced it (the reasoner's when no rule explains it), and
    each passage the disagreements touching the fact it states."""
    rules = inference.rules_by_statement(annotations.rules, label)
    disputes = discrepancies.disputes_by_statement(
        annotations.disputes, {d: label(d) for d in annotations.iris_to_label()}
    )
    for group in groups:
        for fact in group.facts:
            value = (fact.value.kind, fact.value.value, fact.value.language + fact.value.datatype)
            fact.evidence = [
                replace(ev, rule=rules.get((group.prop.value, value), inference.Rule(inference.REASONER)))
                if ev.kind == "inferred"
                else replace(ev, disputes=tuple(disputes.get((ev.graph, entity, group.prop.value, value), ())))
                for ev in fact.evidence
            ]


@dataclass
class IndexRows:
    """The rows of the mention-index queries (``views.mentions``) for one entity: what names it, the context of
    the passages about it, and, for a section, its own part of the index."""

    named: Sequence[Row] = ()
    context: Sequence[Row] = ()
    section: Sequence[Row] | None = None


def entity_view(
    entity: str,
    outgoing: Sequence[Row],
    label_rows: Iterable[Row],
    evidence_rows: Iterable[Row],
    incoming_counts: Iterable[Row],
    incoming_first: Mapping[str, Sequence[Row]],
    languages: Sequence[str],
    partners: Mapping[str, PartnerGraph] | None = None,
    index: IndexRows | None = None,
    annotations: Annotations | None = None,
) -> EntityView:
    """The page's view of ``entity`` from the rows of the queries above (``partners``: the descriptions of the
    partner graphs among them; ``index``: what the mention index and the context passages say of it;
    ``annotations``: the rules behind its inferred facts and the disagreements touching its facts)."""
    labels, index = _labels(label_rows), index or IndexRows()
    partners = partners or {}
    by_graph = {row["g"]["value"]: row for row in evidence_rows}
    contexts = mention_index.contexts(index.context)
    outgoing_groups, types = _outgoing(outgoing, labels, by_graph, languages, partners, contexts)
    if annotations is not None:
        annotate(entity, outgoing_groups, annotations, lambda iri: labels.pick(iri, languages)[0])
    label, language, coined = labels.pick(entity, languages)
    excerpts = {ev.graph for grp in outgoing_groups for f in grp.facts for ev in f.evidence if ev.kind == "excerpt"}

    def order(iri: str) -> str:
        return labels.pick(iri, languages)[0] or local_name(iri)

    section = mention_index.section_view(index.section, order) if index.section is not None else None
    named_in = mention_index.named_in(index.named, order)
    shown = mention_index.iris_shown(named_in) | (section.iris() if section else set())
    return EntityView(
        entity,
        label or local_name(entity),
        language,
        sorted(set(labels.alt.get(entity, [])) | {t for t, _ in labels.main.get(entity, []) if t != label}),
        types,
        outgoing_groups,
        _incoming(incoming_counts, incoming_first, labels, languages, partners),
        len(excerpts),
        mentions_by_source(by_graph.values()),
        coined=coined,
        named_in=named_in,
        section=section,
        names={iri: _term({"type": "uri", "value": iri}, labels, languages) for iri in shown},
    )


async def load(
    queries: Queries, entity: str, languages: Sequence[str], incoming: str | None, page: int
) -> EntityView | None:
    """The view of ``entity`` (``page`` of the ``incoming`` property's subjects), or None if the graph says nothing."""
    outgoing = await queries.rows(outgoing_query(entity))
    counts = await queries.rows(incoming_counts_query(entity))
    if not outgoing and not counts:
        return None
    first: dict[str, list[Row]] = {}
    for row in counts:
        prop = row["p"]["value"]
        first[prop] = await queries.rows(incoming_query(entity, prop, page if prop == incoming else 1))
    types = {r["o"]["value"] for r in outgoing if r["p"]["value"] == prefixes.RDF + "type"}
    excerpts, mentioning = await queries.gather([excerpt_graphs_query(entity), mention_index.mentioning_query(entity)])
    passages = batches(row["g"]["value"] for row in excerpts)
    named, context, evidence = await queries.gather_joined([
        [mention_index.named_in_query(some) for some in batches(row["x"]["value"] for row in mentioning)],
        [mention_index.context_query(some) for some in passages],
        [mentions_query(some) for some in passages],
    ])  # fmt: skip
    index = IndexRows(named, context)
    if mention_index.is_section(types):
        index.section = await queries.rows(mention_index.section_query(entity))
    iris = iris_to_label(outgoing, counts, entity)
    iris.update(r["s"]["value"] for rs in first.values() for r in rs if r["s"]["type"] == "uri")
    iris.update(mention_index.iris_to_label(index.named, index.section or ()))
    rules, disputes = await queries.gather([inference.rules_query(entity), discrepancies.touching(entity)])
    annotations = Annotations(rules, disputes)
    labels = await queries.rows(labels_query(iris | annotations.iris_to_label()))
    graphs = partner_graphs(outgoing, first)
    partners = from_rows(await queries.rows(graphs_query(graphs))) if graphs else {}
    return entity_view(entity, outgoing, labels, evidence, counts, first, languages, partners, index, annotations)
