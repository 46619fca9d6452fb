"""What the ontology's page (``/def``) documents: every class and property of ``mig:`` by kind, with its label and
comment in the reader's language and its axioms; and the query for the ontology graph itself."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from server import prefixes
from server.web.deps import Row
from server.web.i18n import N_
from server.web.labels import pick_label
from server.web.rendering import local_path

GRAPH_QUERY = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{prefixes.GRAPH_ONTOLOGY}> {{ ?s ?p ?o }} }}"
TERMS_QUERY = (
    prefixes.sparql_header(("rdf", "rdfs", "owl"))
    + f"""
SELECT ?term ?kind ?p ?o WHERE {{ GRAPH <{prefixes.GRAPH_ONTOLOGY}> {{
  VALUES ?kind {{ owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty owl:NamedIndividual }}
  ?term a ?kind . ?term ?p ?o .
  FILTER(STRSTARTS(STR(?term), "{prefixes.MIG}"))
}} }}"""
)
CLASSES = N_("Classes")
KINDS = {
    prefixes.OWL + "Class": CLASSES,
    prefixes.OWL + "ObjectProperty": N_("Object properties"),
    prefixes.OWL + "DatatypeProperty": N_("Datatype properties"),
    prefixes.OWL + "AnnotationProperty": N_("Annotation properties"),
    prefixes.OWL + "NamedIndividual": N_("Individuals"),
}


@dataclass
class TermDoc:
    iri: str
    name: str
    label: str = ""
    comment: str = ""
    links: dict[str, list[str]] = field(default_factory=dict)  # "subclass of", "domain", … → local names


Binding = Mapping[str, str]


def _text(props: Mapping[str, list[Binding]], predicate: str, languages: Sequence[str]) -> str:
    values = [(o["value"], o.get("xml:lang", "")) for o in props.get(predicate, []) if o["type"] == "literal"]
    return pick_label(values, languages)[0]


def term_docs(term_rows: list[Row], languages: Sequence[str], base: str) -> dict[str, list[TermDoc]]:
    """Terms grouped by kind, each with its label and comment in the best language and its axioms; ours are
    named by their local name (``Practice``), others by their IRI."""

    def local(iri: str) -> str:
        return prefixes.compact(iri, base, within="mig")

    by_term: dict[tuple[str, str], dict[str, list[Binding]]] = defaultdict(lambda: defaultdict(list))
    for row in term_rows:
        by_term[(row["kind"]["value"], row["term"]["value"])][row["p"]["value"]].append(row["o"])
    relations = {prefixes.RDFS + "subClassOf": N_("subclass of"), prefixes.RDFS + "subPropertyOf": N_("subproperty of"),
                 prefixes.RDFS + "domain": N_("domain"), prefixes.RDFS + "range": N_("range"),
                 prefixes.OWL + "inverseOf": N_("inverse of"), prefixes.RDF + "type": N_("type")}  # fmt: skip
    grouped: dict[str, list[TermDoc]] = {title: [] for title in KINDS.values()}
    for (kind, iri), props in by_term.items():
        links = {
            name: sorted(local(o["value"]) for o in props.get(p, []) if o["type"] == "uri"
                         and o["value"] not in KINDS and not o["value"].startswith(prefixes.OWL))
            for p, name in relations.items()
        }  # fmt: skip
        label, comment = (
            _text(props, prefixes.RDFS + "label", languages),
            _text(props, prefixes.RDFS + "comment", languages),
        )
        doc = TermDoc(iri, local(iri), label, comment, {k: v for k, v in links.items() if v})
        grouped[KINDS[kind]].append(doc)
    for docs in grouped.values():
        docs.sort(key=lambda d: d.name.lower())
    return grouped


def find(groups: Mapping[str, Sequence[TermDoc]], name: str) -> tuple[str, TermDoc] | None:
    """The kind and documentation of our term ``name`` (a local name: ``Practice``), or None."""
    return next(((kind, d) for kind, docs in groups.items() for d in docs if d.name == name), None)


# --- How the data uses a term (the /def/<term> page), read from graph/void (``server.partitions``) -----------------

EXAMPLES = 3
_VOID_HEAD = prefixes.sparql_header(("void",))
COUNTS_QUERY = _VOID_HEAD + (
    f"SELECT ?term ?n WHERE {{ GRAPH <{prefixes.GRAPH_VOID}> {{ "
    f"{{ <{prefixes.DATASET}> void:classPartition ?part . ?part void:class ?term ; void:entities ?n }} UNION "
    f"{{ <{prefixes.DATASET}> void:propertyPartition ?part . ?part void:property ?term ; void:triples ?n }} }} "
    f'FILTER(STRSTARTS(STR(?term), "{prefixes.MIG}")) }}'
)
# What /def links to: the partitions, as anyone can ask the endpoint for them.
PARTITIONS_QUERY = prefixes.sparql_header(("void", "mig")) + (
    "SELECT ?class ?entities WHERE {\n"
    f"  GRAPH <{prefixes.GRAPH_VOID}> {{ ?partition void:class ?class ; void:entities ?entities }}\n"
    "  FILTER(STRSTARTS(STR(?class), STR(mig:)))\n"
    "}\nORDER BY DESC(?entities) ?class\n"
)


@dataclass(frozen=True)
class Example:
    """An entity (or a value) to show: its text, and where it links (empty: shown as text)."""

    text: str
    href: str = ""
    language: str = ""


@dataclass(frozen=True)
class Usage:
    """How the data uses one term: ``count`` is its entities (a class) or triples (a property); ``properties`` the
    properties its instances use, with their triples (a class); ``examples`` a few instances (a class) or
    subject–value pairs (a property); ``query`` a ready query that lists them all."""

    is_class: bool
    count: int
    properties: list[tuple[str, str, int]] = field(default_factory=list)  # (compact name, href, triples)
    examples: list[tuple[Example, ...]] = field(default_factory=list)
    query: str = ""


def counts(rows: Sequence[Row]) -> dict[str, int]:
    """Term IRI → its entities (class) or triples (property), from ``COUNTS_QUERY``'s rows."""
    return {row["term"]["value"]: int(row["n"]["value"]) for row in rows}


