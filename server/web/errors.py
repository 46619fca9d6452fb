"""How failures become HTTP responses: one table from exception to status, plain-text bodies (a malformed query
is explained as plain text or JSON, as the client asks)."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Scope

from server import media
from server.federation.errors import ServiceFailed, ServiceRefused, ServiceTimeout
from server.partners.messages import (
    Forbidden,
    GraphNotFound,
    UpdateRefused,
    WriteFailed,
    WriterUnavailable,
    WriteTimeout,
)
from server.partners.storage import WriteConflict
from server.partners.update import DatasetClash
from server.partners.upload import UploadError
from server.query_errors import MalformedQuery
from server.store.base import (
    InvalidDataset,
    NotAcceptable,
    QueryCancelled,
    QueryFailed,
    QueryOutOfMemory,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooComplex,
    StoreError,
    StoreUnavailable,
    TooManyQueries,
    UnsupportedQuery,
    UpdateForbidden,
)
from server.web import negotiation
from server.web.deps import Service
from server.web.middleware import RELEASE_HEADER


class BadRequest(Exception):
    """A request the Protocol does not allow; ``str()`` tells the client what to change. ``headers`` go with the
    answer (``Allow`` for a 405)."""

    def __init__(self, message: str, status: int = 400, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.headers = message, status, headers

    def __str__(self) -> str:
        return self.message


# QueryTimeout is 503, not 504: no gateway is involved (504 would send proxies and monitoring looking for
# an upstream at fault); the service refused to spend more than its limit on this request, as Fuseki does.
# A SERVICE call does involve one: an allowlisted endpoint that fails is 502, one that is too slow 504.
STATUS: dict[type[StoreError], int] = {
    QuerySyntaxError: 400,
    MalformedQuery: 400,
    UnsupportedQuery: 400,
    InvalidDataset: 400,
    QueryTooComplex: 400,
    ServiceRefused: 400,
    UpdateForbidden: 403,
    NotAcceptable: 406,
    TooManyQueries: 429,
    QueryTimeout: 503,
    QueryOutOfMemory: 503,
    QueryCancelled: 503,  # nobody reads it: the client has gone
    StoreUnavailable: 503,
    ServiceFailed: 502,
    ServiceTimeout: 504,
    QueryFailed: 500,
}


class Unauthorized(Exception):
    """No valid bearer token (HTTP 401 with ``WWW-Authenticate``); ``error`` is RFC 6750's error code, if any."""

    def __init__(self, message: str, error: str | None = None) -> None:
        super().__init__(message, error)
        self.message, self.error = message, error

    def __str__(self) -> str:
        return self.message

    @property
    def challenge(self) -> str:
        """The ``WWW-Authenticate`` value (RFC 6750 §3)."""
        return f'Bearer realm="migkg", error="{self.error}"' if self.error else 'Bearer realm="migkg"'


# A partner write that fails: the status, the message being the exception's (never a token: none reaches them).
WRITE_STATUS: dict[type[Exception], int] = {
    DatasetClash: 400,
    UpdateRefused: 400,
    Forbidden: 403,
    GraphNotFound: 404,
    WriteConflict: 412,
    WriteFailed: 500,
    WriterUnavailable: 503,
    WriteTimeout: 503,
}


def text_response(message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    headers = {"Content-Type": media.content_type(media.TEXT_PLAIN), **(headers or {})}
    return Response((message.rstrip() + "\n").encode("utf-8"), status, headers=headers)


def status_for(error: StoreError) -> int:
    """The HTTP status of a store error (500 for a kind not in the table)."""
    return next((code for kind, code in STATUS.items() if isinstance(error, kind)), 500)


def malformed_query(error: MalformedQuery, accept: str | None) -> Response:
    """A query that does not parse, explained in the format the client asked for (``negotiation.error_type``)."""
    if negotiation.error_type(accept) == media.JSON:
        body = json.dumps(error.diagnosis.as_json(), ensure_ascii=False, indent=2).encode("utf-8")
        return Response(body, 400, {"Content-Type": media.content_type(media.JSON), "Vary": "Accept"})
    return text_response(error.diagnosis.as_text(), 400, {"Vary": "Accept"})


def limit_reached(error: StoreError, status: int, accept: str | None) -> Response:
    """A query stopped at a limit (``error_type``: timeout, memory, limit, rate…), as plain text or, to a client
    asking for JSON, as ``{"type": …, "message": …}``; 429 says when to try again (``Retry-After``)."""
    headers = {"Vary": "Accept"}
    if isinstance(error, TooManyQueries):
        headers["Retry-After"] = str(error.retry_after)
    if negotiation.error_type(accept) == media.JSON:
        body = json.dumps({"type": error.error_type, "message": str(error)}, ensure_ascii=False, indent=2)
        return Response(body.encode("utf-8"), status, {"Content-Type": media.content_type(media.JSON), **headers})
    return text_response(str(error), status, headers)


async def store_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StoreError)
    if isinstance(error, MalformedQuery):
        return malformed_query(error, negotiation.accept_header(request))
    status = status_for(error)
    if error.error_type is not None:
        return limit_reached(error, status, negotiation.accept_header(request))
    headers = {"Vary": "Accept"} if isinstance(error, NotAcceptable) else None
    return text_response(str(error), status, headers)


