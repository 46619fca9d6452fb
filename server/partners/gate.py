"""The gate every partner write passes before it becomes visible: SHACL, graph-wide checks, consistency.

What is checked is the partner's graph *as it would be after the write*, together with our ontology and the
``rdf:type``s of the things described elsewhere that it refers to (our entities in the served release, and the
things of the partner's other graphs, when the caller's ``lookup`` covers them: ``writer.ServedLookup`` does):

1. SHACL: every shape of ``shapes/*.ttl``, validated by pySHACL as the build does (``inference="none"``, the
   ontology as ``ont_graph``). Those types are in the data graph for ``sh:class``; the results about the
   things described elsewhere (whose other facts are not there) are dropped. (pySHACL's ``focus_nodes`` option
   cannot do this: it also filters the value nodes that ``sh:or``/``sh:node`` check, so a wrong value would
   pass.) A missing ``rdfs:label`` is a Warning for partner data, not a Violation: each ``sh:minCount`` on
   ``rdfs:label`` moves into a shape of its own, ``<shape>-present``, of severity Warning. Blank nodes are
   skolemised for pySHACL and given back in the report with the ids they are stored under.
2. Checks: the ``shapes/checks/*.rq`` with a ``# partner: yes`` line, and every ``shapes/checks/partner/*.rq``
   (partner-only rules: no facts about our things, a class of ours on each thing, our IRIs must exist, no
   ontology axioms), over a dataset of the partner graph, ``graph/ontology`` and the referenced types.
3. Consistency, only when 1 and 2 found no Violation: the reasoner (``server.pipeline.reason``, Pellet by
   default) over the ontology, the partner statements in our vocabulary (``mig:`` properties and classes;
   other vocabularies carry no axioms here to contradict) and the referenced types.

This module and ``writer`` are the only ones of ``server.partners`` that import ``server.pipeline`` (and so
pySHACL and owlready2); the web process reaches them through a writer process, never by importing them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection as RdfList
from rdflib.namespace import RDF, RDFS, SH

from server import prefixes, unions
from server.partners import storage
from server.partners.report import GateReport, report_iri
from server.pipeline import reason, validate
from server.settings import Settings

# IRI of ours → its rdf:types in the served release; IRIs missing from the answer do not exist there.
Lookup = Callable[[Collection[str]], Mapping[str, Collection[str]]]

PARTNER_LINE: Final = re.compile(r"^# partner: yes\s*$", re.MULTILINE)
PARTNER_CHECKS: Final = "partner"
SKOLEM: Final = prefixes.BASE + ".well-known/genid/"
CHECK_RULE: Final = prefixes.SHAPES + "check-"
CONSISTENCY_RULE: Final = prefixes.SHAPES + "partner-consistency"
_RELEASE_TYPES: Final = ox.NamedNode("urn:x-migkg:gate:release-types")
_RDF_TYPE: Final = ox.NamedNode(prefixes.RDF + "type")


@dataclass(frozen=True)
class Gate:
    """Shapes, checks and ontology loaded once; ``check`` is called per write."""

    ontology: tuple[ox.Triple, ...]
    shapes: rdflib.Graph
    checks: tuple[Path, ...]
    ontology_graph: rdflib.Graph  # the same, for pySHACL
    workdir: Path
    reasoner: str = "pellet"
    java_memory_mb: int = 2000

    @classmethod
    def from_settings(cls, settings: Settings) -> Gate:
        checks_dir = settings.shapes_dir / "checks"
        checks = [p for p in sorted(checks_dir.glob("*.rq")) if PARTNER_LINE.search(p.read_text(encoding="utf-8"))]
        checks += sorted((checks_dir / PARTNER_CHECKS).glob("*.rq"))
        ontology_file = settings.ontology_dir / "migkg.ttl"
        ontology = tuple(q.triple for q in ox.parse(path=ontology_file, format=ox.RdfFormat.TURTLE))
        return cls(
            ontology=ontology,
            shapes=partner_shapes(validate.load_shapes(settings.shapes_dir)),
            checks=tuple(checks),
            ontology_graph=rdflib.Graph().parse(ontology_file, format="turtle"),
            workdir=settings.state_dir / "tmp",
            reasoner=settings.reasoner,
            java_memory_mb=settings.java_memory_mb,
        )

    def check(self, graph: str, triples: Sequence[ox.Triple], lookup: Lookup, report_id: str) -> GateReport:
        """The report on ``graph`` holding exactly ``triples``; it conforms when there is no Violation."""
        timings: dict[str, float] = {}
        started = time.perf_counter()
        context = _context(triples, lookup)
        shacl_findings, shacl_report = self._shacl(triples, context)
        timings["shacl"] = time.perf_counter() - started
        started = time.perf_counter()
        other = self._checks(graph, triples, context)
        timings["checks"] = time.perf_counter() - started
        if not any(f.severity == "Violation" for f in [*shacl_findings, *other]):
            started = time.perf_counter()
            other += self._consistency(graph, triples, context)
            timings[f"consistency ({self.reasoner})"] = time.perf_counter() - started
        return _report(report_id, graph, shacl_report, shacl_findings, other, timings)

    def _shacl(
        self, triples: Sequence[ox.Triple], context: Sequence[ox.Triple]
    ) -> tuple[list[validate.Finding], list[ox.Triple]]:
        """pySHACL over the partner's triples and our entities' types; results about our entities (whose own
        facts are not here) are dropped. Blank nodes are skolemised so the report names them as stored."""
        if not triples:
            return [], []
        data = [*(_skolemise(t) for t in triples), *context]
        findings, report = validate.shacl_report(data, self.ontology_graph, self.shapes)
        elsewhere = {t.subject.value for t in context if isinstance(t.subject, ox.NamedNode)}
        kept = [_unskolemise_finding(f) for f in findings if not _described_elsewhere(f.focus, elsewhere)]
        return kept, _without_results_on_ours([_unskolemise(t) for t in report], elsewhere)

    def _checks(self, graph: str, triples: Sequence[ox.Triple], context: Sequence[ox.Triple]) -> list[validate.Finding]:
        """The partner checks over the partner graph, graph/ontology and our entities' types."""
        quads = [
            ox.Quad(t.subject, t.predicate, t.object, graph_name)
            for graph_name, content in (
                (ox.NamedNode(graph), triples),
                (ox.NamedNode(prefixes.GRAPH_ONTOLOGY), self.ontology),
                (_RELEASE_TYPES, context),
            )
            for t in content
        ]
        store = unions.of(quads, unions.SERVED)  # the checks read the union in the default graph
        findings: list[validate.Finding] = []
        for folder in sorted({p.parent for p in self.checks}):
            findings += validate.run_checks(store, folder, select=set(self.checks).__contains__)
        return findings

    def _consistency(
        self, graph: str, triples: Sequence[ox.Triple], context: Sequence[ox.Triple]
    ) -> list[validate.Finding]:
        ours = [_skolemise(t) for t in triples if _in_our_vocabulary(t)]  # owlready2 reads blank nodes as axioms
        if not ours:
            return []  # the ontology and our entities' types alone are consistent (tests/unit/test_ontology.py)
        nt = (ox.serialize([*self.ontology, *ours, *context], format=ox.RdfFormat.N_TRIPLES) or b"").decode()
        try:
            reason.reason(nt, self.workdir, self.reasoner, self.java_memory_mb)
        except reason.Inconsistent as e:
            message = "The graph contradicts the ontology. " + " ".join(e.problems)
            return [validate.Finding("Violation", CONSISTENCY_RULE, graph, message=message)]
        return []


