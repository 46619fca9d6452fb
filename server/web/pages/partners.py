"""The partner agencies publishing graphs here: ``/partners`` lists them, ``/partners/<agency>`` describes each of
an agency's graphs as its provenance states it (who, when, how many triples, format, checksum, gate report), with a
link to the data (``/graph-store?graph=…``). Entity pages link a partner's statements here ("stated by …")."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from server.web import rendering
from server.web.deps import ServiceDep

router = APIRouter()


@router.get("/partners", summary="The partner agencies publishing graphs here")
async def partners(service: ServiceDep) -> HTMLResponse:
    catalogue = await service.partner_catalogue()
    return rendering.page("partners.html", service, agencies=catalogue.agencies(), agency=None, base=service.base_iri)


@router.get("/partners/{agency}", summary="A partner agency's graphs and their provenance")
async def partner(agency: str, service: ServiceDep) -> HTMLResponse:
    graphs = (await service.partner_catalogue()).agencies().get(agency)
    if not graphs:
        return rendering.not_found(f"partners/{agency}", service)
    return rendering.page("partners.html", service, agencies={agency: graphs}, agency=agency, base=service.base_iri)
