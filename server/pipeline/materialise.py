"""Instance-level inferences SPARQL users need and owlready2 does not write back (DESIGN.md §4).

Superclass types, sub-property values, inverse and transitive values, domain/range types, and the
member-of / observer-of shortcuts derived from n-ary memberships. Rules are SPARQL UPDATEs run to a fixpoint
in a scratch pyoxigraph store holding the ontology and the asserted facts in its default graph; what they
add (about our own instances only) is the inferred graph. ``inferred_graph`` and ``provenance`` make the
build's materialise step: the reasoner's and the rules' inferences, minus what is asserted, in
``graph/inferred``, and its description in ``graph/provenance``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, Store, Triple

from server import prefixes

if TYPE_CHECKING:
    from server.pipeline.reason import Reasoning

_HEAD = prefixes.sparql_header(("rdf", "rdfs", "owl", "mig"))
_ID = prefixes.ID

RULES: dict[str, str] = {
    "subclass": """INSERT { ?x a ?d } WHERE { ?x a ?c . ?c rdfs:subClassOf ?d . FILTER(isIRI(?d)) }""",
    "subproperty": """INSERT { ?s ?q ?o } WHERE { ?p rdfs:subPropertyOf ?q . ?s ?p ?o }""",
    "inverse": """INSERT { ?o ?q ?s } WHERE {
        { ?p owl:inverseOf ?q } UNION { ?q owl:inverseOf ?p } ?s ?p ?o . FILTER(!isLiteral(?o)) }""",
    "transitive": """INSERT { ?x ?p ?z } WHERE { ?p a owl:TransitiveProperty . ?x ?p ?y . ?y ?p ?z }""",
    "domain": """INSERT { ?s a ?c } WHERE {
        ?p rdfs:domain ?c . FILTER(isIRI(?c)) ?p a owl:ObjectProperty . ?s ?p ?o }""",
    "range": """INSERT { ?o a ?c } WHERE {
        ?p rdfs:range ?c . FILTER(isIRI(?c)) ?p a owl:ObjectProperty . ?s ?p ?o . FILTER(!isLiteral(?o)) }""",
    "membership": """INSERT { ?a ?shortcut ?org } WHERE {
        ?m mig:memberAgent ?a ; mig:membershipOrganisation ?org ; mig:membershipRole ?role .
        VALUES (?role ?shortcut) { (mig:roleMember mig:memberOf) (mig:roleObserver mig:observerOf) } }""",
}


def _is_instance_triple(t: Triple) -> bool:
    """Keep inferences about our instances (subjects under /id/), never about the vocabulary itself."""
    return t.subject.value.startswith(_ID) if hasattr(t.subject, "value") else False


def materialise(ontology: Iterable[Triple], facts: Iterable[Triple], max_rounds: int = 20) -> set[Triple]:
    """Triples the rules derive from ontology + facts that are not already asserted, about our instances."""
    store = Store()
    store.extend(Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in ontology)
    store.extend(Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in facts)
    before = {Triple(q.subject, q.predicate, q.object) for q in store}
    size = len(store)
    for _ in range(max_rounds):
        for rule in RULES.values():
            store.update(_HEAD + rule)
        if len(store) == size:
            break
        size = len(store)
    else:
        raise RuntimeError(f"materialisation did not reach a fixpoint in {max_rounds} rounds")
    return {t for q in store if _is_instance_triple(t := Triple(q.subject, q.predicate, q.object)) and t not in before}


def inferred_graph(reasoning: Reasoning) -> list[Quad]:
    """``graph/inferred``: what the reasoner and the rules add to the ABox it reasoned over."""
    derived = reasoning.inferred | materialise(reasoning.ontology, reasoning.abox)
    graph = NamedNode(prefixes.GRAPH_INFERRED)
    return [Quad(t.subject, t.predicate, t.object, graph) for t in sorted(derived - set(reasoning.abox), key=str)]


def provenance(software: str, started: datetime) -> list[Quad]:
    """The description of ``graph/inferred`` in ``graph/provenance``: when, and by which software and rules."""
    prov, g = NamedNode(prefixes.GRAPH_PROVENANCE), NamedNode(prefixes.GRAPH_INFERRED)
    return [
        Quad(g, NamedNode(prefixes.RDF + "type"), NamedNode(prefixes.PROV + "Entity"), prov),
        Quad(
            g,
            NamedNode(prefixes.PROV + "generatedAtTime"),
            Literal(started.isoformat(timespec="seconds"), datatype=NamedNode(prefixes.XSD + "dateTime")),
            prov,
        ),
        Quad(
            g,
            NamedNode(prefixes.DCTERMS + "description"),
            Literal(
                f"Inferred by the build: consistency and inferences by {software}; superclass types, sub-property, "
                "inverse, transitive, domain/range and membership values by the SPARQL rules in "
                "server/pipeline/materialise.py.",
                language="en",
            ),
            prov,
        ),
    ]
