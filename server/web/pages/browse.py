"""Browse with facets: ``/browse`` (HTML, links and GET forms only) and ``/api/browse`` (JSON)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from server.web import rendering
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


@router.get("/browse", summary="Browse entities by type, topic, country, organisation, source and year (HTML)")
async def browse_page(request: Request, service: ServiceDep, queries: QueriesDep, languages: LanguagesDep
                      ) -> HTMLResponse:  # fmt: skip
    try:
        result = await browse.from_params(queries, request.query_params.multi_items(), languages)
    except facets.BadParameter as error:
        return rendering.bad_request(f"{error}.", service)
    return rendering.page(
        "browse.html", service, headers=rendering.VARY_LANGUAGE, result=result, selection=result.selection,
        **browse.navigation(result, service.base_iri),
    )  # fmt: skip
