"""The dataset as a whole: VoID at ``/.well-known/void``, and at ``/download`` the release's dumps and the dump of
the partner graphs served with it (made for their current generation when first asked for).

``/releases`` lists the releases kept under ``build/releases`` (HTML, JSON or CSV): id, time, content hash (the
snapshot's SHA-256), triples and graphs, which one is served and which one ``build/current`` names (they differ
for at most ``Settings.release_poll`` seconds after a switch), and each release's dumps, served from
``/releases/<id>/dumps/<name>``; ``/releases/<id>`` describes one (HTML or JSON). Releases are immutable: what these
URLs answer never changes while the release is kept (``migkg release``; ``Settings.release_keep``)."""

from __future__ import annotations

import re
from typing import Any, Final

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from server import media
from server.release import Release, current_name, listed_releases
from server.settings import Settings
from server.web import negotiation, rendering, representations
from server.web.deps import QueriesDep, Service, ServiceDep
from server.web.partners import DUMP as PARTNER_DUMP
from server.web.partners import GENERATION_HEADER
from server.web.protocol import service_description, void

router = APIRouter()

RELEASE_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # a release directory's name, never a path


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
    return dump_response(release, name)


def dump_response(release: Release, name: str) -> FileResponse:
    """The release's dump ``name`` (one of ``void.dumps``), gzip-compressed, saying what it holds."""
    media_type = media.TRIG.media_type if name.endswith(".trig.gz") else media.N_QUADS.media_type
    return FileResponse(
        release.dumps / name,
        media_type="application/gzip",
        filename=name,
        headers={"Content-Type": "application/gzip", "X-Content-Media-Type": media_type},
    )


RELEASE_COLUMNS = ("id", "created", "content_hash", "triples", "graphs", "served", "current")


def release_entry(release: Release, base_url: str, served: str, current: str | None) -> dict[str, Any]:
    """What ``/releases`` says of one release (JSON)."""
    return {
        "id": release.id,
        "created": release.metadata.created,
        "content_hash": f"sha256:{release.content_hash}",
        "triples": release.metadata.triples,
        "graphs": len(release.metadata.graphs),
        "served": release.id == served,
        "current": release.path.name == current,
        "url": void.release_url(base_url, release.id),
        "dumps": {
            name: {"url": void.dump_url(base_url, release.id, name), "bytes": info.bytes, "sha256": info.sha256}
            for name, info in sorted(void.dumps(release).items())
        },
    }


def kept(settings: Settings) -> tuple[list[Release], str | None]:
    """The releases kept, newest first, and the name of the one ``build/current`` points to."""
    return listed_releases(settings.releases_dir), current_name(settings.current_release)


@representations.negotiated(router, "/releases", "The releases kept, which one is served, and their dumps")
async def releases(request: Request, service: ServiceDep, chosen: representations.PageTypeDep) -> Response:
    found, current = await anyio.to_thread.run_sync(kept, service.settings)
    entries = [release_entry(r, str(request.base_url), service.release_id, current) for r in found]
    body = {"served": service.release_id, "current": current, "keep": service.settings.release_keep}
    return releases_response(request, service, chosen, entries, {**body, "releases": entries})


@router.get(
    "/releases/{release_id}", summary="One release: id, time, content hash, counts and dumps (HTML, JSON or CSV)",
    responses=representations.openapi_responses(list(media.PAGE_TYPES.values())),
)  # fmt: skip
async def one_release(
    release_id: str, request: Request, service: ServiceDep, chosen: representations.PageTypeDep
) -> Response:
    release = await anyio.to_thread.run_sync(kept_release, service.settings, release_id)
    if release is None:
        return rendering.not_found(f"releases/{release_id}", service)
    current = current_name(service.settings.current_release)
    entry = release_entry(release, str(request.base_url), service.release_id, current)
    return releases_response(request, service, chosen, [entry], entry)


def releases_response(
    request: Request, service: Service, chosen: str, entries: list[dict[str, Any]], body: dict[str, Any]
) -> Response:
    """``body`` as JSON, the ``entries`` as a CSV table, or both as the HTML page, as ``chosen``."""
    if chosen == media.JSON:
        return JSONResponse(body, headers={"Vary": "Accept"})
    if chosen == media.CSV:
        rows = ([entry[c] for c in RELEASE_COLUMNS] for entry in entries)
        return Response(
            representations.csv_text(RELEASE_COLUMNS, rows).encode(media.UTF8),
            headers={"Vary": "Accept", "Content-Type": f"{media.content_type(media.CSV)}; header=present"},
        )
    one = "releases" not in body
    return rendering.page("releases.html", service, headers={"Vary": "Accept"}, releases=entries, one=one)


def kept_release(settings: Settings, release_id: str) -> Release | None:
    """The release ``release_id`` if it is kept (its metadata reads); None for any other name."""
    if not RELEASE_ID.fullmatch(release_id):
        return None
    return next((r for r in listed_releases(settings.releases_dir) if r.path.name == release_id), None)


@router.get("/releases/{release_id}/dumps/{name}", summary="One dump of a kept release")
async def release_dump(release_id: str, name: str, service: ServiceDep) -> Response:
    release = await anyio.to_thread.run_sync(kept_release, service.settings, release_id)
    if release is None or name not in void.dumps(release):
        return rendering.not_found(f"releases/{release_id}/dumps/{name}", service)
    return dump_response(release, name)
