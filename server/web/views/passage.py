"""One quoted passage (an excerpt graph, ``…/excerpt/<key>``) as a page, ``/passage/<key>``: the quote, where it
is in its source, the statements it supports grouped by subject (each flagged when a disagreement touches it), and
the disagreements it is a claim in. Pure functions from SPARQL rows, and ``load``, which runs the queries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from server import prefixes
from server.web.deps import Queries, Row
from server.web.labels import best_labels, iri_ref, local_name
from server.web.views import discrepancies, mentions

HEAD = discrepancies.HEAD


def where_query(graph: str) -> str:
    g = iri_ref(graph)
    return HEAD + (
        f"SELECT ?x ?source ?exact ?start ?end WHERE {{ BIND({g} AS ?x) "
        f"GRAPH graph:provenance {{ ?x oa:hasSource ?source ; {mentions._QUOTE} }} }}"
    )


def statements_query(graph: str) -> str:
    return f"SELECT ?s ?p ?o WHERE {{ GRAPH {iri_ref(graph)} {{ ?s ?p ?o }} }} ORDER BY ?s ?p ?o"


def claimed_query(graph: str) -> str:
    return HEAD + f"SELECT ?d WHERE {{ ?d mig:discrepancyClaim {iri_ref(graph)} }} ORDER BY ?d"


@dataclass
class Statement:
    prop: discrepancies.Node
    value: discrepancies.Node
    disputes: list[discrepancies.Dispute] = field(default_factory=list)


@dataclass
class Subject:
    node: discrepancies.Node
    statements: list[Statement]


@dataclass
class PassageView:
    iri: str
    key: str
    passage: mentions.Passage
    source_label: str
    subjects: list[Subject]
    claimed_in: list[discrepancies.Dispute]


def view(graph: str, where: Row, statement_rows: Iterable[Row], touched_rows: Iterable[Row],
         claimed_rows: Iterable[Row], labels: Mapping[str, str], base: str) -> PassageView:  # fmt: skip
    disputes = discrepancies.disputes_by_statement(touched_rows, labels)
    subjects: dict[str, Subject] = {}
    for row in statement_rows:
        s = row["s"]["value"]
        if s not in subjects:
            subjects[s] = Subject(discrepancies.node(row["s"], labels, base), [])
        key = (graph, s, row["p"]["value"], discrepancies.statement_key(row["o"]))
        subjects[s].statements.append(Statement(discrepancies.node(row["p"], labels, base),
                                                discrepancies.node(row["o"], labels, base),
                                                list(disputes.get(key, []))))  # fmt: skip
    claimed = [discrepancies.Dispute(r["d"]["value"], labels.get(r["d"]["value"]) or local_name(r["d"]["value"]))
               for r in claimed_rows]  # fmt: skip
    passage = mentions.passage(where)
    return PassageView(graph, local_name(graph), passage, labels.get(passage.source) or local_name(passage.source),
                       sorted(subjects.values(), key=lambda s: s.node.text.lower()), claimed)  # fmt: skip


async def load(queries: Queries, key: str, languages: Sequence[str]) -> PassageView | None:
    """The passage ``…/excerpt/<key>``, or None if the release has no such passage."""
    graph = prefixes.EXCERPT + key
    try:
        iri_ref(graph)
    except ValueError:
        return None
    where, statements, touched, claimed = await queries.gather(
        [where_query(graph), statements_query(graph), discrepancies.in_passage(graph), claimed_query(graph)]
    )
    if not where:
        return None
    iris = {where[0]["source"]["value"]} | {r["d"]["value"] for r in (*touched, *claimed)}
    iris |= {r[v]["value"] for r in statements for v in ("s", "p", "o") if r[v]["type"] == "uri"}
    found = await best_labels(queries, iris, languages)
    labels = {iri: text for iri, (text, _) in found.items()}
    return view(graph, where[0], statements, touched, claimed, labels, queries.service.base_iri)
