"""The ontology: every term labelled and explained in English and Spanish; no imports; alignments point
only at terms that exist; consistent on its own."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS

from server.prefixes import MIG, ONTOLOGY_IRI
from server.settings import REPO_ROOT

ONTOLOGY = rdflib.Graph().parse(REPO_ROOT / "ontology" / "migkg.ttl")
ALIGNMENTS = rdflib.Graph().parse(REPO_ROOT / "ontology" / "alignments.ttl")
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual)
TERMS = sorted({s for k in KINDS for s in ONTOLOGY.subjects(RDF.type, k) if str(s).startswith(MIG)})


def local(term: rdflib.URIRef) -> str:
    return str(term).removeprefix(MIG)


@pytest.mark.parametrize("term", TERMS, ids=local)
@pytest.mark.parametrize("predicate", [RDFS.label, RDFS.comment], ids=["label", "comment"])
def test_term_has_english_and_spanish_text(term: rdflib.URIRef, predicate: rdflib.URIRef) -> None:
    languages = [o.language for o in ONTOLOGY.objects(term, predicate) if isinstance(o, rdflib.Literal)]
    assert sorted(languages) == ["en", "es"]


def test_ontology_declares_iri_and_version_iri() -> None:
    onto = rdflib.URIRef(ONTOLOGY_IRI)
    assert (onto, RDF.type, OWL.Ontology) in ONTOLOGY
    assert str(ONTOLOGY.value(onto, OWL.versionIRI)).startswith(ONTOLOGY_IRI + "/")


def test_ontology_imports_nothing() -> None:
    assert list(ONTOLOGY.objects(None, OWL.imports)) == []


def test_alignments_refer_only_to_declared_terms() -> None:
    used = {t for triple in ALIGNMENTS for t in triple if isinstance(t, rdflib.URIRef) and str(t).startswith(MIG)}
    assert used - set(TERMS) == set()


def test_every_object_property_except_generic_ones_has_domain_or_range() -> None:
    props = set(ONTOLOGY.subjects(RDF.type, OWL.ObjectProperty))
    inverses = {o for p in props for o in ONTOLOGY.objects(p, OWL.inverseOf)}
    bare = {local(p) for p in props - inverses if not (ONTOLOGY.value(p, RDFS.domain) or ONTOLOGY.value(p, RDFS.range))}
    assert bare <= set(GENERIC)


# Object properties with neither domain nor range, and why.
GENERIC = {
    "partOf": "anything is part of a whole of its own kind (a session of an event, a section of a document, a unit of "
    "a body)",
    "cites": "documents, items and instruments cite each other",
    "predecessor": "a body, programme, event, series or document succeeds one of its own kind; OWL cannot say 'the "
    "same class as the subject' and a union would admit mixed pairs: shape:predecessor-value checks it",
}


@pytest.mark.build
def test_ontology_alone_is_consistent(tmp_path: Path) -> None:
    from server.pipeline.reason import reason

    reason(ONTOLOGY.serialize(format="nt"), tmp_path)
