"""The dataset as a whole: VoID at ``/.well-known/void``, and at ``/download`` the release's dumps and the dump of
the partner graphs served with it (made for their current generation when first asked for)."""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from server import media
from server.web import negotiation, rendering
from server.web.deps import QueriesDep, ServiceDep
from server.web.partners import DUMP as PARTNER_DUMP
from server.web.partners import GENERATION_HEADER
from server.web.protocol import service_description, void

router = APIRouter()


@router.get("/.well-known/void", summary="VoID description of the dataset")
async def describe_dataset(request: Request, service: ServiceDep, queries: QueriesDep) -> Response:
    chosen = negotiation.choose_description(negotiation.accept_header(request))
    partners = await service.partner_catalogue()
    stats = await void.statistics(queries, partners.generation)
    triples = void.description(str(request.base_url), service.base_iri, service.release, stats, partners)
    return service_description.response(triples, chosen)


@router.get("/download", summary="The release's dumps and the partner graphs' dump, with sizes and checksums")
async def downloads(service: ServiceDep) -> HTMLResponse:
    partners = await service.partner_catalogue()
    dump = await anyio.to_thread.run_sync(service.partners.dump) if partners.graphs else None
    return rendering.page(
        "download.html", service, files=void.dumps(service.release), partners=partners, partner_dump=dump,
        partner_dump_name=PARTNER_DUMP,
    )  # fmt: skip


@router.get("/download/{name}", summary="One dump of the release, or of the partner graphs")
async def download(name: str, service: ServiceDep) -> Response:
    if name == PARTNER_DUMP:
        dump = await anyio.to_thread.run_sync(service.partners.dump)
        return FileResponse(
            dump.path, media_type="application/gzip", filename=name,
            headers={"X-Content-Media-Type": media.TRIG.media_type, GENERATION_HEADER: str(dump.generation)},
        )  # fmt: skip
    release = service.release
    if release is None or name not in void.dumps(release):
        return rendering.not_found(f"download/{name}", service)
    media_type = media.TRIG.media_type if name.endswith(".trig.gz") else media.N_QUADS.media_type
    return FileResponse(
        release.dumps / name,
        media_type="application/gzip",
        filename=name,
        headers={"Content-Type": "application/gzip", "X-Content-Media-Type": media_type},
    )
