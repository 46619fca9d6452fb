"""The partner write path, as a library the HTTP layer calls (through a writer process: this module imports the
pipeline, via ``gate``): authorise → the graph as it would be → gate → keep the report → commit with provenance.

A write that does not conform changes nothing; its report is kept all the same, at a stable id. A write that
conforms is committed durably (``storage``) with its description in graph/partner-provenance: who (agency and
token id, never the token), when, how many triples, the SHA-256 of what was sent, its media type, and the
report. ``WriteOutcome.commit.generation`` is what query workers must have loaded before the 2xx is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph as ox

from server import prefixes
from server.partners.gate import Gate, Lookup
from server.partners.registry import Partner
from server.partners.report import GateReport, ReportArchive, new_report_id, report_iri
from server.partners.rules import Refusal, authorise
from server.partners.storage import ANY, Commit, PartnerStorage, WriteConflict
from server.partners.upload import Upload
from server.settings import Settings

__all__ = ["Forbidden", "GraphNotFound", "PartnerWriter", "WriteConflict", "WriteOutcome", "description"]


class Forbidden(PermissionError):
    """The partner may not write this graph (HTTP 403); ``refusal`` names the rule."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.rule, refusal.message)
        self.refusal = refusal

    def __str__(self) -> str:
        return str(self.refusal)


class GraphNotFound(LookupError):
    """Deleting a partner graph that does not exist (HTTP 404)."""

    def __init__(self, graph: str) -> None:
        super().__init__(graph)
        self.graph = graph

    def __str__(self) -> str:
        return f"There is no graph <{self.graph}>."


@dataclass(frozen=True)
class WriteOutcome:
    """The gate's report, and the commit when the write conformed (None: rejected, nothing changed)."""

    report: GateReport
    commit: Commit | None
    created: bool  # the graph did not exist before this write

    @property
    def accepted(self) -> bool:
        return self.commit is not None


def _iri(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=_iri(prefixes.XSD + datatype))


def description(
    graph: str, partner: Partner, token_id: str, upload: Upload, triples: int, report: str, when: datetime
) -> list[ox.Triple]:
    """The provenance of a committed partner graph (stored with it, served in graph/partner-provenance)."""
    g, agent, checksum, attribution = _iri(graph), _iri(partner.iri), ox.BlankNode(), ox.BlankNode()
    prov, spdx, dcterms, rdf = prefixes.PROV, prefixes.SPDX, prefixes.DCTERMS, prefixes.RDF
    return [
        ox.Triple(g, _iri(rdf + "type"), _iri(prov + "Entity")),
        ox.Triple(g, _iri(prov + "wasAttributedTo"), agent),
        ox.Triple(g, _iri(prov + "generatedAtTime"), _typed(when.isoformat(timespec="seconds"), "dateTime")),
        ox.Triple(g, _iri(prefixes.VOID + "triples"), _typed(str(triples), "integer")),
        ox.Triple(g, _iri(dcterms + "format"), ox.Literal(upload.media_type)),
        ox.Triple(g, _iri(spdx + "checksum"), checksum),
        ox.Triple(checksum, _iri(rdf + "type"), _iri(spdx + "Checksum")),
        ox.Triple(checksum, _iri(spdx + "algorithm"), _iri(spdx + "checksumAlgorithm_sha256")),
        ox.Triple(checksum, _iri(spdx + "checksumValue"), _typed(upload.sha256, "hexBinary")),
        ox.Triple(g, _iri(prov + "qualifiedAttribution"), attribution),
        ox.Triple(attribution, _iri(rdf + "type"), _iri(prov + "Attribution")),
        ox.Triple(attribution, _iri(prov + "agent"), agent),
        ox.Triple(attribution, _iri(dcterms + "identifier"), ox.Literal(token_id)),
        ox.Triple(g, _iri(prefixes.RDFS + "seeAlso"), _iri(report)),
        ox.Triple(agent, _iri(rdf + "type"), _iri(prov + "Agent")),
        ox.Triple(agent, _iri(prefixes.RDFS + "label"), ox.Literal(partner.name)),
        ox.Triple(agent, _iri(dcterms + "identifier"), ox.Literal(partner.agency)),
    ]


class PartnerWriter:
    """Writes partner graphs; ``lookup`` gives the types of our entities in the release being served."""

    def __init__(self, settings: Settings, lookup: Lookup, gate: Gate | None = None) -> None:
        self.storage = PartnerStorage(settings.partner_graphs_dir)
        self.reports = ReportArchive(settings.partner_reports_dir)
        self.lookup = lookup
        self.gate = gate or Gate.from_settings(settings)

    def write(
        self,
        partner: Partner,
        token_id: str,
        graph: str,
        upload: Upload,
        *,
        merge: bool = False,
        expect: str | None = ANY,
    ) -> WriteOutcome:
        """Replace ``graph`` by the upload (``merge``: add it to what the graph holds), if the result conforms.

        ``expect``: the version the client saw (an If-Match), None for "must not exist"; ANY for no condition.
        Raises Forbidden, WriteConflict.
        """
        refusal = authorise(partner, graph)
        if refusal is not None:
            raise Forbidden(refusal)
        stored = self.storage.graphs().get(graph)
        version = stored.version if stored else None
        if expect != ANY and expect != version:
            raise WriteConflict(graph, expect, version)
        current = [q.triple for q in self.storage.graph_quads(graph)] if merge and stored else []
        triples = list(dict.fromkeys([*current, *upload.triples]))
        now = datetime.now(UTC)
        report = self.gate.check(graph, triples, self.lookup, new_report_id(now))
        self.reports.save(report)
        if not report.conforms:
            return WriteOutcome(report, None, created=stored is None)
        about = description(graph, partner, token_id, upload, len(triples), report_iri(report.id), now)
        commit = self.storage.commit(graph, triples, about, expect=version)
        return WriteOutcome(report, commit, created=stored is None)

    def delete(self, partner: Partner, graph: str, *, expect: str | None = ANY) -> Commit:
        """Remove one of ``partner``'s graphs and its description. Raises Forbidden, GraphNotFound, WriteConflict."""
        refusal = authorise(partner, graph)
        if refusal is not None:
            raise Forbidden(refusal)
        if graph not in self.storage.graphs():
            raise GraphNotFound(graph)
        return self.storage.delete(graph, expect=expect)
