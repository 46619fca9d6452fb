"""Search: ``/search`` (HTML form and results, works without JavaScript) and ``/api/search`` (JSON), over the
release's full-text index (``server.search``): labels and acronyms in every language, descriptions and quotes,
accent-insensitive, ranked, with type filters and per-type counts (``views.search``). ``/search`` is also JSON and
CSV, by ``Accept`` or suffix (``/search.json``: ``web.representations``); ``/api/search`` is its JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import AfterValidator

from server import media
from server.web import rendering, representations
from server.web.deps import LanguagesDep, QueriesDep, ServiceDep
from server.web.views import discrepancies, search

router = APIRouter()

QueryText = Annotated[str, Query(max_length=200, description="words to find (each as a prefix)")]
# An absolute IRI: a scheme, then none of the characters RFC 3987 excludes (the pattern documents it; the validator
# asks the store's own IRI parser).
TypeFilter = Annotated[
    str | None,
    Query(
        max_length=2000,
        pattern=r'^[A-Za-z][A-Za-z0-9+.-]*:[^<>"{}|^`\\\s]*$',
        description="only entities of this class (an absolute IRI)",
    ),
    AfterValidator(search.class_iri),
]
Offset = Annotated[int, Query(ge=0, le=100_000)]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.get("/api/search", summary="Search labels, acronyms, descriptions and quotes (JSON; as /search.json)")
async def api_search(
    request: Request,
    service: ServiceDep,
    queries: QueriesDep,
    languages: LanguagesDep,
    q: QueryText,
    type: TypeFilter = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Response:
    return await search_page(request, service, queries, languages, media.JSON, q, type, offset, limit)


@representations.negotiated(router, "/search", "Search labels, acronyms, descriptions and quotes")
async def search_page(
    request: Request,
    service: ServiceDep,
    queries: QueriesDep,
    languages: LanguagesDep,
    chosen: representations.PageTypeDep,
    q: QueryText = "",
    type: TypeFilter = None,
    offset: Offset = 0,
    limit: Limit = search.PAGE_SIZE,
) -> Response:
    results = await search.run_search(service, q, type, limit, offset)
    labels = await search.class_labels(queries, set(results.type_counts) | ({type} if type else set()), languages)
    body = search.as_json(results, languages, labels, service.base_iri)
    if chosen == media.JSON:
        return representations.json_response(
            {"query": q, "type": type, "offset": offset, "limit": limit, **body}, request
        )
    if chosen == media.CSV:
        return representations.csv_response(search.COLUMNS, search.table(body), request)
    disputed = await discrepancies.about(queries, [hit["iri"] for hit in body["results"]], languages)
    return rendering.page(
        "search.html", service, headers=representations.headers(request), q=q, type=type, offset=offset, limit=limit,
        type_label=labels.get(type or ""), disputed=disputed, **search.with_html(body, results, labels),
    )  # fmt: skip
