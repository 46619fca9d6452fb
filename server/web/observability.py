"""Every request observed once: a JSON access-log line and the request metrics (``server.metrics``).

``Observe`` is the outermost ASGI layer, so it sees what the client gets (errors, 304s and preflights included) and
how long the whole answer took. Its log line (logger ``migkg.access``, one JSON object a line on standard error) has
the time, method, path, query string, status, duration, body bytes, client address and release id. It never holds a
header (so never an ``Authorization`` token) nor a body; token parameters in the query string are redacted
(``auth.redact``), and a path or query string longer than ``Settings.access_log_max_chars`` is cut there, with its
full length beside it: a 100 kB SPARQL query in a URL costs the log a few hundred bytes.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import metrics
from server.web.auth import redact

ACCESS_LOGGER = "migkg.access"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})


def route_template(scope: Scope) -> str:
    """The template of the route that answered (``/doc/{path:path}``, ``/static``), not the path asked for: a
    bounded label. ``<unmatched>`` when no route did."""
    route = scope.get("route")
    return str(getattr(route, "path", None) or metrics.UNMATCHED)


def method_label(scope: Scope) -> str:
    """The request's method, or ``OTHER`` for one no route takes (a client may send any token).

    >>> method_label({"method": "GET"}), method_label({"method": "BREW"})
    ('GET', 'OTHER')
    """
    method = str(scope.get("method", ""))
    return method if method in METHODS else "OTHER"


def clipped(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marked when cut.

    >>> clipped("ASK { ?s ?p ?o }", 5), clipped("ASK", 5)
    ('ASK {…', 'ASK')
    """
    return text if len(text) <= limit else text[:limit] + "…"


def access_record(scope: Scope, status: int, seconds: float, sent: int, release: str, limit: int) -> dict[str, object]:
    """What the access log says of one answered request: no header, no body, no token, nothing long."""
    query = scope.get("query_string", b"").decode("latin-1")
    client = scope.get("client")
    record: dict[str, object] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "method": clipped(str(scope.get("method", "")), 16),
        "path": clipped(scope.get("path", ""), limit),
        "status": status,
        "duration_ms": round(seconds * 1000, 2),
        "bytes": sent,
        "client": client[0] if client else None,
        "release": release,
    }
    if query:
        record["query"] = clipped(redact("?" + query)[1:], limit)
        if len(query) > limit:
            record["query_chars"] = len(query)
    return record


def access_logger() -> logging.Logger:
    """The ``migkg.access`` logger, writing bare JSON lines to standard error (its handler installed once)."""
    log = logging.getLogger(ACCESS_LOGGER)
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


class Observe:
    """Counts and times every HTTP request (``metrics.request_answered``) and, with a ``log``, writes its line."""

    def __init__(self, app: ASGIApp, release_id: Callable[[], str], log: logging.Logger | None, max_chars: int) -> None:
        self.app, self.release_id, self.log, self.max_chars = app, release_id, log, max_chars

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status, sent = 500, 0  # what a client gets when the app fails before answering

        async def observed(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        metrics.IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, observed)
        finally:
            metrics.IN_FLIGHT.dec()
            seconds = time.perf_counter() - started
            metrics.request_answered(route_template(scope), method_label(scope), status, seconds, sent)
            if self.log is not None:
                record = access_record(scope, status, seconds, sent, self.release_id(), self.max_chars)
                self.log.info("%s", json.dumps(record, ensure_ascii=False))
