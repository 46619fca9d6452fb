"""The document reader: ``/source/<key>`` shows a source's text, its markup rendered, with every quoted passage
highlighted and linked to the facts it states (and back), the passage one came for marked apart; ``/source`` lists
the sources. Works without JavaScript (``views.reader``); with it, a passage's facts open beside it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from server.web import rendering
from server.web.deps import LanguagesDep, QueriesDep, ServiceDep
from server.web.views import reader

router = APIRouter()


@router.get("/source", summary="The source documents")
async def sources(service: ServiceDep, queries: QueriesDep) -> HTMLResponse:
    return rendering.page("sources.html", service, sources=await reader.sources(queries))


@router.get("/source/{key}", summary="A source document with its quoted passages and the facts they state")
async def read(
    key: str, service: ServiceDep, queries: QueriesDep, languages: LanguagesDep, passage: str = ""
) -> HTMLResponse:
    """``?passage=<name>`` (or the fragment ``#excerpt-<name>``, read by the page's script) marks the passage the
    reader came for."""
    shown = await reader.reading(queries, key, languages, passage)
    if shown is None:
        return rendering.not_found(f"source/{key}", service)
    return rendering.page("reader.html", service, **shown)
