"""The network: ``/network?focus=<IRI>`` (the edges as lists grouped by relation, drawn with cytoscape when
JavaScript runs) and ``/api/network`` (JSON): the organisations around an entity (``views.network``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response

from server.web import focus, rendering
from server.web.deps import LanguagesDep, QueriesDep, ServiceDep
from server.web.views import network

router = APIRouter()

Depth = Annotated[int, Query(ge=1, le=2, description="1: the entity's neighbours; 2: also theirs")]


@router.get("/api/network", summary="The organisations around an entity (JSON)")
async def api_network(queries: QueriesDep, languages: LanguagesDep, focus_iri: focus.FocusParam = None,
                      depth: Depth = 1) -> Response:  # fmt: skip
    try:
        chosen = await focus.resolve(queries, focus_iri or "", languages)
    except focus.FocusError as error:
        return focus.error_json(error)
    body = await network.network_data(queries, chosen.iri, depth, languages)
    about = {"iri": chosen.iri, "page": chosen.page, "label": chosen.label}
    return JSONResponse({"focus": about, "depth": depth, **body})


@router.get("/network", summary="The organisations around an entity (HTML; lists without JavaScript)")
async def network_page(service: ServiceDep, queries: QueriesDep, languages: LanguagesDep,
                       focus_iri: focus.FocusParam = None, depth: Depth = 1) -> HTMLResponse:  # fmt: skip
    if not focus_iri:
        return rendering.page("network.html", service, focus=None, choices=await network.choices(queries, languages))
    try:
        chosen = await focus.resolve(queries, focus_iri, languages)
    except focus.FocusError as error:
        return focus.error_page(error, service, "Network", "/network")
    body = await network.network_data(queries, chosen.iri, depth, languages)
    groups = network.grouped(body)
    return rendering.page("network.html", service, focus=chosen, depth=depth, network=body, groups=groups)
