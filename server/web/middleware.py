"""The app's ASGI middleware: every response says which release it comes from, every GET answer is tied to the
data it was made from, and browsers may write only from the origins partners configured.

``ReleaseHeader`` adds ``X-Migkg-Release`` to every response. ``Conditional`` answers conditional GETs: the ETag
is weak (a compressed and an uncompressed body are the same representation) and derived from the data's version
and what selects the representation (path, query string, Accept, Accept-Language), so it can be checked before any
work is done: a client revalidating with ``If-None-Match`` (or ``If-Modified-Since`` no earlier than the data's last
change) gets ``304 Not Modified`` at once. The version and the time of the last change are asked of a callable for
each request: the release id, and the generation of the partner graphs served with it, which any answer may include
(``web.partners``); a new release or a partner write changes every ETag. The Graph Store is left out:
each partner graph carries its own ETag (its stored version).

``WriteCors`` answers the CORS preflights of writes, which the open read CORS (Starlette's ``CORSMiddleware``,
``*`` for everyone) cannot express: a write's preflight (a PUT or DELETE, a POST to the Graph Store, or any
request that will carry an ``Authorization`` header) is answered without a token, allowing the page's origin only
if some active partner has configured it. Whether the partner that then writes has configured it is checked on
the write itself (``auth.check_origin``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

RELEASE_HEADER = "X-Migkg-Release"
GRAPH_STORE = "/graph-store"
UNCACHED_PATHS = ("/healthz", "/metrics", GRAPH_STORE)
WRITE_REQUEST_HEADERS = "Authorization, Content-Type, Content-Encoding, If-Match, If-None-Match, Accept"
WRITE_METHODS = {GRAPH_STORE: "GET, HEAD, PUT, POST, DELETE", "/sparql": "GET, POST"}
PREFLIGHT_MAX_AGE = "600"


class ReleaseHeader:
    """Adds ``X-Migkg-Release`` to every response, preflights and errors included."""

    def __init__(self, app: ASGIApp, release_id: str) -> None:
        self.app, self.value = app, release_id.encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (RELEASE_HEADER.lower().encode(), self.value)]
            await send(message)

        await self.app(scope, receive, send_with_header)


Validators = Callable[[], tuple[str, datetime | None]]  # () -> (version of the data, when it last changed)


def etag_for(release: str, scope: Scope, headers: Headers) -> str:
    selector = "\n".join(
        (scope["path"], scope.get("query_string", b"").decode("latin-1"), headers.get("accept", ""),
         headers.get("accept-language", ""))
    )  # fmt: skip
    return f'W/"{release}-{hashlib.sha256(selector.encode()).hexdigest()[:16]}"'


def not_modified(headers: Headers, etag: str, modified: datetime | None) -> bool:
    """RFC 9110 §13.1: If-None-Match (weak comparison) wins; If-Modified-Since only without it."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag.removeprefix("W/") in tags
    since = headers.get("if-modified-since")
    if since and modified is not None:
        try:
            return modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


class Conditional:
    """Weak ETag and Last-Modified on every 200 GET; ``304 Not Modified`` to a client that has the current answer."""

    def __init__(self, app: ASGIApp, validators: Validators) -> None:
        self.app, self.validators = app, validators

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or scope["path"] in UNCACHED_PATHS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        version, modified = self.validators()
        etag = etag_for(version, scope, headers)
        validators = [(b"etag", etag.encode())]
        if modified is not None:
            validators.append((b"last-modified", format_datetime(modified, usegmt=True).encode()))
        if not_modified(headers, etag, modified):
            await send({"type": "http.response.start", "status": 304, "headers": validators})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_validators(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                extra = [*validators, (b"cache-control", b"no-cache")]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_validators)


def is_write_preflight(scope: Scope, headers: Headers) -> bool:
    """An OPTIONS preflight for a write: PUT or DELETE, a POST to the Graph Store, or a request with a token."""
    method = headers.get("access-control-request-method", "").upper()
    requested = {h.strip().lower() for h in headers.get("access-control-request-headers", "").split(",")}
    return (
        method in ("PUT", "DELETE")
        or (method == "POST" and scope["path"] == GRAPH_STORE)
        or "authorization" in requested
    )


class WriteCors:
    """Answers write preflights (see the module doc): 204 with the origin allowed when some active partner has
    configured it (``origin_allowed``), 403 otherwise. Every other request goes on, to the read CORS layer."""

    def __init__(self, app: ASGIApp, origin_allowed: Callable[[str], bool]) -> None:
        self.app, self.origin_allowed = app, origin_allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope) if scope["type"] == "http" else None
        if (
            headers is None
            or scope["method"] != "OPTIONS"
            or "access-control-request-method" not in headers
            or not is_write_preflight(scope, headers)
        ):
            await self.app(scope, receive, send)
            return
        origin = headers.get("origin", "")
        if origin and self.origin_allowed(origin):
            status, body = 204, b""
            answer = [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-methods", WRITE_METHODS.get(scope["path"], "GET").encode()),
                (b"access-control-allow-headers", WRITE_REQUEST_HEADERS.encode()),
                (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
            ]
        else:
            status = 403
            body = (
                f"Writes from a page at {origin or 'an unknown origin'} are not allowed: no partner has configured "
                "this origin (`migkg partner add … --origin`). (rule: cors-origin)\n"
            ).encode()
            answer = [(b"content-type", b"text/plain; charset=utf-8")]
        answer.append((b"vary", b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers"))
        await send({"type": "http.response.start", "status": status, "headers": answer})
        await send({"type": "http.response.body", "body": body})
