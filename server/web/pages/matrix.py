"""The OAS "mapping" view: ``/matrix``, countries × topics (``views.matrix``), also JSON and CSV by ``Accept`` or
suffix (``/matrix.csv``: ``web.representations``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from server import media
from server.web import rendering, representations
from server.web.deps import LanguagesDep, QueriesDep, ServiceDep
from server.web.views import facets, matrix

router = APIRouter()

SourceFilter = Annotated[str, Query(description="only what this source states (IRI or compact IRI)")]


@representations.negotiated(router, "/matrix", "Countries × topics: practices and commitment items per cell")
async def matrix_page(request: Request, service: ServiceDep, queries: QueriesDep, languages: LanguagesDep,
                      chosen_type: representations.PageTypeDep, source: SourceFilter = "") -> Response:  # fmt: skip
    chosen = None
    if source:
        try:
            chosen = facets.expand(source, service.base_iri)
        except facets.BadParameter as error:
            return representations.bad_request(f"{error}.", chosen_type, service)
    context = await matrix.context(queries, chosen, languages)
    if chosen_type == media.JSON:
        return representations.json_response(matrix.as_json(context["matrix"], chosen), request)
    if chosen_type == media.CSV:
        return representations.csv_response(matrix.COLUMNS, matrix.table(context["matrix"]), request)
    return rendering.page("matrix.html", service, headers=representations.headers(request), **context)
