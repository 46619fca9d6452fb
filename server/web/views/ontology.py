"""What the ontology's page (``/def``) documents: every class and property of ``mig:`` by kind, with its label and
comment in the reader's language and its axioms; and the query for the ontology graph itself."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from server import prefixes
from server.web.deps import Row
from server.web.labels import pick_label

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
KINDS = {
    prefixes.OWL + "Class": "Classes",
    prefixes.OWL + "ObjectProperty": "Object properties",
    prefixes.OWL + "DatatypeProperty": "Datatype properties",
    prefixes.OWL + "AnnotationProperty": "Annotation properties",
    prefixes.OWL + "NamedIndividual": "Individuals",
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
    relations = {prefixes.RDFS + "subClassOf": "subclass of", prefixes.RDFS + "subPropertyOf": "subproperty of",
                 prefixes.RDFS + "domain": "domain", prefixes.RDFS + "range": "range",
                 prefixes.OWL + "inverseOf": "inverse of", prefixes.RDF + "type": "type"}  # fmt: skip
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
