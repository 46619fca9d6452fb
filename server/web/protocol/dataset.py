"""The dataset as a whole: VoID at ``/.well-known/void`` and the release's dumps at ``/download``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from server import media
from server.web import negotiation, rendering
from server.web.deps import QueriesDep, ServiceDep
from server.web.protocol import service_description, void

router = APIRouter()


@router.get("/.well-known/void", summary="VoID description of the dataset")
async def describe_dataset(request: Request, service: ServiceDep, queries: QueriesDep) -> Response:
    chosen = negotiation.choose_description(negotiation.accept_header(request))
    stats = await void.statistics(queries)
    triples = void.description(str(request.base_url), service.base_iri, service.release, stats)
    return service_description.response(triples, chosen)


@router.get("/download", summary="The release's dumps, with sizes and checksums")
async def downloads(service: ServiceDep) -> HTMLResponse:
    return rendering.page("download.html", service, files=void.dumps(service.release))


@router.get("/download/{name}", summary="One dump of the release")
async def download(name: str, service: ServiceDep) -> Response:
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
