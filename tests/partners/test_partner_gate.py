"""The gate on partner data: the issue's example passes; wrong ranges, missing types, literals for IRIs,
unknown IRIs of ours, facts about our things, ontology axioms and contradictions are rejected with findings."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ACME

from server import prefixes
from server.partners.gate import Gate, Lookup
from server.partners.report import GateReport, ReportArchive, Result
from server.partners.upload import parse_upload

GRAPH = ACME.graphs + "programmes"
REPORT_ID = "20260101T000000Z-0123456789ab"
HEADER = f"""@prefix mig: <{prefixes.MIG}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix commitment: <{prefixes.ID}commitment/> .
@prefix country: <{prefixes.ID}country/> .
@prefix organisation: <{prefixes.ID}organisation/> .
@prefix agency: <https://example.org/agency/> .
"""
# The issue's example, exactly.
EXAMPLE = (
    "<https://example.org/agency/programme/1> a <https://w3id.org/migkg/def#Practice> ; "
    "<https://w3id.org/migkg/def#givesEffectTo> <https://w3id.org/migkg/id/commitment/montevideo-2006/p25q> ."
)


def check(gate: Gate, lookup: Lookup, turtle: str) -> GateReport:
    upload = parse_upload((HEADER + turtle).encode(), "text/turtle", GRAPH)
    return gate.check(GRAPH, upload.triples, lookup, REPORT_ID)


def violations(report: GateReport) -> dict[str, Result]:
    return {r.rule.removeprefix(prefixes.SHAPES): r for r in report.results() if r.severity == "Violation"}


@pytest.mark.build
def test_gate_accepts_the_issue_example_with_a_label_warning(gate: Gate, lookup: Lookup) -> None:
    report = check(gate, lookup, EXAMPLE)
    assert report.conforms, report.serialize("text/turtle").decode()
    warnings = {r.rule.removeprefix(prefixes.SHAPES) for r in report.results() if r.severity == "Warning"}
    assert "practice-label-present" in warnings  # a missing label is a Warning for partner data
    assert report.graph == GRAPH
    assert "consistency (pellet)" in report.serialize("text/turtle").decode()


@pytest.mark.parametrize(
    ("defect", "turtle", "rule", "value"),
    [
        (
            "wrong range",
            'agency:programme\\/2 a mig:Programme ; rdfs:label "Two"@en ; mig:givesEffectTo country:ecu .',
            "gives-effect-to-value",
            prefixes.ID + "country/ecu",
        ),
        (
            "missing type",
            "agency:programme\\/3 mig:givesEffectTo commitment:montevideo-2006\\/p25q .",
            "check-untyped-subject-violation",
            None,
        ),
        (
            "literal where an IRI must be",
            'agency:programme\\/4 a mig:Programme ; mig:givesEffectTo "item 25.q" .',
            "gives-effect-to-value",
            '"item 25.q"',
        ),
        (
            "an IRI of ours that does not exist",
            "agency:programme\\/5 a mig:Programme ; mig:givesEffectTo commitment:montevideo-2006\\/p99z .",
            "check-unknown-entity-violation",
            prefixes.ID + "commitment/montevideo-2006/p99z",
        ),
        (
            "a fact about one of our things",
            "commitment:montevideo-2006\\/p25q mig:givenEffectBy agency:programme\\/6 . "
            "agency:programme\\/6 a mig:Programme .",
            "check-subject-of-ours-violation",
            None,
        ),
        (
            "an ontology axiom",
            "agency:programme\\/7 a mig:Programme . mig:Programme rdfs:subClassOf mig:Agent .",
            "check-ontology-axiom-violation",
            prefixes.MIG + "Agent",
        ),
        (
            "a misspelt term of ours",
            "agency:programme\\/8 a mig:Programme ; mig:givesEffectTO commitment:montevideo-2006\\/p25q .",
            "check-undeclared-term-violation",
            prefixes.MIG + "givesEffectTO",
        ),
        (
            "a label without a language tag",
            'agency:programme\\/9 a mig:Programme ; rdfs:label "Nine" .',
            "practice-label",
            '"Nine"',
        ),
    ],
)
def test_gate_rejects_a_defect_with_its_finding(
    gate: Gate, lookup: Lookup, defect: str, turtle: str, rule: str, value: str | None
) -> None:
    report = check(gate, lookup, turtle)
    assert not report.conforms, defect
    found = violations(report)
    assert rule in found, f"{defect}: expected {rule}, got {sorted(found)}"
    if value is not None:
        assert found[rule].value == value
    assert found[rule].message


@pytest.mark.build
def test_gate_rejects_a_contradiction_with_the_reasoners_explanation(gate: Gate, lookup: Lookup) -> None:
    report = check(gate, lookup, 'agency:x a mig:Practice , mig:Organisation ; rdfs:label "X"@en .')
    assert not report.conforms
    found = violations(report)
    assert list(found) == ["partner-consistency"]
    assert found["partner-consistency"].focus == GRAPH
    assert "Practice" in found["partner-consistency"].message and "Organisation" in found["partner-consistency"].message


def test_gate_reports_blank_nodes_by_the_ids_they_are_stored_under(gate: Gate, lookup: Lookup) -> None:
    upload = parse_upload((HEADER + '[] a mig:Statistic ; rdfs:label "A figure"@en .').encode(), "text/turtle", GRAPH)
    report = gate.check(GRAPH, upload.triples, lookup, REPORT_ID)
    (blank,) = {t.subject for t in upload.triples}
    assert isinstance(blank, ox.BlankNode)
    assert f"_:{blank.value}" in {r.focus for r in report.results() if r.severity == "Violation"}


def test_gate_report_is_served_as_turtle_and_json_ld_and_kept(gate: Gate, lookup: Lookup, tmp_path: Path) -> None:
    report = check(gate, lookup, 'agency:programme\\/4 a mig:Programme ; mig:givesEffectTo "item 25.q" .')
    turtle = report.serialize("text/turtle").decode()
    assert f"<{report.iri}>" in turtle and "sh:conforms false" in turtle
    document = json.loads(report.serialize("application/json"))
    assert report.iri in json.dumps(document)
    archive = ReportArchive(tmp_path)
    archive.save(report)
    again = archive.load(report.id)
    assert again is not None and again.conforms is False and again.graph == GRAPH
    assert again.results() == report.results()
    assert archive.load("../../etc/passwd") is None
