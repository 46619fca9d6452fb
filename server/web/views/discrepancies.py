"""Where the sources disagree (``/discrepancies``), and which statements a disagreement touches (the flags on entity
pages and passages).

A disagreement is a ``mig:Discrepancy`` node: its label and comment say what disagrees, ``mig:discrepancyKind``
how (date, name, number, place, cross-reference), ``mig:discrepancyAbout`` what it is about, and each
``mig:discrepancyClaim`` is an excerpt graph holding one of the claims. A statement is *touched* by a
disagreement when it sits in one of its claim passages, names what the disagreement is about (as subject or
object) or an item or part of it (``mig:itemOf``/``mig:partOf``), and carries what its kind disputes
(``TOUCHES``: a date, a name, a number, a place, a citation): the disputed statements, not every other fact the
passage happens to state. Pure functions from SPARQL rows; the queries are built here and run by the pages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from server import prefixes
from server.web.deps import Queries, Row
from server.web.labels import EXTERNAL_LABELS, best_labels, iri_ref, iri_values, local_name
from server.web.rendering import local_path
from server.web.views import mentions

HEAD = prefixes.sparql_header(("rdf", "rdfs", "xsd", "skos", "oa", "mig", "graph"))

# Kind of disagreement → which statements carry what it disputes (SPARQL over ?p ?o); a kind not listed here, or
# no kind, touches every statement of the claim about what it is about.
TOUCHES: dict[str, str] = {
    "date": "isLiteral(?o) && DATATYPE(?o) IN (xsd:date, xsd:gYearMonth, xsd:gYear)",
    "name": "?p IN (rdfs:label, skos:altLabel, skos:prefLabel, mig:acronym, mig:displayName)",
    "number": "isNumeric(?o) || ?p IN (mig:itemLabel, skos:notation)",
    "place": "isIRI(?o) && EXISTS { ?o a mig:Place }",
    "cross-reference": "?p = mig:cites",
}

LIST = HEAD + (
    "SELECT ?d ?kind ?about ?comment ?x ?source ?exact ?start ?end WHERE { "
    "?d a mig:Discrepancy ; mig:discrepancyClaim ?x . "
    "OPTIONAL { ?d mig:discrepancyKind ?kind } OPTIONAL { ?d mig:discrepancyAbout ?about } "
    'OPTIONAL { ?d rdfs:comment ?comment FILTER(LANG(?comment) IN ("en", "")) } '
    f"OPTIONAL {{ GRAPH graph:provenance {{ ?x oa:hasSource ?source ; {mentions._QUOTE} }} }} }}"
)


def touched_query(scope: str = "") -> str:
    """``?d ?g ?s ?p ?o``: the statements each disagreement touches, in the graph of the claim stating them
    (``scope``: SPARQL restricting ``?s``, ``?g`` or ``?d``, e.g. ``VALUES ?s { <…> }``)."""
    kinds = " || ".join(f'(?_k = "{kind}" && ({sparql}))' for kind, sparql in TOUCHES.items())
    listed = ", ".join(f'"{kind}"' for kind in TOUCHES)
    return HEAD + (
        f"SELECT DISTINCT ?d ?g ?s ?p ?o WHERE {{ {scope} ?d mig:discrepancyClaim ?g ; mig:discrepancyAbout ?_a . "
        'OPTIONAL { ?d mig:discrepancyKind ?_k_ } BIND(COALESCE(?_k_, "") AS ?_k) '
        "GRAPH ?g { ?s ?p ?o } FILTER(?p != rdf:type) "
        "FILTER(?s = ?_a || ?o = ?_a || EXISTS { ?s mig:itemOf|mig:partOf ?_a } "
        f"|| EXISTS {{ ?o mig:itemOf|mig:partOf ?_a }}) FILTER({kinds} || ?_k NOT IN ({listed})) }}"
    )


def touching(entity: str) -> str:
    """The statements about ``entity`` (as subject) that a disagreement touches."""
    return touched_query(f"VALUES ?s {{ {iri_ref(entity)} }}")


def in_passage(graph: str) -> str:
    """The statements of one passage that a disagreement touches."""
    return touched_query(f"VALUES ?g {{ {iri_ref(graph)} }}")


@dataclass(frozen=True)
class Dispute:
    """A disagreement as a flag beside a statement: where to read it."""

    iri: str
    label: str

    @property
    def anchor(self) -> str:
        return f"/discrepancies#{local_name(self.iri)}"


@dataclass(frozen=True)
class Node:
    """An IRI or literal as a statement on these pages shows it."""

    text: str
    page: str = ""
    literal: bool = False


@dataclass
class Claim:
    graph: str
    passage: mentions.Passage | None
    source_label: str = ""
    statements: list[tuple[Node, Node, Node]] = field(default_factory=list)

    @property
    def page(self) -> str:
        return passage_page(self.graph)


@dataclass
class Discrepancy:
    iri: str
    key: str
    label: str
    kind: str
    comment: str
    about: list[Node]
    claims: list[Claim]


def passage_page(graph: str) -> str:
    """The page of a quoted passage on this server (``…/excerpt/<key>`` → ``/passage/<key>``)."""
    return "/passage/" + graph.removeprefix(prefixes.EXCERPT) if graph.startswith(prefixes.EXCERPT) else ""


def statement_key(o: Mapping[str, str]) -> tuple[str, str, str]:
    """A statement's value as the entity view keys it: (type, value, language or datatype)."""
    return (o["type"], o["value"], o.get("xml:lang", "") + o.get("datatype", ""))


