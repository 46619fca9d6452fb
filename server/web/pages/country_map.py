"""The world map: ``/map`` (a table of counts per country and role, drawn as a shaded map with d3 when
JavaScript runs) and ``/api/map`` (JSON) (``views.country_map``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse

from server.web import rendering
from server.web.deps import LanguagesDep, QueriesDep, ServiceDep
from server.web.views import country_map

router = APIRouter()

RoleParam = Annotated[str, Query(pattern="^(all|implementer|host|member)$", description="a role, or all")]


@router.get("/api/map", summary="Countries by how often they appear as implementers, hosts and members (JSON)")
async def api_map(queries: QueriesDep, languages: LanguagesDep) -> JSONResponse:
    return JSONResponse(await country_map.map_data(queries, languages))


@router.get("/map", summary="A world map of countries by role (HTML; a table without JavaScript)")
async def map_page(service: ServiceDep, queries: QueriesDep, languages: LanguagesDep, role: RoleParam = "all"
                   ) -> HTMLResponse:  # fmt: skip
    return rendering.page("map.html", service, role=role, **await country_map.map_data(queries, languages))
