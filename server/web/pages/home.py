"""The home page: what the graph is, and a search box."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from server.web import rendering
from server.web.deps import ServiceDep

router = APIRouter()


@router.get("/", summary="Home: what the graph is, and a search box")
async def home(service: ServiceDep) -> HTMLResponse:
    meta = service.release.metadata if service.release else None
    triples, graphs = (meta.triples, len(meta.graphs)) if meta else (0, 0)
    return rendering.page("home.html", service, triples=triples, graphs=graphs)
