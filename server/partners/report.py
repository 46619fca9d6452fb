"""The gate's report on a partner write: a SHACL validation report graph, kept under a stable id.

The report is one RDF graph (``sh:ValidationReport``) whose node is the report's own IRI,
``https://w3id.org/migkg/partner-report/<id>``; it holds pySHACL's results and, in the same form
(``sh:ValidationResult`` with ``sh:sourceShape``), those of the graph-wide checks and of the consistency check.
It is stored as N-Triples, one file per write attempt (accepted or not), and served as Turtle or JSON-LD
(``server.media.REPORT_FORMATS``). Nothing here imports the pipeline: the HTTP layer can read and serve reports.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Final

import pyoxigraph as ox

from server import media, prefixes
from server.partners import files

REPORT_ID: Final = re.compile(r"[0-9]{8}T[0-9]{6}Z-[0-9a-f]{12}")
REPORT_PREFIXES: Final = {name: prefixes.PREFIXES[name] for name in ("sh", "mig", "rdf", "rdfs", "xsd", "dcterms")}

_RESULTS: Final = (
    prefixes.sparql_header(("sh", "dcterms"))
    + """
SELECT ?report ?conforms ?graph ?severity ?rule ?focus ?path ?value ?message WHERE {
    ?report a sh:ValidationReport ; sh:conforms ?conforms .
    OPTIONAL { ?report dcterms:subject ?graph }
    OPTIONAL {
        ?report sh:result ?result .
        ?result sh:resultSeverity ?severity ; sh:focusNode ?focus .
        OPTIONAL { ?result sh:sourceShape ?rule }
        OPTIONAL { ?result sh:resultPath ?path }
        OPTIONAL { ?result sh:value ?value }
        OPTIONAL { ?result sh:resultMessage ?message FILTER (LANGMATCHES(LANG(?message), "en") || LANG(?message) = "") }
    }
}
"""
)


def new_report_id(now: datetime) -> str:
    """A time-ordered, unguessable id: ``20261206T120000Z-<12 random hex digits>``."""
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(6)}"


def report_iri(report_id: str) -> str:
    return prefixes.PARTNER_REPORT + report_id


@dataclass(frozen=True)
class Result:
    """One result of a report, terms written as IRIs, ``_:id`` or N-Triples literals."""

    severity: str  # Violation, Warning or Info
    rule: str  # the shape, check or rule that found it
    focus: str
    path: str | None
    value: str | None
    message: str


@dataclass(frozen=True)
class GateReport:
    """A SHACL report on one write attempt: whether it conforms, the graph it was about, and the report itself."""

    id: str
    conforms: bool
    graph: str
    ntriples: bytes
    timings: dict[str, float] = field(default_factory=dict, compare=False)  # seconds per step, when just made

    @property
    def iri(self) -> str:
        return report_iri(self.id)

    @classmethod
    def from_ntriples(cls, report_id: str, ntriples: bytes) -> GateReport:
        rows = _rows(ntriples)
        first = next((r for r in rows if r["report"] == ox.NamedNode(report_iri(report_id))), None)
        if first is None:
            raise ValueError(f"no sh:ValidationReport <{report_iri(report_id)}> in the report")
        graph = first["graph"]
        return cls(report_id, first["conforms"].value == "true", graph.value if graph else "", ntriples)

    def results(self) -> list[Result]:
        """Every result, violations first."""
        order = {"Violation": 0, "Warning": 1, "Info": 2}
        found = {
            Result(
                severity=row["severity"].value.removeprefix(prefixes.SH),
                rule=_text(row["rule"]) or "",
                focus=_text(row["focus"]) or "",
                path=_text(row["path"]),
                value=_text(row["value"]),
                message=row["message"].value if row["message"] else "",
            )
            for row in _rows(self.ntriples)
            if row["severity"] is not None
        }
        return sorted(found, key=lambda r: (order.get(r.severity, 9), r.rule, r.focus, r.path or "", r.value or ""))

    def serialize(self, media_type: str) -> bytes:
        """The report in one of ``media.REPORT_FORMATS`` (Turtle, JSON-LD; ``application/json`` is JSON-LD)."""
        fmt = media.format_for(media_type, media.REPORT_FORMATS)
        assert fmt.rdf_format is not None
        triples = [q.triple for q in ox.parse(self.ntriples, format=ox.RdfFormat.N_TRIPLES)]
        body = ox.serialize(triples, format=fmt.rdf_format, prefixes=REPORT_PREFIXES)
        assert body is not None
        return body


def _rows(ntriples: bytes) -> list[ox.QuerySolution]:
    store = ox.Store()
    store.extend(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))  # ``load`` would rename blank nodes
    solutions = store.query(_RESULTS)
    assert isinstance(solutions, ox.QuerySolutions)
    return list(solutions)


def _text(term: object) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


class ReportArchive:
    """Reports under ``root``, one ``<id>.nt`` each, written durably before the write they judge is answered."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, report: GateReport) -> None:
        files.write_atomic(self.root / f"{report.id}.nt", report.ntriples)

    def load(self, report_id: str) -> GateReport | None:
        """The report with this id, or None (also for anything that is not a report id: no path tricks)."""
        if not REPORT_ID.fullmatch(report_id):
            return None
        path = self.root / f"{report_id}.nt"
        return GateReport.from_ntriples(report_id, path.read_bytes()) if path.is_file() else None
