"""Search: ``/search`` (HTML form and results, works without JavaScript) and ``/api/search`` (JSON), over the
release's full-text index (``server.search``): labels and acronyms in every language, descriptions and quotes,
accent-insensitive, ranked, with type filters and per-type counts (``views.search``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse

from server.web import rendering
from server.web.deps import LanguagesDep, QueriesDep, ServiceDep
from server.web.views import search

router = APIRouter()

QueryText = Annotated[str, Query(max_length=200, description="words to find (each as a prefix)")]
TypeFilter = Annotated[str | None, Query(description="only entities of this class (IRI)")]
Offset = Annotated[int, Query(ge=0, le=100_000)]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.get("/api/search", summary="Search labels, acronyms, descriptions and quotes (JSON)")
async def api_search(
    service: ServiceDep,
    queries: QueriesDep,
    languages: LanguagesDep,
    q: QueryText,
    type: TypeFilter = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> JSONResponse:
    results = await search.run_search(service, q, type, limit, offset)
    labels = await search.class_labels(queries, set(results.type_counts), languages)
    body = search.as_json(results, languages, labels, service.base_iri)
    return JSONResponse({"query": q, "type": type, "offset": offset, "limit": limit, **body})


@router.get("/search", summary="Search (HTML)")
async def search_page(
    service: ServiceDep,
    queries: QueriesDep,
    languages: LanguagesDep,
    q: QueryText = "",
    type: TypeFilter = None,
    offset: Offset = 0,
) -> HTMLResponse:
    limit = search.PAGE_SIZE
    results = await search.run_search(service, q, type, limit, offset)
    labels = await search.class_labels(queries, set(results.type_counts) | ({type} if type else set()), languages)
    body = search.with_html(search.as_json(results, languages, labels, service.base_iri), results, labels)
    return rendering.page(
        "search.html", service, q=q, type=type, offset=offset, limit=limit, type_label=labels.get(type or ""), **body
    )
