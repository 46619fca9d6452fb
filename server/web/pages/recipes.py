"""Use it from your tools: ``/recipes``, working snippets for curl, SPARQLWrapper, rdflib, pandas, Comunica, R and
a federated ``SERVICE`` call, written for the URL the reader used (``views.recipes``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from server.web import rendering
from server.web.deps import ServiceDep
from server.web.views import recipes

router = APIRouter()


@router.get("/recipes", summary="Use it from your tools: tested client snippets (HTML)")
async def recipes_page(request: Request, service: ServiceDep) -> HTMLResponse:
    base = str(request.base_url).rstrip("/")
    return rendering.page("recipes.html", service, recipes=recipes.read(base), base=base)