def _names_by_label(shapes: rdflib.Graph, path: rdflib.term.Node) -> bool:
    """Whether a property shape's path is ``rdfs:label``, or alternatives of which it is one (a label or a coined
    ``mig:displayName``)."""
    if path == RDFS.label:
        return True
    alternatives = shapes.value(path, SH.alternativePath)
    return alternatives is not None and RDFS.label in RdfList(shapes, alternatives)


def partner_shapes(shapes: rdflib.Graph) -> rdflib.Graph:
    """The shapes for partner data: each ``sh:minCount`` on ``rdfs:label`` (alone or as one of alternative paths)
    becomes a Warning of its own."""
    adapted = rdflib.Graph()
    for triple in shapes:
        adapted.add(triple)
    for shape, path in set(adapted.subject_objects(SH.path)):
        minimum = adapted.value(shape, SH.minCount)
        if minimum is None or not isinstance(shape, rdflib.URIRef) or not _names_by_label(adapted, path):
            continue
        adapted.remove((shape, SH.minCount, minimum))
        present = rdflib.URIRef(f"{shape}-present")
        adapted.add((present, RDF.type, SH.PropertyShape))
        adapted.add((present, SH.path, path))
        adapted.add((present, SH.minCount, minimum))
        adapted.add((present, SH.severity, SH.Warning))
        adapted.add((present, SH.name, rdflib.Literal("name (recommended for partner data)", lang="en")))
        adapted.add(
            (
                present,
                SH.message,
                rdflib.Literal(
                    'This thing has no name (rdfs:label with a language tag, e.g. "Programa Retorno"@es): pages '
                    "and search will show its IRI. Add one.",
                    lang="en",
                ),
            )
        )
        for node_shape in list(adapted.subjects(SH.property, shape)):
            adapted.add((node_shape, SH.property, present))
    return adapted


