"""``/sparql``: the SPARQL 1.1 Protocol query and update operations, and the Service Description.

Handlers parse the request (``sparql_request``) and hand the query to ``deps.Queries.answer``, which has its
SERVICE calls answered by our client and evaluates it on the store off the event loop, cut at the result limits; its
bytes go back as they are, streamed from a file when large. ``/limits`` says what every query may use (``web.limits``);
a result cut at a limit links to it. A GET without a query is the Service Description, except for a browser
(``Accept`` ranking HTML first), which is sent to the query editor at ``/query``. An update (POST only; a GET is
405) is a partner's (``auth.updater``: 403 without a token, as for every anonymous client) and goes to the writer
(``writes.update``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from server import prefixes
from server.web import auth, limits, negotiation, sparql_request, writes
from server.web.deps import QueriesDep, ServiceDep
from server.web.errors import BadRequest
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
    auth.refuse_token_params(params.keys())
    if "update" in params:
        raise BadRequest(sparql_request.UPDATE_BY_GET, 405, {"Allow": "POST"})
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
        predeclared = prefixes.namespaces(service.base_iri)
        rules = limits.sentence(service.settings)
        triples = service_description.description(endpoint, graphs, federation, partners.graphs, predeclared, rules)
        return service_description.response(triples, chosen)
    query = sparql_request.from_params(params, service.settings.max_query_bytes)
    outcome, body = await queries.answer(query, accept)
    return negotiation.spooled_response(outcome, body, await queries.warnings(query.query))


@router.post("/sparql", summary="SPARQL query (form or application/sparql-query), or a partner's update")
async def query_post(request: Request, service: ServiceDep, queries: QueriesDep) -> Response:
    limit = service.settings.max_query_bytes
    body = await sparql_request.read_body(request, _ENCODING_SLACK * limit + 65_536)
    url_params = sparql_request.parse_params(request.scope["query_string"])
    auth.refuse_token_params(url_params.keys())
    operation = sparql_request.from_post(request.headers.get("content-type"), body, url_params, limit)
    if isinstance(operation, sparql_request.UpdateOperation):
        return await writes.update(request, service, auth.updater(request, service), operation)
    outcome, result = await queries.answer(operation, negotiation.accept_header(request))
    return negotiation.spooled_response(outcome, result, await queries.warnings(operation.query))


@router.get("/limits", summary="The limits queries run under, and what a query that reaches one gets")
async def query_limits(service: ServiceDep) -> JSONResponse:
    return JSONResponse({"description": limits.INTRODUCTION, "limits": limits.described(service.settings)})
