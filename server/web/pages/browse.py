"""Browse with facets: ``/browse`` (HTML, links and GET forms only; also JSON and CSV, by ``Accept`` or suffix:
``/browse.json``, ``web.representations``) and ``/api/browse`` (its JSON)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from server import media
from server.web import rendering, representations
from server.web.deps import LanguagesDep, QueriesDep, ServiceDep
from server.web.views import browse, facets

router = APIRouter()


@router.get("/api/browse", summary="Entities filtered by facets, with every facet's value counts (JSON)")
async def api_browse(request: Request, queries: QueriesDep, languages: LanguagesDep) -> JSONResponse:
    try:
        result = await browse.from_params(queries, request.query_params.multi_items(), languages)
    except facets.BadParameter as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    return JSONResponse(browse.as_json(result), headers=rendering.VARY_LANGUAGE)


@representations.negotiated(router, "/browse", "Browse entities by type, topic, country, organisation, source and year")
async def browse_page(request: Request, service: ServiceDep, queries: QueriesDep, languages: LanguagesDep,
                      chosen: representations.PageTypeDep) -> Response:  # fmt: skip
    try:
        result = await browse.from_params(queries, request.query_params.multi_items(), languages)
    except facets.BadParameter as error:
        return representations.bad_request(f"{error}.", chosen, service)
    if chosen == media.JSON:
        return representations.json_response(browse.as_json(result), request)
    if chosen == media.CSV:
        return representations.csv_response(browse.COLUMNS, browse.table(result), request)
    return rendering.page(
        "browse.html", service, headers=representations.headers(request), result=result, selection=result.selection,
        **browse.navigation(result, service.base_iri),
    )  # fmt: skip