def usage_queries(iri: str, is_class: bool) -> list[str]:
    """The queries for ``iri``'s usage: a few examples, and for a class the properties its instances use."""
    term = f"<{iri}>"
    if not is_class:
        return [f"SELECT ?s ?o WHERE {{ ?s {term} ?o FILTER(isIRI(?s)) }} ORDER BY ?s ?o LIMIT {EXAMPLES}"]
    used = _VOID_HEAD + (
        f"SELECT ?p ?n WHERE {{ GRAPH <{prefixes.GRAPH_VOID}> {{ <{prefixes.DATASET}> void:classPartition ?c . "
        f"?c void:class {term} ; void:propertyPartition ?part . ?part void:property ?p ; void:triples ?n }} }} "
        "ORDER BY DESC(?n) ?p"
    )
    return [f"SELECT DISTINCT ?s WHERE {{ ?s a {term} FILTER(isIRI(?s)) }} ORDER BY ?s LIMIT {EXAMPLES}", used]


def ready_query(name: str, is_class: bool) -> str:
    """What "query this" opens the editor with: every instance of the class (with its label), or every use of the
    property.

    >>> print(ready_query("heldIn", False), end="")
    PREFIX mig: <https://w3id.org/migkg/def#>
    SELECT ?subject ?value WHERE {
      ?subject mig:heldIn ?value .
    }
    LIMIT 100
    """
    if is_class:
        return prefixes.sparql_header(("mig", "rdfs")) + (
            f"SELECT ?entity ?label WHERE {{\n  ?entity a mig:{name} .\n"
            "  OPTIONAL { ?entity rdfs:label ?label }\n}\nORDER BY ?entity\nLIMIT 100\n"
        )
    return (
        prefixes.sparql_header(("mig",))
        + f"SELECT ?subject ?value WHERE {{\n  ?subject mig:{name} ?value .\n}}\nLIMIT 100\n"
    )


def usage(
    doc: TermDoc, is_class: bool, count: int, used: Sequence[Row], example_rows: Sequence[Row],
    names: Mapping[str, str], base: str,
) -> Usage:  # fmt: skip
    """The usage of ``doc``'s term: its ``count`` (``counts``), the rows of ``usage_queries`` and the labels of the
    IRIs in the examples."""

    def show(binding: Mapping[str, str]) -> Example:
        if binding["type"] == "uri":
            return Example(names.get(binding["value"], binding["value"]), local_path(binding["value"], base))
        return Example(binding["value"], language=binding.get("xml:lang", ""))

    properties = [
        (prefixes.compact(r["p"]["value"], base), term_path(r["p"]["value"], base), int(r["n"]["value"])) for r in used
    ]
    examples = [tuple(show(r[v]) for v in ("s", "o") if v in r) for r in example_rows]
    return Usage(is_class, count, properties, examples, ready_query(doc.name, is_class))


def term_path(iri: str, base: str) -> str:
    """Where a link to a term goes: our terms to their page (``/def/heldIn``), others as ``local_path`` says.

    >>> term_path("https://w3id.org/migkg/def#heldIn", "https://w3id.org/migkg/")
    '/def/heldIn'
    """
    path = local_path(iri, base)
    return "/def/" + path[5:] if path.startswith("/def#") else path


def example_iris(example_rows: Sequence[Row]) -> set[str]:
    """The IRIs among the examples, whose labels the page shows."""
    return {b["value"] for row in example_rows for b in row.values() if b["type"] == "uri"}
