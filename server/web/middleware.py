"""The app's ASGI middleware: every response says which release it comes from, every GET answer is tied to the
data it was made from, and browsers may write only from the origins partners configured.

``ReleaseHeader`` adds ``X-Migkg-Release`` to every response; ``StandardHeaders`` the security headers
(Content-Security-Policy, nosniff, frame and referrer policies), ``Retry-After`` on every 503 and 429, and makes
every header value safe to send; ``HeadAsGet`` answers HEAD wherever GET works. ``Conditional`` answers
conditional GETs: the ETag is weak (a compressed and an uncompressed body are the same representation) and
derived from the data's version and what selects the representation (path, query string, Accept,
Accept-Language): a client revalidating with ``If-None-Match`` (or ``If-Modified-Since`` no earlier than the
data's last change) gets ``304 Not Modified`` instead of a 200 — never instead of an error. The version and
the time of the last change are asked of a callable for each request: the release id, and the generation of the
partner graphs served with it, which any answer may include (``web.partners``); a new release or a partner write
changes every ETag. The Graph Store is left out: each partner graph carries its own ETag (its stored version).

``WriteCors`` answers the CORS preflights of writes, which the open read CORS (Starlette's ``CORSMiddleware``,
``*`` for everyone) cannot express: a write's preflight (a PUT or DELETE, a POST to the Graph Store, or any
request that will carry an ``Authorization`` header) is answered without a token, allowing the page's origin only
if some active partner has configured it. Whether the partner that then writes has configured it is checked on
the write itself (``auth.check_origin``).
"""

from __future__ import annotations

import hashlib
import re
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
KEPT_ON_304 = {b"vary", b"content-location"}


# Pages load scripts, styles, fonts, images and data only from this server, never inline script (data islands are
# <script type="application/json">, which CSP does not run); no page may be framed; links out send no Referer.
# Inline styles stay allowed: the vendored editor and pictures set them (CSSOM writes are not styles CSP sees,
# but markup they build is).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
_UNSAFE_IN_HEADER = re.compile(rb"[^\x09\x20-\x7e]")


def header_safe(value: bytes) -> bytes:
    """A header value with every byte it must not carry raw (controls, non-ASCII) percent-encoded.

    >>> header_safe(b"/doc/x\\x00y"), header_safe(b"</doc/a>; rel=alternate")
    (b'/doc/x%00y', b'</doc/a>; rel=alternate')
    """
    return _UNSAFE_IN_HEADER.sub(lambda match: b"%%%02X" % match.group()[0], value)


def without_body(message: Message) -> Message | None:
    """A response body message as it goes out when the answer has no body (HEAD, 304): the last one empty,
    the others not at all."""
    return None if message.get("more_body", False) else {"type": "http.response.body", "body": b""}


class StandardHeaders:
    """What every response carries: the security headers (unless it set its own), ``Retry-After`` on every 503
    and 429, and header values safe to send (``header_safe``): never a 500 or a dropped connection for a byte
    a header cannot hold."""

    def __init__(self, app: ASGIApp, retry_after: int) -> None:
        self.app, self.retry_after = app, str(retry_after).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, header_safe(v)) for k, v in message.get("headers", [])]
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                if message["status"] in (429, 503) and b"retry-after" not in names:
                    headers.append((b"retry-after", self.retry_after))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGet:
    """HEAD wherever GET works: the request goes on as a GET, and its answer keeps its status and headers
    (``Content-Length`` included) but not its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            out = without_body(message) if message["type"] == "http.response.body" else message
            if out is not None:
                await send(out)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)


class ReleaseHeader:
    """Adds ``X-Migkg-Release`` to every response, preflights and errors included: the release served when the
    answer starts (``release_id`` is asked then; a running server may switch releases, ``web.switching``)."""

    def __init__(self, app: ASGIApp, release_id: Callable[[], str]) -> None:
        self.app, self.release_id = app, release_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                value = self.release_id().encode("latin-1")
                message["headers"] = [*message.get("headers", []), (RELEASE_HEADER.lower().encode(), value)]
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
    """Weak ETag and Last-Modified on every 200 GET; ``304 Not Modified`` to a client that has the current answer.

    Whether the answer is 304 is decided once the application has answered 200: a request that would fail (404,
    406, 503…) is never 304, whatever its preconditions (RFC 9110 §13.2.1: they are ignored unless the answer
    would be 2xx), so ``If-None-Match: *`` on a missing entity is still 404."""

    def __init__(self, app: ASGIApp, validators: Validators) -> None:
        self.app, self.validators = app, validators

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or scope["path"] in UNCACHED_PATHS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        version, modified = self.validators()
        etag = etag_for(version, scope, headers)
        validators = [(b"etag", etag.encode()), (b"cache-control", b"no-cache")]
        if modified is not None:
            validators.append((b"last-modified", format_datetime(modified, usegmt=True).encode()))
        revalidated = False

        async def send_with_validators(message: Message) -> None:
            nonlocal revalidated
            out: Message | None = message
            if message["type"] == "http.response.start" and message["status"] == 200:
                if not_modified(headers, etag, modified):
                    revalidated = True  # RFC 9110 §15.4.5: the 200's Vary and Content-Location, no body
                    kept = [(k, v) for k, v in message.get("headers", []) if k.lower() in KEPT_ON_304]
                    out = {"type": "http.response.start", "status": 304, "headers": [*kept, *validators]}
                else:
                    message["headers"] = [*message.get("headers", []), *validators]
            elif revalidated and message["type"] == "http.response.body":
                out = without_body(message)
            if out is not None:
                await send(out)

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
