"""Partner writes as HTTP sees them, shared by the Graph Store and the SPARQL Update routes: the writer process
called off the event loop, the gate's reports as responses, and the SPARQL Update flow.

A write the gate rejects is ``422 Unprocessable Content`` with the full SHACL report (Turtle, or JSON-LD for a
client asking for JSON) and ``Location`` / ``Link: rel="describedby"`` to the report kept at
``/graph-store/reports/<id>``, which anyone may GET.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeVar
from urllib.parse import quote

import anyio.to_thread
from fastapi.responses import Response
from starlette.requests import Request

from server import media, metrics
from server.partners import messages
from server.partners.report import GateReport, ReportArchive
from server.partners.update import with_dataset
from server.store import sparql_text
from server.store.base import NotAcceptable, UpdateForbidden
from server.web.auth import Caller
from server.web.deps import Service
from server.web.errors import BadRequest
from server.web.middleware import GRAPH_STORE
from server.web.sparql_request import UpdateOperation

REPORTS: Final = GRAPH_STORE + "/reports/"
T = TypeVar("T")


async def in_writer(call: Callable[[], T]) -> T:
    """``call`` (which waits on the writer process) in a worker thread, never on the event loop."""
    return await anyio.to_thread.run_sync(call)


def report_url(request: Request, report_id: str) -> str:
    return f"{str(request.base_url).rstrip('/')}{REPORTS}{quote(report_id)}"


def report_format(accept: str | None, *, strict: bool) -> str:
    """The media type of a report for ``accept``: Turtle or JSON-LD (``application/json`` is JSON-LD). Attached to
    an error (``strict`` False) it falls back to Turtle; a GET of the report answers 406 instead."""
    offered = media.offered(media.REPORT_FORMATS)
    chosen = media.negotiate(accept, offered)
    if chosen is None and strict:
        raise NotAcceptable(offered)
    return chosen or media.TURTLE.media_type


def report_response(request: Request, report: GateReport, status: int = 200, *, strict: bool = True) -> Response:
    """A gate report in the format the request asks for, linked to where it is kept."""
    chosen = report_format(request.headers.get("accept"), strict=strict)
    url = report_url(request, report.id)
    headers = {"Content-Type": media.content_type(chosen), "Vary": "Accept", "Link": f'<{url}>; rel="describedby"'}
    if status != 200:
        headers["Location"] = url
    return Response(report.serialize(chosen), status, headers=headers)


def stored_report(service: Service, report_id: str) -> GateReport:
    report = ReportArchive(service.settings.partner_reports_dir).load(report_id)
    if report is None:
        raise BadRequest(f"There is no report {report_id!r}.", 404)
    return report


def rejected(request: Request, reports: tuple[GateReport, ...]) -> Response:
    """422 with the first rejected graph's report, and a link to each report of the write."""
    response = report_response(request, reports[0], 422, strict=False)
    response.headers["Link"] = ", ".join(f'<{report_url(request, r.id)}>; rel="describedby"' for r in reports)
    return response


# --- SPARQL Update ---------------------------------------------------------------------------------------------


def update_text(operation: UpdateOperation) -> str:
    """The update as the writer runs it: LOAD (which fetches) and SERVICE (which calls out) refused, the Protocol's
    dataset parameters written in as USING / USING NAMED."""
    words = sparql_text.keywords(operation.update)
    if "LOAD" in words:
        raise UpdateForbidden(
            "LOAD is refused: this server never fetches data for an update. Send the triples themselves "
            "(INSERT DATA, or PUT/POST them to /graph-store?graph=…)."
        )
    if "SERVICE" in words:
        raise BadRequest("SERVICE is not allowed in an update; query the other endpoint, then send what to insert.")
    return with_dataset(operation.update, operation.using, operation.using_named)


async def update(request: Request, service: Service, caller: Caller, operation: UpdateOperation) -> Response:
    """Apply a partner's update: 204 once committed (or when it changed nothing), 422 with the report of a graph
    it would have made non-conforming, 403 naming the rule of a graph it may not change (nothing changed)."""
    text = update_text(operation)
    writer = service.require_writer()
    order = messages.UpdateRequest(caller.partner, caller.token_id, text, service.base_iri)
    outcome = await in_writer(lambda: writer.update(order))
    metrics.partner_write(caller.partner.agency, "update", not outcome.rejected)
    if outcome.rejected:
        return rejected(request, outcome.rejected)
    return Response(status_code=204)
