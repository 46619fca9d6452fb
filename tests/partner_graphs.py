"""Partner graphs committed straight to ``PartnerStorage`` with the description the writer gives them
(``server.partners.writer.description``), for the tests of how partner data is served: the store, the
protocol's descriptions, search, pages and the browser. Importable from every test folder, as waiting.py is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from server import prefixes
from server.partners.registry import Partner
from server.partners.report import report_iri
from server.partners.storage import Commit, PartnerStorage
from server.partners.upload import parse_upload

ONM = Partner(agency="onm", name="Oficina Nacional de Migración", origins=(), created="2026-01-01T00:00:00+00:00")
PROGRAMMES = ONM.graphs + "programmes"
ITEM = prefixes.ID + "commitment/montevideo-2006/p25q"
PROGRAMME = "https://example.org/onm/programme/1"
STATED_ON = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)
TOPIC = prefixes.ID + "topic/return-and-reinsertion"
LABEL = "Programa de retorno asistido"
GIVES_EFFECT = f"""
<{PROGRAMME}> a <{prefixes.MIG}Practice> ;
    <{prefixes.RDFS}label> "{LABEL}"@es ;
    <{prefixes.MIG}addressesTopic> <{TOPIC}> ;
    <{prefixes.MIG}givesEffectTo> <{ITEM}> .
"""


def publish(
    root: Path, turtle: str, graph: str = PROGRAMMES, partner: Partner = ONM, when: datetime = STATED_ON
) -> Commit:
    """Commit ``turtle`` as ``graph`` of ``partner`` in the partner storage at ``root``, described as the writer
    describes an accepted write (agency, time, size, checksum, report)."""
    from server.partners.writer import description  # imports the gate's pipeline: only when a test publishes

    upload = parse_upload(turtle.encode(), "text/turtle", graph)
    triples = list(dict.fromkeys(upload.triples))
    about = description(graph, partner, "token-id", upload, len(triples), report_iri("report-1"), when)
    return PartnerStorage(root).commit(graph, triples, about)


def withdraw(root: Path, graph: str = PROGRAMMES) -> Commit:
    return PartnerStorage(root).delete(graph)
