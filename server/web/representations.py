"""Pages with data — ``/search``, ``/browse``, ``/commitments``, ``/matrix`` — in every representation they have:
HTML for browsers, JSON for programs, CSV for their table (``media.PAGE_TYPES``).

The representation is chosen by a suffix (``/search.json?q=…``, as ``/doc/…`` takes ``.ttl``) or else by
``Accept`` (HTML first: browsers and ``*/*`` get the page); a type none of them has is ``406`` listing what is
offered. Every answer carries ``Vary: Accept`` and a ``Link: <…>; rel="alternate"; type="…"`` to each
representation, with the request's own query string. A router registers the paths with ``negotiated`` and takes
the chosen media type as the ``PageTypeDep`` dependency.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from server import media
from server.store.base import NotAcceptable
from server.web import errors, negotiation, rendering
from server.web.deps import Service

VARY = "Accept, Accept-Language"  # every page with data also follows Accept-Language (labels)
Handler = TypeVar("Handler", bound=Callable[..., Any])


def suffix(path: str) -> str | None:
    """The representation a route's path names (``/search.json`` → ``json``), None for the negotiated one.

    >>> suffix("/search.csv"), suffix("/search")
    ('csv', None)
    """
    _, dot, ext = path.rpartition(".")
    return ext if dot and ext in media.PAGE_TYPES and "/" not in ext else None


def page_type(request: Request) -> str:
    """The media type asked for: by the route's suffix, else by ``Accept``; ``NotAcceptable`` (406) when none
    fits."""
    named = suffix(request.scope["route"].path)
    if named is not None:
        return media.PAGE_TYPES[named]
    offered = list(media.PAGE_TYPES.values())
    chosen = media.negotiate(negotiation.accept_header(request), offered)
    if chosen is None:
        raise NotAcceptable(offered)
    return chosen


PageTypeDep = Annotated[str, Depends(page_type)]


def openapi_responses(media_types: Sequence[str]) -> dict[int | str, dict[str, Any]]:
    """The responses of a page in ``media_types`` as the OpenAPI description states them."""
    return {
        200: {"description": "The page (HTML), its data (JSON) or its table (CSV)",
              "content": {media_type: {} for media_type in media_types}},
        406: {"description": "No offered type is acceptable (the message lists them)",
              "content": {media.TEXT_PLAIN: {}}},
    }  # fmt: skip


def negotiated(router: APIRouter, path: str, summary: str) -> Callable[[Handler], Handler]:
    """Register ``handler`` at ``path`` (negotiated by ``Accept``) and at ``path.<suffix>`` for each representation
    (``/search.json``)."""

    def register(handler: Handler) -> Handler:
        router.get(path, summary=f"{summary}: HTML, JSON or CSV by Accept",
                   responses=openapi_responses(list(media.PAGE_TYPES.values())))(handler)  # fmt: skip
        for name, media_type in media.PAGE_TYPES.items():
            router.get(f"{path}.{name}", summary=f"{summary} ({name.upper()})", response_class=Response,
                       responses=openapi_responses([media_type]))(handler)  # fmt: skip
        return handler

    return register


def headers(request: Request) -> dict[str, str]:
    """``Vary`` and a ``Link`` to each representation of the requested page (its query string kept)."""
    path = request.url.path
    named = suffix(request.scope["route"].path)
    if named is not None:
        path = path.removesuffix("." + named)
    query = f"?{request.url.query}" if request.url.query else ""
    links = [f'<{path}.{s}{query}>; rel="alternate"; type="{t}"' for s, t in media.PAGE_TYPES.items()]
    return {"Vary": VARY, "Link": ", ".join(links)}


def json_response(body: Mapping[str, Any], request: Request) -> JSONResponse:
    return JSONResponse(dict(body), headers=headers(request))


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV table (RFC 4180: CRLF line ends, quoted where needed) with a header row.

    >>> csv_text(["iri", "label"], [["http://x/a", 'say "hi", then go']])
    'iri,label\\r\\nhttp://x/a,"say ""hi"", then go"\\r\\n'
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def csv_response(columns: Sequence[str], rows: Iterable[Sequence[Any]], request: Request) -> Response:
    return Response(
        csv_text(columns, rows).encode(media.UTF8),
        headers={**headers(request), "Content-Type": f"{media.content_type(media.CSV)}; header=present"},
    )


def bad_request(message: str, chosen: str, service: Service) -> Response:
    """A page's parameters it cannot use: 400 saying which, as a page for browsers and as text for programs."""
    if chosen == media.HTML:
        return rendering.bad_request(message, service)
    return errors.text_response(message, 400, {"Vary": VARY})
