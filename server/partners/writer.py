"""The partner write path, run in the writer process (``serve``; the web process talks to it through
``process.WriterClient``, never importing this module, which imports the pipeline via ``gate``): authorise → the
graph as it would be → gate → keep the report → commit with provenance.

A write that does not conform changes nothing; its report is kept all the same, at a stable id. A write that
conforms is committed durably (``storage``) with its description in graph/partner-provenance: who (agency and
token id, never the token), when, how many triples, the SHA-256 of what was sent, its media type, and the
report. Query workers compare ``PartnerStorage.generation()`` before each query, so once the commit returns,
the next query on any worker sees it.

Several servers (replicas) sharing one state directory each have a writer process; ``handle`` holds the storage's
writer lock (``WRITER_LOCK``, flock) for a whole request (authorise → gate → commit), so across replicas as within
one, partner writes go through one writer at a time, each gated against every commit before it. The commit is
visible to every replica's next query (their workers read the generation before each query).

A SPARQL Update (``update``) runs on a scratch copy of the served dataset (``server.partners.update``); every
graph it changed must be one of the partner's own (else Forbidden, nothing changed), each is gated as it would
be, and all are committed together in one commit.
"""

from __future__ import annotations

import hashlib
import logging
import signal
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from server import media, prefixes, unions
from server.partners import files
from server.partners import update as updates
from server.partners.gate import Gate, Lookup, lookup_in
from server.partners.messages import (
    DeleteRequest,
    Forbidden,
    GraphNotFound,
    Request,
    UpdateOutcome,
    UpdateRefused,
    WriteFailed,
    WriteOutcome,
    WriteRequest,
)
from server.partners.registry import Partner
from server.partners.report import GateReport, ReportArchive, new_report_id, report_iri
from server.partners.rules import authorise
from server.partners.storage import ANY, Change, Commit, PartnerStorage, WriteConflict
from server.partners.upload import Upload
from server.release import Release
from server.settings import Settings
from server.store.embedded import load_snapshot

__all__ = [
    "Forbidden",
    "GraphNotFound",
    "PartnerWriter",
    "ServedLookup",
    "WriteConflict",
    "WriteOutcome",
    "description",
    "serve",
]

WRITER_LOCK = ".lock-writer"  # in the partner graphs' directory: held by the writer handling a request

log = logging.getLogger(__name__)


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


class ServedLookup:
    """A Lookup over what is served: the release (loaded once) and the committed partner graphs (reloaded when
    their generation moves), so a partner may refer to our things and to those of its earlier graphs."""

    def __init__(self, release: ox.Store, storage: PartnerStorage) -> None:
        self._release = lookup_in(release)
        self._storage = storage
        self._generation = -1
        self._partners: Lookup = lookup_in(ox.Store())

    def __call__(self, iris: Collection[str]) -> dict[str, set[str]]:
        generation = self._storage.generation()
        if generation != self._generation:
            self._partners = lookup_in(unions.of(self._storage.quads()))
            self._generation = generation
        found: defaultdict[str, set[str]] = defaultdict(set)
        for lookup in (self._release, self._partners):
            for iri, types in lookup(iris).items():
                found[iri].update(types)
        return dict(found)


class SnapshotQuads:
    """The quads of a snapshot, parsed again at each iteration: what a SPARQL Update's scratch copy starts from when
    the writer holds the release on disk (``Settings.store_on_disk``), so it does not keep them in memory."""

    def __init__(self, snapshot: Path) -> None:
        self.snapshot = snapshot

    def __iter__(self) -> Iterator[ox.Quad]:
        return ox.parse(path=self.snapshot, format=ox.RdfFormat.N_QUADS)


def _by_graph(quads: Sequence[ox.Quad]) -> dict[str, list[ox.Triple]]:
    graphs: defaultdict[str, list[ox.Triple]] = defaultdict(list)
    for q in quads:
        if isinstance(q.graph_name, ox.NamedNode):
            graphs[q.graph_name.value].append(q.triple)
    return dict(graphs)


