"""``/graph-store``: the SPARQL 1.1 Graph Store HTTP Protocol (``server.web.gsp``), and the gate's reports.

GET and HEAD for everyone; PUT, POST and DELETE for a partner writing its own graphs (``auth.partner``: the bearer
token, then the page's origin). ``/graph-store/reports/<id>`` serves the report of any write attempt, negotiated.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from server.web import auth, gsp, writes
from server.web.deps import QueriesDep, ServiceDep

router = APIRouter()


@router.get("/graph-store", summary="A graph (?graph=IRI) or the default graph (?default), negotiated")
@router.head("/graph-store", include_in_schema=False)
async def read_graph(request: Request, service: ServiceDep, queries: QueriesDep) -> Response:
    return await gsp.read(request, service, queries)


@router.put("/graph-store", summary="Replace one of your graphs (partners; Authorization: Bearer)")
async def replace_graph(request: Request, service: ServiceDep) -> Response:
    return await gsp.write(request, service, auth.partner(request, service), merge=False)


@router.post("/graph-store", summary="Add to one of your graphs, or create it (partners; Authorization: Bearer)")
async def merge_graph(request: Request, service: ServiceDep) -> Response:
    return await gsp.write(request, service, auth.partner(request, service), merge=True)


@router.delete("/graph-store", summary="Delete one of your graphs (partners; Authorization: Bearer)")
async def delete_graph(request: Request, service: ServiceDep) -> Response:
    return await gsp.delete(request, service, auth.partner(request, service))


@router.get("/graph-store/reports/{report_id}", summary="The SHACL report of a partner write, negotiated")
async def report(request: Request, report_id: str, service: ServiceDep) -> Response:
    return writes.report_response(request, writes.stored_report(service, report_id))
