"""The query editor: ``/query``, ``/api/queries``, ``/api/prefixes`` and ``/api/vocabulary`` (``views.editor``).

``/query`` is one HTML page, one workspace: a form (``GET /query?query=…``) whose text area the vendored YASQE editor
replaces when JavaScript runs; one results area, where the form's query and a catalogue query (``?name=``) are
answered alike, with downloads and a link to share the query; and the catalogue of ``queries/*.rq``, searched by
``?find=``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from server import prefixes, vocabulary
from server.web import rendering
from server.web.deps import QueriesDep, ServiceDep
from server.web.views import catalogue, editor

router = APIRouter()


@router.get("/api/queries", summary="The query catalogue (queries/*.rq) as JSON")
async def api_queries(service: ServiceDep) -> JSONResponse:
    entries = catalogue.read(service.settings.queries_dir)
    return JSONResponse({"queries": [entry.as_json() for entry in entries]})


@router.get("/api/prefixes", summary="The prefixes every query may use undeclared (prefix → namespace IRI)")
async def api_prefixes(service: ServiceDep) -> JSONResponse:
    return JSONResponse(prefixes.namespaces(service.base_iri))


@router.get("/api/vocabulary", summary="The ontology's terms (mig:) with labels and comments, for the editor")
async def api_vocabulary(queries: QueriesDep) -> JSONResponse:
    return JSONResponse({"terms": vocabulary.as_json(await queries.terms())})


@router.get("/query", summary="Query editor (HTML): the editor, one results area, the searchable catalogue")
async def query_page(request: Request, service: ServiceDep, queries: QueriesDep, find: str = "") -> HTMLResponse:
    entries = catalogue.listed(catalogue.read(service.settings.queries_dir), await queries.terms())
    words = catalogue.words(find)
    context, status = await editor.answer_form(queries, request.scope["query_string"])
    return rendering.page(
        "query.html", service, status_code=status, catalogue=entries, row_limit=editor.ROW_LIMIT, status=status,
        predeclared=prefixes.namespaces(service.base_iri), find=find, words=words,
        matching=sum(item.matches(words) for item in entries),
        downloads=editor.downloads(context["query"]), share=editor.share_link(context["query"]), **context,
    )  # fmt: skip