class PartnerWriter:
    """Writes partner graphs; ``lookup`` gives the types of our entities in the release being served, ``release``
    is its quads (the scratch copy a SPARQL Update runs on starts from them)."""

    def __init__(
        self, settings: Settings, lookup: Lookup, gate: Gate | None = None, release: Iterable[ox.Quad] = ()
    ) -> None:
        self.storage = PartnerStorage(settings.partner_graphs_dir)
        self.writer_lock = settings.partner_graphs_dir / WRITER_LOCK
        self.reports = ReportArchive(settings.partner_reports_dir)
        self.lookup = lookup
        self.gate = gate or Gate.from_settings(settings)
        self.release = release

    @classmethod
    def over_release(cls, settings: Settings, snapshot: Path) -> PartnerWriter:
        """The writer of a server serving the release whose N-Quads snapshot is ``snapshot``: held in memory, or, when
        the settings hold it on disk (``Settings.store_on_disk``), looked up in the release's on-disk store (read-only,
        sharing the query workers' page cache) and parsed again for each SPARQL Update."""
        storage = PartnerStorage(settings.partner_graphs_dir)
        release = Release.open(snapshot.parent)
        if settings.store_on_disk(release.metadata.triples) and release.store.is_dir():
            lookup = ServedLookup(ox.Store.read_only(str(release.store)), storage)
            return cls(settings, lookup, release=SnapshotQuads(snapshot))
        lookup = ServedLookup(load_snapshot(snapshot), storage)
        return cls(settings, lookup, release=list(ox.parse(path=snapshot, format=ox.RdfFormat.N_QUADS)))

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

    def update(self, partner: Partner, token_id: str, update: str, base_iri: str | None = None) -> UpdateOutcome:
        """Apply a SPARQL Update (USING clauses already written in) if it changes only ``partner``'s own graphs and
        every graph it changes conforms: all of them in one commit. Raises Forbidden (naming the rule of the first
        graph it may not change: nothing changed), UpdateRefused (it does not parse or fails), WriteConflict."""
        revoked = authorise(partner, None) if not partner.active else None
        if revoked is not None:
            raise Forbidden(revoked)
        versions = {g: s.version for g, s in self.storage.graphs().items()}
        partner_quads = self.storage.quads()
        try:
            changes = updates.evaluate(update, [*self.release, *partner_quads], base_iri)
        except SyntaxError as error:
            raise UpdateRefused(f"Malformed update: {error}") from None
        except (OSError, RuntimeError) as error:  # e.g. CLEAR GRAPH of a graph that does not exist (not SILENT)
            raise UpdateRefused(f"The update could not be evaluated: {error}") from None
        for graph in sorted(changes, key=lambda g: (g is not None, g or "")):  # the default graph first
            refusal = authorise(partner, graph)
            if refusal is not None:
                raise Forbidden(refusal)
        if not changes:
            return UpdateOutcome((), None)
        written = updates.written_literals(update, base_iri)
        stored = _by_graph(partner_quads)
        now = datetime.now(UTC)
        sent = update.encode("utf-8")
        upload = Upload((), media.SPARQL_UPDATE, hashlib.sha256(sent).hexdigest(), len(sent))
        reports: list[GateReport] = []
        commit: dict[str, Change | None] = {}
        for graph, change in sorted(changes.items()):
            assert graph is not None  # authorised above: a partner graph
            triples = updates.contents_after(stored.get(graph, []), change, written)
            if not triples:
                commit[graph] = None  # emptied: removed, like a DELETE of the graph
                continue
            report = self.gate.check(graph, triples, self.lookup, new_report_id(now))
            self.reports.save(report)
            reports.append(report)
            about = description(graph, partner, token_id, upload, len(triples), report_iri(report.id), now)
            commit[graph] = Change(triples, about)
        if not all(r.conforms for r in reports):
            return UpdateOutcome(tuple(reports), None)
        commits = self.storage.commit_all(commit, expect={g: versions.get(g) for g in commit})
        return UpdateOutcome(tuple(reports), commits[0])

    def handle(self, request: Request) -> WriteOutcome | Commit | UpdateOutcome:
        """One request from the web process, while no other writer (of any replica) handles one."""
        with files.exclusive(self.writer_lock):
            return self._handle(request)

    def _handle(self, request: Request) -> WriteOutcome | Commit | UpdateOutcome:
        if isinstance(request, WriteRequest):
            return self.write(
                request.partner,
                request.token_id,
                request.graph,
                request.upload,
                merge=request.merge,
                expect=request.expect,
            )
        if isinstance(request, DeleteRequest):
            return self.delete(request.partner, request.graph, expect=request.expect)
        return self.update(request.partner, request.token_id, request.update, request.base_iri)


_CLIENT_ERRORS = (Forbidden, GraphNotFound, WriteConflict, UpdateRefused)


def serve(conn: Connection, settings: Settings, snapshot: str) -> None:
    """The writer process (``process.WriterClient`` starts it): load the release and the gate, say ``ready``, then
    answer requests one at a time, in order, until the pipe closes. Each reply is ``(True, outcome)`` or
    ``(False, exception)``; an exception that is not the client's is logged here and answered as WriteFailed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the server, which stops us
    try:
        writer = PartnerWriter.over_release(settings, Path(snapshot))
    except Exception as error:
        conn.send(("failed", f"{type(error).__name__}: {error}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return  # the server is gone
        reply: tuple[bool, object]
        try:
            reply = (True, writer.handle(request))
        except _CLIENT_ERRORS as error:
            reply = (False, error)
        except Exception as error:
            log.exception("partner write failed")
            reply = (False, WriteFailed(f"The write failed ({type(error).__name__}); the server log says why."))
        try:
            conn.send(reply)
        except OSError:
            return  # the server is gone; what was committed stays committed
