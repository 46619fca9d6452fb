"""The OAS "mapping" view: ``/matrix``, countries × topics (``views.matrix``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from server.web import rendering
from server.web.deps import LanguagesDep, QueriesDep, ServiceDep
from server.web.views import facets, matrix

router = APIRouter()

SourceFilter = Annotated[str, Query(description="only what this source states (IRI or compact IRI)")]


@router.get("/matrix", summary="Countries × topics: practices and commitment items per cell (HTML)")
async def matrix_page(service: ServiceDep, queries: QueriesDep, languages: LanguagesDep, source: SourceFilter = ""
                      ) -> HTMLResponse:  # fmt: skip
    chosen = None
    if source:
        try:
            chosen = facets.expand(source, service.base_iri)
        except facets.BadParameter as error:
            return rendering.bad_request(f"{error}.", service)
    context = await matrix.context(queries, chosen, languages)
    return rendering.page("matrix.html", service, headers=rendering.VARY_LANGUAGE, **context)
