"""The build's steps as public functions: each one's inputs and outputs, and the timings the build reports."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Triple, parse

from server import prefixes
from server.pipeline import materialise, validate
from server.pipeline.build import BuildResult
from server.pipeline.load import parse_file
from server.pipeline.reason import Reasoning, reason_over
from server.release import Release
from server.settings import REPO_ROOT, Settings

STEPS = ["load", "quotes", "mentions", "reason", "materialise", "validate", "publish"]
ONTOLOGY = parse_file(REPO_ROOT / "ontology" / "migkg.ttl", prefixes.GRAPH_ONTOLOGY)
RDF_TYPE = NamedNode(prefixes.RDF + "type")
WORKSHOP = NamedNode(prefixes.ID + "event/w")
ORGANISED_BY = NamedNode(prefixes.MIG + "organisedBy")
GOVERNMENT = NamedNode(prefixes.ID + "organisation/g")
INFERRED = NamedNode(prefixes.GRAPH_INFERRED)
# The same fact stated by two excerpts, a type in each, and an inference the build made earlier.
FACTS = [
    Quad(WORKSHOP, RDF_TYPE, NamedNode(prefixes.MIG + "Workshop"), NamedNode(prefixes.EXCERPT + "one")),
    Quad(WORKSHOP, ORGANISED_BY, GOVERNMENT, NamedNode(prefixes.EXCERPT + "one")),
    Quad(WORKSHOP, ORGANISED_BY, GOVERNMENT, NamedNode(prefixes.EXCERPT + "two")),
    Quad(GOVERNMENT, RDF_TYPE, NamedNode(prefixes.MIG + "GovernmentBody"), NamedNode(prefixes.EXCERPT + "two")),
    Quad(WORKSHOP, RDF_TYPE, NamedNode(prefixes.MIG + "Event"), INFERRED),
]


def triple(q: Quad) -> Triple:
    return Triple(q.subject, q.predicate, q.object)


def rdflib_triple(q: Quad) -> tuple[rdflib.URIRef, rdflib.URIRef, rdflib.URIRef]:
    return rdflib.URIRef(q.subject.value), rdflib.URIRef(q.predicate.value), rdflib.URIRef(q.object.value)


@pytest.mark.build
def test_build_times_each_step_in_the_order_data_flows(built: BuildResult, release: Release) -> None:
    assert list(built.timings) == STEPS
    assert set(release.metadata.timings) == set(STEPS) - {"publish"}  # written before publishing ends


def test_validate_inputs_hold_the_asserted_union_with_the_ontology_apart(tmp_path: Path) -> None:
    fixture = REPO_ROOT / "tests" / "shapes" / "fixtures" / "valid" / "complete.trig"
    quads = [*ONTOLOGY, *parse(path=str(fixture), format=RdfFormat.TRIG), *FACTS]
    given = validate.inputs(Settings(repo_dir=REPO_ROOT, build_dir=tmp_path), quads)
    assert rdflib_triple(FACTS[1]) in given.data
    assert rdflib_triple(FACTS[-1]) not in given.data  # graph/inferred is not validated
    assert not [t for t in given.data if t in given.ontology]
    assert len(given.ontology) == len(ONTOLOGY)
    assert given.checks == REPO_ROOT / "shapes" / "checks" and len(given.shapes) > 0
    served = list(given.dataset.quads_for_pattern(WORKSHOP, ORGANISED_BY, GOVERNMENT, DefaultGraph()))
    assert len(served) == 1  # the checks query the served union, each triple once
    violations = {f.focus for f in validate.run(given) if f.severity == "Violation"}
    assert WORKSHOP.value in violations  # the bare workshop of FACTS has no label


def test_materialise_step_adds_what_is_not_asserted_in_graph_inferred() -> None:
    abox = [triple(q) for q in FACTS[:4]]
    reasoning = Reasoning(set(), "test", [triple(q) for q in ONTOLOGY], abox)
    inferred = materialise.inferred_graph(reasoning)
    assert {q.graph_name for q in inferred} == {INFERRED}
    assert Triple(WORKSHOP, RDF_TYPE, NamedNode(prefixes.MIG + "Event")) in {triple(q) for q in inferred}
    assert not {triple(q) for q in inferred} & set(abox)


@pytest.mark.build
def test_reason_step_reasons_over_the_ontology_and_the_asserted_abox(tmp_path: Path) -> None:
    reasoning = reason_over([*ONTOLOGY, *FACTS], Settings(repo_dir=REPO_ROOT, build_dir=tmp_path))
    assert "Pellet" in reasoning.software
    assert sorted(reasoning.abox, key=str) == sorted({triple(q) for q in FACTS[:4]}, key=str)
    assert len(reasoning.ontology) == len(ONTOLOGY)
    assert all(t.subject.value.startswith(prefixes.ID) for t in reasoning.inferred)


def test_validation_inputs_keep_the_lexical_forms_a_store_would_normalise(tmp_path: Path) -> None:
    """DESIGN §5: SHACL sees datatypes as written; a pyoxigraph store would turn ``"-5"^^xsd:positiveInteger`` into
    ``xsd:integer``, hiding the defect from the shape that checks the datatype."""
    from pyoxigraph import Literal

    count = NamedNode(prefixes.MIG + "beneficiaryCount")
    negative = Literal("-5", datatype=NamedNode(prefixes.XSD + "positiveInteger"))
    quads = [Quad(WORKSHOP, count, negative, NamedNode(prefixes.EXCERPT + "one"))]
    given = validate.inputs(Settings(repo_dir=REPO_ROOT, build_dir=tmp_path), quads)
    values = {(str(o), str(o.datatype)) for o in given.data.objects(None, rdflib.URIRef(count.value))}
    assert values == {("-5", prefixes.XSD + "positiveInteger")}