def lookup_in(store: ox.Store) -> Lookup:
    """A Lookup over a loaded release (``server.store.embedded.load_snapshot``: union in the default graph)."""

    def lookup(iris: Collection[str]) -> dict[str, set[str]]:
        if not iris:
            return {}
        values = " ".join(f"<{iri}>" for iri in sorted(iris))
        solutions = store.query(f"SELECT ?s ?t WHERE {{ VALUES ?s {{ {values} }} ?s a ?t }}")
        assert isinstance(solutions, ox.QuerySolutions)
        found: dict[str, set[str]] = {}
        for row in solutions:
            found.setdefault(row["s"].value, set()).add(row["t"].value)
        return found

    return lookup


# --- helpers -----------------------------------------------------------------------------------------------------


def _ours(iri: str) -> bool:
    return iri.startswith(prefixes.BASE) and not iri.startswith(SKOLEM)


def _described_elsewhere(iri: str, elsewhere: Collection[str]) -> bool:
    """One of our entities, or a thing of the partner's other graphs: only its types are here, not its facts."""
    return _ours(iri) or iri in elsewhere


def _nodes(triples: Iterable[ox.Triple]) -> Iterator[object]:
    """Subjects and objects, literals aside."""
    for t in triples:
        yield t.subject
        if not isinstance(t.object, ox.Literal):
            yield t.object


def _without_results_on_ours(report: list[ox.Triple], elsewhere: Collection[str] = ()) -> list[ox.Triple]:
    """The report graph without the results whose focus node is one of our entities or a thing described
    ``elsewhere``: everything reachable from the report node through blank nodes, not entering those results."""
    focus, result = ox.NamedNode(prefixes.SH + "focusNode"), ox.NamedNode(prefixes.SH + "result")
    dropped = {
        t.subject
        for t in report
        if t.predicate == focus
        and isinstance(t.object, ox.NamedNode)
        and _described_elsewhere(t.object.value, elsewhere)
    }
    by_subject: dict[object, list[ox.Triple]] = {}
    for t in report:
        by_subject.setdefault(t.subject, []).append(t)
    tops = [
        t.subject
        for t in report
        if t.predicate == _RDF_TYPE and t.object == ox.NamedNode(prefixes.SH + "ValidationReport")
    ]
    kept: list[ox.Triple] = []
    seen: set[object] = set(tops)
    pending: list[object] = list(tops)
    while pending:
        for t in by_subject.get(pending.pop(), []):
            if t.predicate == result and t.object in dropped:
                continue
            kept.append(t)
            if isinstance(t.object, ox.BlankNode) and t.object not in seen:
                seen.add(t.object)
                pending.append(t.object)
    return kept


