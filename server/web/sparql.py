"""``/sparql``: the SPARQL 1.1 Protocol query operation (read-only) and the Service Description.

Handlers parse the request (``sparql_request``), hand the query to the store in a worker thread (the
store blocks: on a worker process, or on pyoxigraph itself) and return its bytes as they are. A GET without a
query is the Service Description, except for a browser (``Accept`` ranking HTML first), which is sent to the
query editor at ``/query``.
"""

from __future__ import annotations

import functools

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from server import media
from server.federation import federate
from server.store.base import NotAcceptable
from server.web import service_description, sparql_request
from server.web.sparql_request import BadRequest, QueryRequest
from server.web.state import Service, ServiceDep

router = APIRouter()

_ENCODING_SLACK = 3  # a percent-encoded form body is at most three bytes per byte of query
EDITOR = "/query"


@router.get(
    "/sparql",
    summary="SPARQL query (GET), or the Service Description when there is no query (a browser: 303 to /query)",
)
async def query_get(request: Request, service: ServiceDep) -> Response:
    params = sparql_request.parse_params(request.scope["query_string"])
    if sparql_request.wants_description(params):
        override = sparql_request.describe_accept(params)
        if override is None and prefers_html(accept_header(request)):
            return RedirectResponse(EDITOR, 303, headers={"Vary": "Accept"})
        return describe(request, service, override)
    query = sparql_request.from_params(params, service.settings.max_query_bytes)
    return await answer(query, request, service)


@router.post("/sparql", summary="SPARQL query (form or application/sparql-query POST)")
async def query_post(request: Request, service: ServiceDep) -> Response:
    limit = service.settings.max_query_bytes
    body = await read_body(request, _ENCODING_SLACK * limit + 65_536)
    url_params = sparql_request.parse_params(request.scope["query_string"])
    query = sparql_request.from_post(request.headers.get("content-type"), body, url_params, limit)
    return await answer(query, request, service)


async def answer(query: QueryRequest, request: Request, service: Service) -> Response:
    """Answer SERVICE calls (``server.federation``), evaluate on the store off the event loop, and send the
    serialized result as it is."""
    store = service.require_store()
    call = functools.partial(
        store.query,
        await federate.resolve(query.query, service.settings),
        accept=query.accept or accept_header(request),
        base_iri=service.settings.base_iri,
        dataset=query.dataset,
    )
    outcome = await anyio.to_thread.run_sync(call, limiter=service.query_limiter())
    headers = {"Content-Type": media.content_type(outcome.media_type), "Vary": "Accept"}
    return Response(outcome.body, headers=headers)


def describe(request: Request, service: Service, accept: str | None) -> Response:
    offered = media.offered(media.DESCRIPTION_FORMATS)
    chosen = media.negotiate(accept or accept_header(request), offered)
    if chosen is None:
        raise NotAcceptable(offered)
    triples = service_description.description(
        endpoint_iri(request, service), service.graph_sizes(), service.settings.service_allowlist
    )
    body = service_description.serialize(triples, media.format_for(chosen, media.DESCRIPTION_FORMATS))
    return Response(body, headers={"Content-Type": media.content_type(chosen), "Vary": "Accept"})


def prefers_html(accept: str | None) -> bool:
    """Whether a request for the Service Description comes from a person: ``Accept`` ranks HTML above every
    description format. HTML is offered last, so ``*/*``, ``text/*`` and no ``Accept`` keep the description
    (Turtle); only a client naming ``text/html`` first (a browser) is sent to the query editor."""
    offered = [*media.offered(media.DESCRIPTION_FORMATS), media.HTML]
    return media.negotiate(accept, offered) == media.HTML


def accept_header(request: Request) -> str | None:
    """Every Accept header of the request as one value (a client may send several)."""
    values = request.headers.getlist("accept")
    return ", ".join(values) if values else None


def endpoint_iri(request: Request, service: Service) -> str:
    """The URL the client used (scheme, host and port from the request), falling back to our base."""
    url = str(request.url.replace(query="", fragment=""))
    return url if service_description.is_iri(url) else service.settings.base_iri + "sparql"


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) one longer than ``limit`` bytes before reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BadRequest(f"The request body is larger than {limit} bytes.", 413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest(f"The request body is larger than {limit} bytes.", 413)
        chunks.append(chunk)
    return b"".join(chunks)
