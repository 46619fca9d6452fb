"""The SHACL shapes and graph-wide checks, against fixtures named after the defect they hold.

* ``fixtures/valid/*.trig`` are complete little datasets (as the build hands them to validation): no Violation.
* ``fixtures/invalid/<defect>.trig`` start with ``# trips: shape:<name>`` or ``# trips: check:<file-stem>`` (one
  or more rules, space-separated); an optional ``# also:`` line names rules the defect trips as a consequence.
  Every rule on the trips line must be reported, and no Violation outside trips/also.

Dropping a fixture, a shape file or a check in makes it live; the tests below find them by glob.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SH

from server import prefixes
from server.pipeline import load, mentions, validate
from server.settings import REPO_ROOT, Settings

SETTINGS = Settings(repo_dir=REPO_ROOT)  # the repository's shapes, checks and ontology, as `migkg build` reads them
ONTOLOGY = load.parse_file(SETTINGS.ontology_dir / "migkg.ttl", prefixes.GRAPH_ONTOLOGY)  # as load.load_all does
INPUTS = validate.inputs(SETTINGS, ONTOLOGY)  # the build's shapes graph, ontology graph and checks folder
FIXTURES = Path(__file__).parent / "fixtures"
VALID = sorted((FIXTURES / "valid").glob("*.trig"))
INVALID = sorted((FIXTURES / "invalid").glob("*.trig"))
SHAPE_FILES = sorted(SETTINGS.shapes_dir.glob("*.ttl"))
CHECK_FILES = sorted(INPUTS.checks.glob("*.rq"))
MIG = rdflib.Namespace(prefixes.MIG)

# Classes of the ontology with no node shape of their own or of a superclass, and why.
SHAPELESS = {
    MIG.Agent: "abstract: every agent is an Organisation or a Person, and their shapes apply",
    MIG.MembershipRole: "a closed set of three individuals in the ontology; shape:membership-role admits only those",
}


def shapes() -> rdflib.Graph:
    return INPUTS.shapes


def ontology() -> rdflib.Graph:
    return INPUTS.ontology


def dataset(path: Path) -> list[pyoxigraph.Quad]:
    """The fixture's graphs plus graph/ontology and the excerpts' mention index (graph/mentions, the names each quote
    prints): a little dataset, as the build hands its own to validation."""
    quads = load.parse_file(path)
    return quads + mentions.quoted(quads) + ONTOLOGY


def findings(path: Path) -> list[validate.Finding]:
    """What the build reports for the fixture: validate.inputs (shapes over the asserted union, the ontology as
    ont_graph; checks over the dataset with its served union), then validate.run."""
    return validate.run(validate.inputs(SETTINGS, dataset(path)))


def rule_id(name: str) -> str:
    """``shape:event-start-date`` → the shape IRI; ``check:<stem>`` → the check's file name."""
    kind, _, local = name.partition(":")
    if kind == "shape":
        return prefixes.SHAPES + local
    if kind == "check":
        return local + ".rq"
    raise ValueError(f"not a rule: {name!r} (use shape:<name> or check:<file-stem>)")


