"""Validate the data: SHACL shapes over the asserted union, SPARQL checks over the dataset (DESIGN.md §1, §4).

* ``shapes/*.ttl`` are run by pySHACL over the asserted union (``server.unions.ASSERTED``: not the ontology, the
  alignments nor ``graph/inferred``) with ``inference="none"`` and the ontology as ``ont_graph`` (mixed in, so
  ``sh:class`` follows ``rdfs:subClassOf``; inferring first would hide class errors behind declared ranges).
* ``shapes/checks/*-violation.rq`` and ``*-warning.rq`` are SPARQL SELECT queries run over the whole dataset (a
  pyoxigraph Store with its named graphs, the default graph holding the served union as the endpoint's does,
  ``server.unions.SERVED``). Each row is one finding about ``?focus``, optionally with ``?graph``, ``?value``,
  ``?path`` and ``?message``; without ``?message`` the query's ``# description:`` line is used. Other ``*.rq``
  files there are reports and are not run.

``inputs`` gathers exactly what the build validates from its quads; ``run`` validates them. This is the
only module that imports pyshacl, and it owns the conversion of pyoxigraph graphs to rdflib ones. Functions
are pure apart from reading the given files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyoxigraph
import pyshacl
import rdflib
from rdflib.namespace import RDF, SH

from server import prefixes, unions
from server.pipeline.errors import BuildError
from server.settings import Settings

Severity = Literal["Violation", "Warning", "Info"]
SEVERITY_ORDER: dict[str, int] = {"Violation": 0, "Warning": 1, "Info": 2}
CHECK_SUFFIXES: dict[str, Severity] = {"-violation.rq": "Violation", "-warning.rq": "Warning"}


class ValidationSetupError(ValueError):
    """A shape file or check could not be used; the message names the file."""


@dataclass(frozen=True)
class Finding:
    """One problem found. Terms are written as IRIs (``https://…``), ``_:blank`` or N-Triples literals."""

    severity: Severity
    rule: str  # the shape's IRI, or the check's file name (e.g. "fact-outside-excerpt-violation.rq")
    focus: str
    path: str | None = None
    value: str | None = None
    message: str = ""
    graph: str | None = None


@dataclass(frozen=True)
class Inputs:
    """What the build validates: SHACL runs over ``data`` with ``ontology`` and ``shapes``, the checks in ``checks``
    over ``dataset``."""

    data: rdflib.Graph  # the asserted union
    ontology: rdflib.Graph  # graph/ontology, pySHACL's ont_graph
    shapes: rdflib.Graph  # every shapes/*.ttl
    checks: Path  # shapes/checks
    dataset: pyoxigraph.Store  # every graph, with the served union as default graph


def inputs(settings: Settings, quads: Iterable[pyoxigraph.Quad]) -> Inputs:
    """The validation inputs of a dataset (``quads`` in their named graphs) under ``settings``' shapes folder."""
    quads = list(quads)
    dataset = unions.of(quads, unions.SERVED)
    return Inputs(
        data=_triples_to_rdflib(unions.ASSERTED.triples(quads)),
        ontology=_triples_to_rdflib(
            q.triple for q in quads if q.graph_name == pyoxigraph.NamedNode(prefixes.GRAPH_ONTOLOGY)
        ),
        shapes=load_shapes(settings.shapes_dir),
        checks=settings.shapes_dir / "checks",
        dataset=dataset,
    )


def run(given: Inputs) -> list[Finding]:
    """Every finding: the shapes' over the asserted union, then the checks' over the dataset."""
    return validate_shapes(given.data, given.ontology, given.shapes) + run_checks(given.dataset, given.checks)


def ensure_no_violation(found: list[Finding]) -> None:
    """Raise the build's error, with the readable report, when any finding is a Violation."""
    if any(f.severity == "Violation" for f in found):
        raise BuildError("validate", [format_report(found)])


_XSD_STRING = pyoxigraph.NamedNode(prefixes.XSD + "string")


def _to_rdflib(term: object) -> rdflib.term.Node:
    """One pyoxigraph term as rdflib's, its lexical form kept as written (never through a store, which would
    normalise literals, ``"-5"^^xsd:positiveInteger`` → ``xsd:integer``, before SHACL can see them: DESIGN.md §5).

    >>> _to_rdflib(pyoxigraph.Literal("-5", datatype=pyoxigraph.NamedNode(prefixes.XSD + "positiveInteger")))
    rdflib.term.Literal('-5', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#positiveInteger'))
    """
    if isinstance(term, pyoxigraph.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        datatype = None if term.datatype == _XSD_STRING else rdflib.URIRef(term.datatype.value)
        return rdflib.Literal(term.value, datatype=datatype)
    raise ValueError(f"SHACL validation takes no triple term: {term}")


def _triples_to_rdflib(triples: Iterable[pyoxigraph.Triple]) -> rdflib.Graph:
    """``triples`` as an rdflib graph, term by term: as N-Triples would give them, without its parser, which is
    slow on long lines (a 900 kB literal took 14 s)."""
    graph = rdflib.Graph()
    for t in triples:
        graph.add((_to_rdflib(t.subject), _to_rdflib(t.predicate), _to_rdflib(t.object)))
    return graph


def load_shapes(shapes_dir: Path) -> rdflib.Graph:
    """Every ``*.ttl`` in ``shapes_dir`` (not its sub-folders) in one graph."""
    files = sorted(shapes_dir.glob("*.ttl"))
    if not files:
        raise ValidationSetupError(f"{shapes_dir}: no shape files (*.ttl)")
    shapes = rdflib.Graph()
    for path in files:
        try:
            shapes.parse(path, format="turtle")
        except Exception as e:  # rdflib raises several kinds of syntax error
            raise ValidationSetupError(f"{path}: cannot parse shapes: {e}") from e
    return shapes


def validate_shapes(data: rdflib.Graph, ontology: rdflib.Graph, shapes: rdflib.Graph) -> list[Finding]:
    """SHACL findings for ``data`` (the asserted union), every severity, sorted."""
    return _shacl(data, ontology, shapes)[0]


def shacl_report(
    data: Iterable[pyoxigraph.Triple], ontology: rdflib.Graph, shapes: rdflib.Graph
) -> tuple[list[Finding], list[pyoxigraph.Triple]]:
    """SHACL findings for ``data`` (sorted) and pySHACL's whole report graph, in pyoxigraph terms."""
    findings, report = _shacl(_triples_to_rdflib(data), ontology, shapes)
    ntriples = report.serialize(format="nt", encoding="utf-8")
    return findings, [q.triple for q in pyoxigraph.parse(ntriples, format=pyoxigraph.RdfFormat.N_TRIPLES)]


def _shacl(data: rdflib.Graph, ontology: rdflib.Graph, shapes: rdflib.Graph) -> tuple[list[Finding], rdflib.Graph]:
    _conforms, report, _text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        abort_on_first=False,
        allow_infos=True,
        allow_warnings=True,
    )
    assert isinstance(report, rdflib.Graph)
    # Top-level results only: those of nested shapes (sh:node, sh:or) hang off them as sh:detail.
    results = {r for top in report.subjects(RDF.type, SH.ValidationReport) for r in report.objects(top, SH.result)}
    return sorted((_shacl_finding(report, r) for r in results), key=_key), report


def run_checks(
    store: pyoxigraph.Store, checks_dir: Path, select: Callable[[Path], bool] = lambda _: True
) -> list[Finding]:
    """Findings of every ``*-violation.rq`` (Violation) and ``*-warning.rq`` (Warning) in ``checks_dir`` that
    ``select`` keeps, over ``store``, whose default graph holds the served union (``server.unions.form``)."""
    findings: list[Finding] = []
    for path in filter(select, sorted(checks_dir.glob("*.rq"))):
        severity = next((s for suffix, s in CHECK_SUFFIXES.items() if path.name.endswith(suffix)), None)
        if severity is not None:
            findings += _run_check(store, path, severity)
    return sorted(findings, key=_key)


def format_report(findings: Iterable[Finding], *, max_per_rule: int | None = 50) -> str:
    """A readable report: a summary line, then one block per rule (violations first) with its findings."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in sorted(findings, key=_key):
        groups.setdefault((f.severity, f.rule), []).append(f)
    if not groups:
        return "No findings: the data conforms to every shape and check."
    counts = {s: sum(len(fs) for (sev, _), fs in groups.items() if sev == s) for s in SEVERITY_ORDER}
    summary = ", ".join(f"{n} {s.lower()}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
    lines = [f"{summary} ({len(groups)} rule{'s' if len(groups) != 1 else ''})"]
    for (severity, rule), group in groups.items():
        messages = {f.message for f in group}
        lines += ["", f"{severity} {_short(rule)} ({len(group)})"]
        if len(messages) == 1:
            lines.append(f"  {group[0].message}")
        for f in group[:max_per_rule]:
            parts = [_short(f.focus)]
            parts += [_short(x) for x in (f.path, f.value) if x]
            if f.graph:
                parts.append(f"in {_short(f.graph)}")
            if len(messages) > 1:
                parts.append(f"— {_short(f.message)}")
            lines.append("  - " + "  ".join(parts))
        if max_per_rule is not None and len(group) > max_per_rule:
            lines.append(f"  … and {len(group) - max_per_rule} more")
    return "\n".join(lines)


def _key(f: Finding) -> tuple[int, str, str, str, str]:
    return (SEVERITY_ORDER.get(f.severity, 9), f.rule, f.focus, f.path or "", f.value or "")


def _shacl_finding(report: rdflib.Graph, result: rdflib.term.Node) -> Finding:
    severity: Severity = "Violation"
    if report.value(result, SH.resultSeverity) in (SH.Warning, SH.Info):
        severity = "Warning" if report.value(result, SH.resultSeverity) == SH.Warning else "Info"
    shape = report.value(result, SH.sourceShape)
    constraint = report.value(result, SH.sourceConstraint)
    rule = shape if isinstance(shape, rdflib.URIRef) else constraint
    messages = list(report.objects(result, SH.resultMessage))
    english = [m for m in messages if isinstance(m, rdflib.Literal) and m.language in (None, "en")]
    return Finding(
        severity=severity,
        rule=str(rule) if isinstance(rule, rdflib.URIRef) else "(unnamed shape)",
        focus=_rdflib_term(report.value(result, SH.focusNode)) or "",
        path=_rdflib_path(report, report.value(result, SH.resultPath)),
        value=_rdflib_term(report.value(result, SH.value)),
        message=str((english or messages or [""])[0]),
    )


def _rdflib_term(term: rdflib.term.Node | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, rdflib.Literal):
        return term.n3()
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    return str(term)


def _rdflib_path(report: rdflib.Graph, path: rdflib.term.Node | None) -> str | None:
    inverse = report.value(path, SH.inversePath) if isinstance(path, rdflib.BNode) else None
    return f"^{inverse}" if inverse is not None else _rdflib_term(path)


def _description(query: str) -> str:
    match = re.search(r"^#\s*description:\s*(.+)$", query, re.MULTILINE)
    return match.group(1).strip() if match else ""


def _run_check(store: pyoxigraph.Store, path: Path, severity: Severity) -> list[Finding]:
    query = path.read_text(encoding="utf-8")
    try:
        solutions = store.query(query)
    except SyntaxError as e:
        raise ValidationSetupError(f"{path}: cannot parse the check: {e}") from e
    if not isinstance(solutions, pyoxigraph.QuerySolutions):
        raise ValidationSetupError(f"{path}: a check must be a SELECT query")
    variables = {v.value for v in solutions.variables}
    if "focus" not in variables:
        raise ValidationSetupError(f"{path}: a check must select ?focus")
    description = _description(query)

    def get(row: pyoxigraph.QuerySolution, name: str) -> str | None:
        return _ox_term(row[name]) if name in variables else None

    findings = []
    for row in solutions:
        message = row["message"] if "message" in variables else None
        findings.append(
            Finding(
                severity=severity,
                rule=path.name,
                focus=get(row, "focus") or "",
                path=get(row, "path"),
                value=get(row, "value"),
                message=message.value if isinstance(message, pyoxigraph.Literal) else description,
                graph=get(row, "graph"),
            )
        )
    return findings


def _ox_term(term: object) -> str | None:
    if term is None:
        return None
    if isinstance(term, pyoxigraph.NamedNode):
        return term.value
    return str(term)  # blank nodes as _:id, literals in N-Triples form


def _short(text: str) -> str:
    """IRIs (bare, after ^ for an inverse path, or in <…> inside a literal) written with our prefixes."""
    if text.startswith("^"):
        return "^" + _short(text[1:])
    if "://" in text and not text.startswith(('"', "<", "_:")) and not any(c.isspace() for c in text):
        return _curie(text)
    return re.sub(r"<([^<>\s]+)>", lambda m: _curie(m.group(1)), text)


def _curie(iri: str) -> str:
    """``prefix:local`` where one fits, else ``<iri>``."""
    short = prefixes.compact(iri)
    return f"<{iri}>" if short == iri else short