StatementKey = tuple[str, str, str, tuple[str, str, str]]  # graph, subject, property, value (``statement_key``)


def disputes_by_statement(rows: Iterable[Row], labels: Mapping[str, str]) -> dict[StatementKey, list[Dispute]]:
    """(graph, subject, property, value key) → the disagreements touching that statement (``touched_query`` rows)."""
    found: dict[StatementKey, list[Dispute]] = defaultdict(list)
    for row in rows:
        d = row["d"]["value"]
        dispute = Dispute(d, labels.get(d) or local_name(d))
        key = (row["g"]["value"], row["s"]["value"], row["p"]["value"], statement_key(row["o"]))
        if dispute not in found[key]:
            found[key].append(dispute)
    return found


def node(binding: Mapping[str, str], labels: Mapping[str, str], base: str) -> Node:
    if binding["type"] == "uri":
        iri = binding["value"]
        return Node(labels.get(iri) or EXTERNAL_LABELS.get(iri) or local_name(iri), local_path(iri, base))
    return Node(binding["value"], literal=True)


def build(list_rows: Iterable[Row], touched_rows: Iterable[Row], labels: Mapping[str, str], base: str
          ) -> list[Discrepancy]:  # fmt: skip
    """The disagreements, each with its claims in reading order (by source, then offset) and what each states."""
    found: dict[str, Discrepancy] = {}
    claims: dict[tuple[str, str], Claim] = {}
    for row in list_rows:
        d, x = row["d"]["value"], row["x"]["value"]
        if d not in found:
            kind, comment = (row.get(v, {}).get("value", "") for v in ("kind", "comment"))
            found[d] = Discrepancy(d, local_name(d), labels.get(d) or local_name(d), kind, comment, [], [])
        about = row.get("about")
        if about is not None and (shown := node(about, labels, base)) not in found[d].about:
            found[d].about.append(shown)
        if (d, x) not in claims:
            source = row.get("source", {}).get("value", "")
            claims[d, x] = Claim(x, mentions.passage(row) if "exact" in row else None, labels.get(source, ""))
            found[d].claims.append(claims[d, x])
    for row in touched_rows:
        claim = claims.get((row["d"]["value"], row["g"]["value"]))
        statement = tuple(node(row[v], labels, base) for v in ("s", "p", "o"))
        if claim is not None and statement not in claim.statements:
            claim.statements.append(statement)  # type: ignore[arg-type]
    for discrepancy in found.values():
        discrepancy.claims.sort(key=lambda c: (c.passage.source, c.passage.start) if c.passage else ("~", 0))
    return sorted(found.values(), key=lambda d: (d.kind, d.label.lower()))


def iris_to_label(list_rows: Iterable[Row], touched_rows: Iterable[Row]) -> set[str]:
    iris = {row[v]["value"] for row in list_rows for v in ("d", "about", "source") if v in row}
    iris |= {row[v]["value"] for row in touched_rows for v in ("s", "p", "o") if row[v]["type"] == "uri"}
    return iris


async def load(queries: Queries, languages: Sequence[str]) -> list[Discrepancy]:
    """Every disagreement of the release with its claims."""
    list_rows, touched_rows = await queries.gather([LIST, touched_query()])
    found = await best_labels(queries, iris_to_label(list_rows, touched_rows), languages)
    labels = {iri: text for iri, (text, _) in found.items()}
    return build(list_rows, touched_rows, labels, queries.service.base_iri)


def as_json(discrepancies: Sequence[Discrepancy]) -> dict[str, Any]:
    return {
        "discrepancies": [
            {"iri": d.iri, "label": d.label, "kind": d.kind, "comment": d.comment,
             "about": [a.text for a in d.about],
             "claims": [{"excerpt": c.graph, "quote": c.passage.quote if c.passage else None,
                         "source": c.passage.source if c.passage else None,
                         "start": c.passage.start if c.passage else None, "end": c.passage.end if c.passage else None,
                         "statements": [[s.text, p.text, o.text] for s, p, o in c.statements]}
                        for c in d.claims]}
            for d in discrepancies
        ]
    }  # fmt: skip


COLUMNS = ("discrepancy", "label", "kind", "about", "excerpt", "source", "quote")


def table(discrepancies: Sequence[Discrepancy]) -> list[list[Any]]:
    """One row per claim."""
    return [
        [d.iri, d.label, d.kind, " · ".join(a.text for a in d.about), c.graph,
         c.passage.source if c.passage else "", c.passage.quote if c.passage else ""]
        for d in discrepancies for c in d.claims
    ]  # fmt: skip


def about_query(entities: Iterable[str]) -> str:
    """``?d ?about``: the disagreements about any of ``entities``."""
    return HEAD + (
        f"SELECT DISTINCT ?d ?about WHERE {{ VALUES ?about {{ {iri_values(entities)} }} "
        "?d mig:discrepancyAbout ?about } ORDER BY ?d"
    )


async def about(queries: Queries, entities: Sequence[str], languages: Sequence[str]) -> list[tuple[Dispute, str]]:
    """The disagreements about any of ``entities`` (search hits), each with the name of what it is about."""
    if not entities:
        return []
    rows = await queries.rows(about_query(entities))
    found = await best_labels(queries, {row[v]["value"] for row in rows for v in ("d", "about")}, languages)

    def name(iri: str) -> str:
        return found.get(iri, ("", ""))[0] or local_name(iri)

    return [(Dispute(row["d"]["value"], name(row["d"]["value"])), name(row["about"]["value"])) for row in rows]