async def bad_request(request: Request, error: Exception) -> Response:
    assert isinstance(error, BadRequest)
    return text_response(str(error), error.status, error.headers)


async def unauthorized(request: Request, error: Exception) -> Response:
    assert isinstance(error, Unauthorized)
    return text_response(str(error), 401, {"WWW-Authenticate": error.challenge})


async def write_failed(request: Request, error: Exception) -> Response:
    """A partner write refused or failed: the status of its kind (an upload's own: 400, 413 or 415)."""
    status = error.status if isinstance(error, UploadError) else WRITE_STATUS.get(type(error), 500)
    headers = {"Retry-After": "5"} if status == 503 else None
    return text_response(str(error), status, headers)


def describe_invalid(errors: list[dict]) -> str:
    """One readable line per invalid parameter: where it was, its name, and what was wrong."""
    lines = []
    for error in errors:
        where = [str(part) for part in error.get("loc", ())]
        place, name = (where[0], ".".join(where[1:])) if len(where) > 1 else ("request", ".".join(where))
        lines.append(f"Invalid {place} parameter '{name}': {error.get('msg', 'invalid value')}.")
    return "\n".join(lines) or "Invalid request parameters."


async def invalid_parameters(request: Request, error: Exception) -> Response:
    """A parameter of the wrong form (a too-long search, an unknown map role): 400 with what to fix."""
    assert isinstance(error, RequestValidationError)
    return text_response(describe_invalid(list(error.errors())), 400)


async def client_gone(request: Request, error: Exception) -> Response:
    """The client went away (or was dropped: ``connections``) before its request body arrived: nobody reads
    this answer, and nothing went wrong here (no traceback in the log)."""
    return text_response("The client disconnected before sending its whole request.", 400)


METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(routes: Sequence[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route answers at the request's path (HEAD wherever GET: ``middleware.HeadAsGet``)."""
    methods: set[str] = set()
    for route in routes:
        if isinstance(route, Route) and route.methods and route.matches(scope)[0] is not Match.NONE:
            methods |= route.methods
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods, key=lambda m: (METHOD_ORDER.index(m) if m in METHOD_ORDER else len(METHOD_ORDER), m))


async def http_error(routes: Sequence[BaseRoute], request: Request, error: Exception) -> Response:
    """Starlette's own errors: a 405 lists in ``Allow`` every method of ``routes`` at the path (Starlette names
    only the first route's: ``Allow: GET`` for a PUT to ``/sparql``, whose POST is another route); others as
    FastAPI answers them."""
    assert isinstance(error, StarletteHTTPException)
    if error.status_code != 405:
        return await http_exception_handler(request, error)
    allow = ", ".join(allowed_methods(routes, request.scope))
    message = f"{request.scope['method']} is not allowed on {request.url.path}; it answers {allow}."
    return text_response(message, 405, {"Allow": allow})


async def unexpected(request: Request, error: Exception) -> Response:
    """A bug: 500, still with the release header (this response bypasses the middleware)."""
    service: Service = request.app.state.service
    message = "Internal server error; the failure has been logged."
    return text_response(message, 500, {RELEASE_HEADER: service.release_id})


def install(app: FastAPI, routes: Sequence[BaseRoute]) -> None:
    """The handlers; ``routes`` are every route of the app, for ``Allow``."""
    app.add_exception_handler(StoreError, store_error)
    app.add_exception_handler(BadRequest, bad_request)
    app.add_exception_handler(Unauthorized, unauthorized)
    for kind in (*WRITE_STATUS, UploadError):
        app.add_exception_handler(kind, write_failed)
    app.add_exception_handler(RequestValidationError, invalid_parameters)
    app.add_exception_handler(ClientDisconnect, client_gone)
    app.add_exception_handler(StarletteHTTPException, functools.partial(http_error, routes))
    app.add_exception_handler(Exception, unexpected)
