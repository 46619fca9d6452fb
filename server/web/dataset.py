"""The dataset as a whole: VoID at ``/.well-known/void`` and the dumps at ``/download``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from server import media
from server.store.base import NotAcceptable
from server.web import pages, service_description, void
from server.web.linked_data import rows
from server.web.sparql import accept_header
from server.web.state import Service, ServiceDep

router = APIRouter()
DUMPS_PREFIX = "dumps/"


async def statistics(service: Service) -> dict[str, list]:
    """The VoID statistics of this release, computed once and kept (the release never changes)."""
    if service.void_statistics is None:
        service.void_statistics = {name: await rows(service, q) for name, q in void.STATISTICS.items()}
    return service.void_statistics


@router.get("/.well-known/void", summary="VoID description of the dataset")
async def describe_dataset(request: Request, service: ServiceDep) -> Response:
    offered = media.offered(media.DESCRIPTION_FORMATS)
    chosen = media.negotiate(accept_header(request), offered)
    if chosen is None:
        raise NotAcceptable(offered)
    base_url = str(request.base_url)
    triples = void.description(base_url, service.settings.base_iri, service.release, await statistics(service))
    body = service_description.serialize(triples, media.format_for(chosen, media.DESCRIPTION_FORMATS))
    return Response(body, headers={"Content-Type": media.content_type(chosen), "Vary": "Accept"})


@router.get("/download", summary="The release's dumps, with sizes and checksums")
async def downloads(service: ServiceDep) -> HTMLResponse:
    files = {}
    if service.release is not None:
        files = {
            n.removeprefix(DUMPS_PREFIX): i
            for n, i in service.release.metadata.files.items()
            if n.startswith(DUMPS_PREFIX)
        }
    html = pages.environment().get_template("download.html").render(files=files, release=service.release_id)
    return HTMLResponse(html)


@router.get("/download/{name}", summary="One dump of the release")
async def download(name: str, service: ServiceDep) -> Response:
    release = service.release
    if release is None or DUMPS_PREFIX + name not in release.metadata.files:
        return pages.not_found(f"download/{name}", service)
    media_type = media.TRIG.media_type if name.endswith(".trig.gz") else media.N_QUADS.media_type
    return FileResponse(
        release.dumps / name,
        media_type="application/gzip",
        filename=name,
        headers={"Content-Type": "application/gzip", "X-Content-Media-Type": media_type},
    )


@router.get("/", summary="Home: what the graph is, and a search box")
async def home(service: ServiceDep) -> HTMLResponse:
    meta = service.release.metadata if service.release else None
    html = (
        pages.environment()
        .get_template("home.html")
        .render(release=service.release_id, triples=meta.triples if meta else 0, graphs=len(meta.graphs) if meta else 0)
    )
    return HTMLResponse(html)
