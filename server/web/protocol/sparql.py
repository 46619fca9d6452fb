"""``/sparql``: the SPARQL 1.1 Protocol query operation (read-only) and the Service Description.

Handlers parse the request (``sparql_request``) and hand the query to ``deps.Queries.answer``, which has its
SERVICE calls answered by our client and evaluates it on the store off the event loop; its bytes go back as they
are. A GET without a query is the Service Description, except for a browser (``Accept`` ranking HTML first),
which is sent to the query editor at ``/query``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from server.web import negotiation, sparql_request
from server.web.deps import QueriesDep, ServiceDep
from server.web.protocol import service_description

router = APIRouter()

_ENCODING_SLACK = 3  # a percent-encoded form body is at most three bytes per byte of query
EDITOR = "/query"


@router.get(
    "/sparql",
    summary="SPARQL query (GET), or the Service Description when there is no query (a browser: 303 to /query)",
)
async def query_get(request: Request, service: ServiceDep, queries: QueriesDep) -> Response:
    params = sparql_request.parse_params(request.scope["query_string"])
    accept = negotiation.accept_header(request)
    if sparql_request.wants_description(params):
        override = sparql_request.describe_accept(params)
        if override is None and negotiation.prefers_html(accept):
            return RedirectResponse(EDITOR, 303, headers={"Vary": "Accept"})
        chosen = negotiation.choose_description(override or accept)
        endpoint = service_description.endpoint_iri(str(request.url.replace(query="", fragment="")), service.base_iri)
        federation = service.settings.service_allowlist
        partners = await service.partner_catalogue()
        graphs = service.graph_sizes(partners)
        triples = service_description.description(endpoint, graphs, federation, partners.graphs)
        return service_description.response(triples, chosen)
    query = sparql_request.from_params(params, service.settings.max_query_bytes)
    return negotiation.result_response(await queries.answer(query, accept))


@router.post("/sparql", summary="SPARQL query (form or application/sparql-query POST)")
async def query_post(request: Request, service: ServiceDep, queries: QueriesDep) -> Response:
    limit = service.settings.max_query_bytes
    body = await sparql_request.read_body(request, _ENCODING_SLACK * limit + 65_536)
    url_params = sparql_request.parse_params(request.scope["query_string"])
    query = sparql_request.from_post(request.headers.get("content-type"), body, url_params, limit)
    return negotiation.result_response(await queries.answer(query, negotiation.accept_header(request)))
