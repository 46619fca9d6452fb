"""Sharing the query workers fairly between clients, and stopping the queries of clients that went away.

* ``client_of``: who a request comes from: the connection's address, or, when ``Settings.client_address_header``
  names a header a trusted proxy sets, the address the proxy put last in it.
* ``ClientSlots``: how many queries each client has running or waiting; one over ``max_queries_per_client`` is
  refused with TooManyQueries (429 with ``Retry-After``). Used from the event loop only, so it needs no lock.
* ``until_disconnected``: sets an event when the client disconnects, which the worker pool watches while the query
  runs (``WorkerPool.spool``: the worker is killed and replaced).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from starlette.requests import Request
from starlette.types import Receive

from server.store.base import TooManyQueries

RETRY_AFTER: Final = 1  # seconds: a client's queries are usually answered within that


def client_of(request: Request, header: str | None) -> str:
    """The client a request counts against: the last entry of ``header`` when one is configured and sent (a trusted
    proxy appends the address it saw), else the connection's address.

    >>> from starlette.requests import Request
    >>> scope = {"type": "http", "client": ("10.0.0.1", 5), "headers": [(b"x-forwarded-for", b"1.2.3.4, 5.6.7.8")]}
    >>> client_of(Request(scope), "X-Forwarded-For"), client_of(Request(scope), None)
    ('5.6.7.8', '10.0.0.1')
    """
    if header is not None:
        sent = request.headers.get(header, "").rsplit(",", 1)[-1].strip()
        if sent:
            return sent
    return request.client.host if request.client is not None else "unknown"


class ClientSlots:
    """Queries running or waiting, per client, at most ``limit`` each."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._held: Counter[str] = Counter()

    @contextmanager
    def held(self, client: str) -> Iterator[None]:
        """One of ``client``'s slots for the duration; TooManyQueries when it has none left."""
        if self._held[client] >= self.limit:
            raise TooManyQueries(self.limit, RETRY_AFTER)
        self._held[client] += 1
        try:
            yield
        finally:
            self._held[client] -= 1
            if not self._held[client]:
                del self._held[client]


async def until_disconnected(receive: Receive, disconnected: threading.Event) -> None:
    """Read the request's messages until the client disconnects, then set ``disconnected``.

    Called once the body has been read (a GET has none): what is left to receive is the disconnection (a server
    blocks ``receive`` until then). A ``receive`` that hands out the whole request again instead cannot tell: the
    watch ends.
    """
    complete = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            disconnected.set()
            return
        complete += not message.get("more_body", False)
        if complete > 1:
            return
