"""Search: ``/search`` (HTML form and results, works without JavaScript) and ``/api/search`` (JSON), over the
release's full-text index (``server.search``): labels and acronyms in every language, descriptions and quotes,
accent-insensitive, ranked, with type filters and per-type counts."""

from __future__ import annotations

import functools
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from markupsafe import Markup, escape

from server import prefixes
from server.search import Results, search
from server.web import describe, pages
from server.web.linked_data import best_labels
from server.web.state import Service, ServiceDep

router = APIRouter()

QueryText = Annotated[str, Query(max_length=200, description="words to find (each as a prefix)")]
TypeFilter = Annotated[str | None, Query(description="only entities of this class (IRI)")]
Offset = Annotated[int, Query(ge=0, le=100_000)]
Limit = Annotated[int, Query(ge=1, le=100)]


async def run_search(service: Service, q: str, type_filter: str | None, limit: int, offset: int) -> Results:
    if service.release is None:
        return Results(0, [], {})
    call = functools.partial(search, service.release.search_index, q, type_filter or None, limit, offset)
    return await anyio.to_thread.run_sync(call)


async def class_labels(service: Service, classes: set[str], languages: list[str]) -> dict[str, str]:
    found = await best_labels(service, classes, languages)
    return {c: found[c][0] if c in found and found[c][0] else c.removeprefix(prefixes.MIG) for c in classes}


def highlight(snippet: str) -> Markup:
    """The index marks matches with \\x02…\\x03; escape the text, then mark them."""
    return Markup(str(escape(snippet)).replace("\x02", "<mark>").replace("\x03", "</mark>"))


def as_json(results: Results, languages: list[str], labels: dict[str, str], base: str) -> dict[str, Any]:
    hits = []
    for hit in results.hits:
        label, language = describe.pick_label(list((t, lang) for lang, t in hit.labels.items()), languages)
        hits.append({
            "iri": hit.iri,
            "page": pages.local_path(hit.iri, base),
            "label": label,
            "language": language,
            "types": list(hit.types),
            "snippet": hit.snippet.replace("\x02", "").replace("\x03", ""),
        })  # fmt: skip
    return {
        "total": results.total,
        "results": hits,
        "types": [{"type": t, "label": labels.get(t, t), "count": n} for t, n in sorted(results.type_counts.items())],
    }


@router.get("/api/search", summary="Search labels, acronyms, descriptions and quotes (JSON)")
async def api_search(
    request: Request, service: ServiceDep, q: QueryText, type: TypeFilter = None, limit: Limit = 20, offset: Offset = 0
) -> JSONResponse:
    results = await run_search(service, q, type, limit, offset)
    languages = describe.preferred_languages(request.headers.get("accept-language"))
    labels = await class_labels(service, set(results.type_counts), languages)
    body = as_json(results, languages, labels, service.settings.base_iri)
    return JSONResponse({"query": q, "type": type, "offset": offset, "limit": limit, **body})


@router.get("/search", summary="Search (HTML)")
async def search_page(
    request: Request, service: ServiceDep, q: QueryText = "", type: TypeFilter = None, offset: Offset = 0
) -> HTMLResponse:
    limit = 20
    results = await run_search(service, q, type, limit, offset)
    languages = describe.preferred_languages(request.headers.get("accept-language"))
    labels = await class_labels(service, set(results.type_counts) | ({type} if type else set()), languages)
    body = as_json(results, languages, labels, service.settings.base_iri)
    for hit, raw in zip(body["results"], results.hits, strict=True):
        hit["snippet_html"] = highlight(raw.snippet)
        hit["type_labels"] = [labels.get(t, "") for t in raw.types if t in labels]
    html = (
        pages.environment()
        .get_template("search.html")
        .render(
            q=q,
            type=type,
            offset=offset,
            limit=limit,
            release=service.release_id,
            type_label=labels.get(type or ""),
            **body,
        )
    )
    return HTMLResponse(html)
