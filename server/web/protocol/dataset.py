"""The dataset as a whole: VoID at ``/.well-known/void``, and at ``/download`` the release's dumps and the dump of
the partner graphs served with it (made for their current generation when first asked for).

``/releases`` lists the releases kept under ``build/releases`` (HTML, JSON or CSV): id, time, content hash (the
snapshot's SHA-256), triples and graphs, which one is served and which one ``build/current`` names (they differ
for at most ``Settings.release_poll`` seconds after a switch), and each release's dumps, served from
``/releases/<id>/dumps/<name>``; ``/releases/<id>`` describes one (HTML or JSON). Releases are immutable: what these
URLs answer never changes while the release is kept (``migkg release``; ``Settings.release_keep``)."""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from server import media
from server.release import current_name
from server.web import negotiation, releases, rendering, representations
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
    return releases.dump_response(release, name)


@representations.negotiated(router, "/releases", "The releases kept, which one is served, and their dumps")
async def release_list(request: Request, service: ServiceDep, chosen: representations.PageTypeDep) -> Response:
    found, current = await anyio.to_thread.run_sync(releases.kept, service.settings)
    entries = [releases.entry(r, str(request.base_url), service.release_id, current) for r in found]
    body = {"served": service.release_id, "current": current, "keep": service.settings.release_keep}
    return releases.response(request, service, chosen, entries, {**body, "releases": entries})


@router.get(
    "/releases/{release_id}", summary="One release: id, time, content hash, counts and dumps (HTML, JSON or CSV)",
    responses=representations.openapi_responses(list(media.PAGE_TYPES.values())),
)  # fmt: skip
async def one_release(
    release_id: str, request: Request, service: ServiceDep, chosen: representations.PageTypeDep
) -> Response:
    release = await anyio.to_thread.run_sync(releases.kept_release, service.settings, release_id)
    if release is None:
        return rendering.not_found(f"releases/{release_id}", service)
    current = current_name(service.settings.current_release)
    entry = releases.entry(release, str(request.base_url), service.release_id, current)
    return releases.response(request, service, chosen, [entry], entry)


@router.get("/releases/{release_id}/dumps/{name}", summary="One dump of a kept release")
async def release_dump(release_id: str, name: str, service: ServiceDep) -> Response:
    release = await anyio.to_thread.run_sync(releases.kept_release, service.settings, release_id)
    if release is None or name not in void.dumps(release):
        return rendering.not_found(f"releases/{release_id}/dumps/{name}", service)
    return releases.dump_response(release, name)