def _referenced(triples: Sequence[ox.Triple]) -> set[str]:
    """The things whose types the gate needs from elsewhere: our entities, and the values (not rdf:type classes)
    that this graph does not describe itself, such as things of the partner's other graphs."""
    ours = {n.value for n in _nodes(triples) if isinstance(n, ox.NamedNode) and n.value.startswith(prefixes.ID)}
    described = {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
    values = {
        t.object.value
        for t in triples
        if isinstance(t.object, ox.NamedNode)
        and t.predicate != _RDF_TYPE
        and not t.object.value.startswith(prefixes.BASE)
    }
    return ours | (values - described)


def _context(triples: Sequence[ox.Triple], lookup: Lookup) -> list[ox.Triple]:
    """The rdf:types, in what is served (the release, and the partner graphs when the lookup covers them), of the
    things described elsewhere that the triples refer to."""
    referenced = _referenced(triples)
    found = lookup(referenced)
    return [
        ox.Triple(ox.NamedNode(iri), _RDF_TYPE, ox.NamedNode(t))
        for iri in sorted(referenced)
        for t in sorted(found.get(iri, ()))
    ]


def _in_our_vocabulary(t: ox.Triple) -> bool:
    if t.predicate == _RDF_TYPE:
        return isinstance(t.object, ox.NamedNode) and t.object.value.startswith(prefixes.MIG)
    return t.predicate.value.startswith(prefixes.MIG)


def _skolemise(t: ox.Triple) -> ox.Triple:
    """Blank nodes as IRIs under ``SKOLEM`` (RDF 1.1 §3.5): rdflib would rename them (the report could not name
    them as stored) and owlready2 reads blank nodes as class expressions, not individuals."""
    s = ox.NamedNode(SKOLEM + t.subject.value) if isinstance(t.subject, ox.BlankNode) else t.subject
    o = ox.NamedNode(SKOLEM + t.object.value) if isinstance(t.object, ox.BlankNode) else t.object
    return ox.Triple(s, t.predicate, o)


def _unskolemise(t: ox.Triple) -> ox.Triple:
    s, o = t.subject, t.object
    if isinstance(s, ox.NamedNode) and s.value.startswith(SKOLEM):
        s = ox.BlankNode(s.value[len(SKOLEM) :])
    if isinstance(o, ox.NamedNode) and o.value.startswith(SKOLEM):
        o = ox.BlankNode(o.value[len(SKOLEM) :])
    return ox.Triple(s, t.predicate, o)


def _unskolemise_finding(f: validate.Finding) -> validate.Finding:
    def back(text: str | None) -> str | None:
        return f"_:{text[len(SKOLEM) :]}" if text and text.startswith(SKOLEM) else text

    return validate.Finding(f.severity, f.rule, back(f.focus) or "", back(f.path), back(f.value), f.message, f.graph)


def _term(text: str | None) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
    """A Finding's term (IRI, ``_:id`` or an N-Triples literal) as a pyoxigraph term."""
    if text is None:
        return None
    if text.startswith("_:"):
        return ox.BlankNode(text[2:])
    if text.startswith('"'):
        parsed = next(iter(ox.parse(f"<urn:x:s> <urn:x:p> {text} .", format=ox.RdfFormat.N_TRIPLES)))
        return parsed.object  # type: ignore[return-value]
    if text.startswith("^"):
        return None  # an inverse path: pySHACL's own results keep it; a check never reports one
    return ox.NamedNode(text)


def _report(
    report_id: str,
    graph: str,
    shacl: list[ox.Triple],
    shacl_findings: list[validate.Finding],
    other: list[validate.Finding],
    timings: Mapping[str, float],
) -> GateReport:
    """One SHACL report graph: pySHACL's results under the report's IRI, plus a result per check/consistency
    finding, ``sh:conforms`` over all of them, and what was checked when."""
    iri = ox.NamedNode(report_iri(report_id))
    sh, dcterms, xsd = prefixes.SH, prefixes.DCTERMS, prefixes.XSD
    tops = {t.subject for t in shacl if t.predicate == _RDF_TYPE and t.object == ox.NamedNode(sh + "ValidationReport")}
    out = [
        ox.Triple(iri if t.subject in tops else t.subject, t.predicate, t.object)
        for t in shacl
        if not (t.subject in tops and t.predicate == ox.NamedNode(sh + "conforms"))
    ]
    for f in other:
        out += _result(iri, f)
    findings = [*shacl_findings, *other]
    conforms = not any(f.severity == "Violation" for f in findings)
    spent = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timings.items())
    now = datetime.now(UTC).isoformat(timespec="seconds")
    out += [
        ox.Triple(iri, _RDF_TYPE, ox.NamedNode(sh + "ValidationReport")),
        ox.Triple(
            iri,
            ox.NamedNode(sh + "conforms"),
            ox.Literal(str(conforms).lower(), datatype=ox.NamedNode(xsd + "boolean")),
        ),
        ox.Triple(iri, ox.NamedNode(dcterms + "subject"), ox.NamedNode(graph)),
        ox.Triple(iri, ox.NamedNode(dcterms + "created"), ox.Literal(now, datatype=ox.NamedNode(xsd + "dateTime"))),
        ox.Triple(
            iri,
            ox.NamedNode(dcterms + "description"),
            ox.Literal(f"{validate.format_report(findings)}\n\nChecked: {spent}.", language="en"),
        ),
    ]
    return GateReport(report_id, conforms, graph, storage.nquads(out), dict(timings))


def _result(report: ox.NamedNode, f: validate.Finding) -> list[ox.Triple]:
    """A check's or the reasoner's finding as an ``sh:ValidationResult`` of ``report``."""
    node = ox.BlankNode()
    rule = f.rule if f.rule.startswith(prefixes.SHAPES) else CHECK_RULE + f.rule.removesuffix(".rq")
    sh = prefixes.SH
    out = [
        ox.Triple(report, ox.NamedNode(sh + "result"), node),
        ox.Triple(node, _RDF_TYPE, ox.NamedNode(sh + "ValidationResult")),
        ox.Triple(node, ox.NamedNode(sh + "resultSeverity"), ox.NamedNode(sh + f.severity)),
        ox.Triple(node, ox.NamedNode(sh + "sourceShape"), ox.NamedNode(rule)),
        ox.Triple(node, ox.NamedNode(sh + "sourceConstraintComponent"), ox.NamedNode(sh + "SPARQLConstraintComponent")),
        ox.Triple(node, ox.NamedNode(sh + "resultMessage"), ox.Literal(f.message, language="en")),
    ]
    for predicate, text in (("focusNode", f.focus), ("resultPath", f.path), ("value", f.value)):
        term = _term(text)
        if term is not None:
            out.append(ox.Triple(node, ox.NamedNode(sh + predicate), term))
    return out
