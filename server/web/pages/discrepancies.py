"""Where the sources disagree: ``/discrepancies`` (``views.discrepancies``), also JSON and CSV by ``Accept`` or
suffix; and the quoted passages, whose IRIs (``…/excerpt/<key>``) answer ``303 See Other`` to their page
``/passage/<key>`` (``views.passage``): the quote with the statements it supports."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from server import media
from server.web import negotiation, rendering, representations
from server.web.deps import LanguagesDep, QueriesDep, ServiceDep
from server.web.views import discrepancies, passage

router = APIRouter()


@representations.negotiated(router, "/discrepancies", "Where the sources disagree: each discrepancy with its claims")
async def discrepancies_page(request: Request, service: ServiceDep, queries: QueriesDep, languages: LanguagesDep,
                             chosen_type: representations.PageTypeDep) -> Response:  # fmt: skip
    found = await discrepancies.load(queries, languages)
    if chosen_type == media.JSON:
        return representations.json_response(discrepancies.as_json(found), request)
    if chosen_type == media.CSV:
        return representations.csv_response(discrepancies.COLUMNS, discrepancies.table(found), request)
    return rendering.page("discrepancies.html", service, headers=representations.headers(request), discrepancies=found)


@router.get("/excerpt/{key}", summary="A quoted passage's IRI: 303 See Other to its page")
async def excerpt(key: str) -> Response:
    return Response(status_code=303, headers={"Location": f"/passage/{negotiation.path_url(key)}"})


@router.get("/passage/{key}", summary="A quoted passage: its quote, source and the statements it supports (HTML)")
async def passage_page(key: str, service: ServiceDep, queries: QueriesDep, languages: LanguagesDep) -> HTMLResponse:
    shown = await passage.load(queries, key, languages)
    if shown is None:
        return rendering.not_found(f"excerpt/{key}", service)
    return rendering.page("passage.html", service, view=shown)
