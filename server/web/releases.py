"""What ``/releases`` shows (routes in ``protocol.dataset``): the releases kept under ``build/releases``, each with
its id, time, content hash (the snapshot's SHA-256), triples, graphs, whether it is served and whether
``build/current`` names it, and its dumps (``/releases/<id>/dumps/<name>``); as JSON, CSV or the HTML page."""

from __future__ import annotations

import re
from typing import Any, Final

from fastapi import Request
from fastapi.responses import FileResponse, JSONResponse, Response

from server import media
from server.release import Release, current_name, listed_releases
from server.settings import Settings
from server.web import rendering, representations
from server.web.deps import Service
from server.web.protocol import void

RELEASE_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # a release directory's name, never a path
COLUMNS: Final = ("id", "created", "content_hash", "triples", "graphs", "served", "current")


def dump_response(release: Release, name: str) -> FileResponse:
    """The release's dump ``name`` (one of ``void.dumps``), gzip-compressed, saying what it holds."""
    media_type = media.TRIG.media_type if name.endswith(".trig.gz") else media.N_QUADS.media_type
    return FileResponse(
        release.dumps / name,
        media_type="application/gzip",
        filename=name,
        headers={"Content-Type": "application/gzip", "X-Content-Media-Type": media_type},
    )


def entry(release: Release, base_url: str, served: str, current: str | None) -> dict[str, Any]:
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


def kept_release(settings: Settings, release_id: str) -> Release | None:
    """The release ``release_id`` if it is kept (its metadata reads); None for any other name."""
    if not RELEASE_ID.fullmatch(release_id):
        return None
    return next((r for r in listed_releases(settings.releases_dir) if r.path.name == release_id), None)


def response(
    request: Request, service: Service, chosen: str, entries: list[dict[str, Any]], body: dict[str, Any]
) -> Response:
    """``body`` as JSON, the ``entries`` as a CSV table, or both as the HTML page, as ``chosen``."""
    if chosen == media.JSON:
        return JSONResponse(body, headers={"Vary": "Accept"})
    if chosen == media.CSV:
        rows = ([each[c] for c in COLUMNS] for each in entries)
        return Response(
            representations.csv_text(COLUMNS, rows).encode(media.UTF8),
            headers={"Vary": "Accept", "Content-Type": f"{media.content_type(media.CSV)}; header=present"},
        )
    one = "releases" not in body
    return rendering.page("releases.html", service, headers={"Vary": "Accept"}, releases=entries, one=one)