def declared(path: Path) -> tuple[list[str], list[str]]:
    """The rules a fixture says it trips (first line) and trips as a consequence (``# also:``)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    first = re.fullmatch(r"# trips: (.+)", lines[0])
    assert first, f"{path.name}: the first line must be '# trips: shape:<name>' or '# trips: check:<file-stem>'"
    also = next((m.group(1) for line in lines[1:5] if (m := re.fullmatch(r"# also: (.+)", line))), "")
    return first.group(1).split(), also.split()


def rules_in_shapes() -> set[str]:
    return {str(s) for s in shapes().subjects() if isinstance(s, rdflib.URIRef) and s.startswith(prefixes.SHAPES)}


# ------------------------------------------------------------------------------------------------ fixtures


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_has_no_violation(path: Path) -> None:
    found = findings(path)
    assert not [f for f in found if f.severity == "Violation"], validate.format_report(found)


def test_complete_fixture_has_no_finding_at_all() -> None:
    found = findings(FIXTURES / "valid" / "complete.trig")
    assert not found, validate.format_report(found)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_trips_its_rule(path: Path) -> None:
    trips, also = declared(path)
    found = findings(path)
    reported = {f.rule for f in found}
    missing = [r for r in trips if rule_id(r) not in reported]
    assert not missing, f"{path.name} should trip {missing}; the report was:\n{validate.format_report(found)}"
    allowed = {rule_id(r) for r in trips + also}
    unexpected = [f for f in found if f.severity == "Violation" and f.rule not in allowed]
    assert not unexpected, (
        f"{path.name} trips more than it declares (add '# also:' or fix the fixture):\n"
        + validate.format_report(unexpected)
    )


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_still_conforms_after_a_pyoxigraph_store(path: Path) -> None:
    """A Store rewrites xsd:nonNegativeInteger and xsd:positiveInteger as xsd:integer; releases go through one."""
    store = pyoxigraph.Store()
    store.extend(dataset(path))
    found = validate.run(validate.inputs(SETTINGS, list(store)))
    assert not [f for f in found if f.severity == "Violation"], validate.format_report(found)


def test_fixture_headers_name_existing_rules() -> None:
    known = rules_in_shapes() | {p.name for p in CHECK_FILES}
    unknown = {
        path.name: [r for r in trips + also if rule_id(r) not in known]
        for path in INVALID
        for trips, also in [declared(path)]
    }
    assert not {k: v for k, v in unknown.items() if v}


def test_every_shape_file_and_check_has_an_invalid_fixture() -> None:
    tripped = {rule_id(r) for path in INVALID for r in declared(path)[0]}
    for path in SHAPE_FILES:
        named = {str(s) for s in rdflib.Graph().parse(path).subjects(SH.message) if isinstance(s, rdflib.URIRef)}
        if named:
            assert named & tripped, f"no invalid fixture trips a rule of {path.name}"
    for path in CHECK_FILES:
        assert path.name in tripped, f"no invalid fixture trips {path.name}"


# ------------------------------------------------------------------------------------------- conventions


def bindings(path: Path) -> list[tuple[str, str]]:
    text = path.read_text(encoding="utf-8")
    return re.findall(r"^\s*(?:@prefix|PREFIX)\s+([\w-]*):\s*<([^>]*)>", text, re.MULTILINE | re.IGNORECASE)


@pytest.mark.parametrize(
    "path",
    [*SHAPE_FILES, *CHECK_FILES, *VALID, *INVALID],
    ids=lambda p: str(p.relative_to(REPO_ROOT)),
)
def test_prefixes_bound_as_in_the_prefix_table(path: Path) -> None:
    wrong = [(name, iri) for name, iri in bindings(path) if prefixes.PREFIXES.get(name) != iri]
    assert not wrong, f"{path.name} binds prefixes not as in server/prefixes.py: {wrong}"


def test_sparql_prefix_declarations_match_the_prefix_table() -> None:
    declared_prefixes = {
        (str(shapes().value(d, SH.prefix)), str(shapes().value(d, SH.namespace)))
        for d in shapes().objects(None, SH.declare)
    }
    assert declared_prefixes
    assert {(n, iri) for n, iri in declared_prefixes if prefixes.PREFIXES.get(n) != iri} == set()


def test_every_property_shape_is_named_with_a_message() -> None:
    g = shapes()
    problems = []
    for shape in set(g.subjects(SH.path, None)):
        if not isinstance(shape, rdflib.URIRef):
            problems.append(f"blank-node property shape with sh:path {g.value(shape, SH.path)}")
            continue
        for needed in (SH.name, SH.message, SH.severity):
            if g.value(shape, needed) is None:
                problems.append(f"{shape} has no {needed}")
        if not any(m.language == "en" for m in g.objects(shape, SH.message) if isinstance(m, rdflib.Literal)):
            problems.append(f"{shape} has no English sh:message")
    assert not problems, "\n".join(problems)


def test_node_shapes_with_constraints_have_a_message() -> None:
    g = shapes()
    constraints = (SH.sparql, SH.pattern, SH.nodeKind)
    for shape in set(g.subjects(RDF.type, SH.NodeShape)):
        if any(g.value(shape, c) is not None for c in constraints) and g.value(shape, SH.targetClass) is not None:
            assert isinstance(shape, rdflib.URIRef) and g.value(shape, SH.message) is not None, shape
            assert g.value(shape, SH.severity) is not None, shape


def test_shapes_target_declared_classes() -> None:
    classes = set(ontology().subjects(RDF.type, OWL.Class)) | {
        rdflib.URIRef(prefixes.OA + "TextQuoteSelector"),
        rdflib.URIRef(prefixes.OA + "TextPositionSelector"),
    }
    targets = set(shapes().objects(None, SH.targetClass)) | set(shapes().objects(None, SH["class"]))
    assert targets - classes == set()


def test_every_class_has_a_node_shape_or_a_reason() -> None:
    onto = ontology()
    targeted = set(shapes().objects(None, SH.targetClass))
    unshaped = []
    for cls in onto.subjects(RDF.type, OWL.Class):
        if not isinstance(cls, rdflib.URIRef):
            continue
        ancestors = set(onto.transitive_objects(cls, RDFS.subClassOf))
        if not ancestors & targeted and cls not in SHAPELESS:
            unshaped.append(str(cls))
    assert not unshaped, f"classes with no node shape (add one, or list them in SHAPELESS with a reason): {unshaped}"


def test_checks_have_a_title_a_description_and_a_severity_in_their_name() -> None:
    for path in CHECK_FILES:
        text = path.read_text(encoding="utf-8")
        assert re.search(r"^# title: \S", text, re.MULTILINE), f"{path.name}: no '# title:' line"
        assert re.search(r"^# description: \S", text, re.MULTILINE), f"{path.name}: no '# description:' line"
        assert path.name.endswith(("-violation.rq", "-warning.rq")), f"{path.name}: name it *-violation.rq"


def test_checks_list_every_iri_type() -> None:
    """The checks that enumerate our IRI types (VALUES ?namespace) know all of server.prefixes.ID_TYPES."""
    for path in CHECK_FILES:
        block = re.search(r"VALUES \?namespace \{([^}]*)\}", path.read_text(encoding="utf-8"))
        if block:
            assert set(re.findall(r"([\w-]+):", block.group(1))) == set(prefixes.ID_TYPES), path.name


# ------------------------------------------------------------------------------------------------ module


def test_load_shapes_names_the_file_that_fails(tmp_path: Path) -> None:
    (tmp_path / "good.ttl").write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n")
    (tmp_path / "broken.ttl").write_text("this is not turtle\n")
    with pytest.raises(validate.ValidationSetupError, match=r"broken\.ttl"):
        validate.load_shapes(tmp_path)


def test_run_checks_reports_a_broken_query_by_file(tmp_path: Path) -> None:
    (tmp_path / "broken-violation.rq").write_text("# title: x\nSELECT WHERE {")
    with pytest.raises(validate.ValidationSetupError, match=r"broken-violation\.rq"):
        validate.run_checks(pyoxigraph.Store(), tmp_path)


def test_run_checks_reads_severity_from_the_file_name(tmp_path: Path) -> None:
    query = "# description: fix it\nSELECT ?focus WHERE { BIND(<https://w3id.org/migkg/id/event/x> AS ?focus) }"
    (tmp_path / "a-violation.rq").write_text(query)
    (tmp_path / "b-warning.rq").write_text(query)
    (tmp_path / "c-report.rq").write_text(query)
    found = validate.run_checks(pyoxigraph.Store(), tmp_path)
    assert [(f.severity, f.rule, f.message) for f in found] == [
        ("Violation", "a-violation.rq", "fix it"),
        ("Warning", "b-warning.rq", "fix it"),
    ]


def test_format_report_groups_by_rule_with_counts() -> None:
    found = findings(FIXTURES / "invalid" / "two-start-dates.trig")
    report = validate.format_report(found)
    assert report.splitlines()[0].startswith("1 violation")
    assert "Violation unrecorded-disagreement-violation.rq (1)" in report
    assert "event:test-forum-2008  mig:startDate" in report
    assert validate.format_report([]).startswith("No findings")
