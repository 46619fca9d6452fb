"""The timeline: ``/timeline`` (a chronological table, drawn with vis-timeline when JavaScript runs) and
``/api/timeline`` (JSON), of every dated event or of those related to ``?focus=<IRI>`` (``views.timeline``)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse, Response

from server.web import focus, rendering
from server.web.deps import LanguagesDep, QueriesDep, ServiceDep
from server.web.views import timeline

router = APIRouter()


@router.get("/api/timeline", summary="Dated events, at the precision the sources give (JSON)")
async def api_timeline(queries: QueriesDep, languages: LanguagesDep, focus_iri: focus.FocusParam = None) -> Response:
    try:
        chosen = await focus.resolve_if_given(queries, focus_iri, languages)
    except focus.FocusError as error:
        return focus.error_json(error)
    events = await timeline.timeline_data(queries, chosen.iri if chosen else None, languages)
    about = {"iri": chosen.iri, "page": chosen.page, "label": chosen.label} if chosen else None
    return JSONResponse({"focus": about, "events": events})


@router.get("/timeline", summary="A timeline of events (HTML; a table without JavaScript)")
async def timeline_page(service: ServiceDep, queries: QueriesDep, languages: LanguagesDep,
                        focus_iri: focus.FocusParam = None) -> HTMLResponse:  # fmt: skip
    try:
        chosen = await focus.resolve_if_given(queries, focus_iri, languages)
    except focus.FocusError as error:
        return focus.error_page(error, service, "Timeline", "/timeline")
    events = await timeline.timeline_data(queries, chosen.iri if chosen else None, languages)
    return rendering.page("timeline.html", service, focus=chosen, events=events)
