"""Connection hygiene: how ``migkg serve`` runs uvicorn, and the deadlines uvicorn has no knob for.

uvicorn (h11) already bounds a request head's size (``h11_max_incomplete_event_size``) and closes a keep-alive
connection left idle (``timeout_keep_alive``), but it has no deadline for a request head sent slowly (a slowloris
client: the keep-alive timer is not armed before the first request, and any byte received disarms it) nor for a
request body sent slowly, and its concurrency limit answers 503 without ``Retry-After``. ``GuardedProtocol``
adds what is missing, at the connection, where a half-sent head is visible (no ASGI layer sees a request before
its head is complete):

- a **head deadline**: from the moment a connection waits for a request (opened, or done with the previous
  one) the whole request head must arrive within ``header_timeout`` seconds, however it trickles in; if part of
  it came, the client gets ``408 Request Timeout``; the connection is closed either way;
- a **body deadline**: once the head is in, the whole body must arrive within ``body_timeout`` seconds; if
  not, ``408`` (when no answer has started) and the connection is closed; the application sees the client
  disconnect (``errors.client_gone``);
- a **connection limit**: while more than ``max_connections`` connections are open, or as many requests are in
  flight, a request is answered ``503`` with ``Retry-After`` and the connection is closed.

Every number is a setting (``server.settings``), documented in the README.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import h11
import uvicorn
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from server import media
from server.settings import Settings

Waiting = Literal["head", "body"]
CLOSE = (b"connection", b"close")
TEXT = (b"content-type", media.content_type(media.TEXT_PLAIN).encode())


@dataclass(frozen=True)
class Limits:
    """The settings ``GuardedProtocol`` enforces (seconds, counts)."""

    header_timeout: float
    body_timeout: float
    max_connections: int
    retry_after: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(settings.header_timeout, settings.body_timeout, settings.max_connections, settings.retry_after)


def timeout_message(waiting: Waiting, seconds: float) -> bytes:
    """The body of a 408: what did not arrive in time, and the rule.

    >>> timeout_message("head", 10.0)
    b'The request head did not arrive in full within 10 s; the connection is closed. (rule: header-timeout)\\n'
    """
    part, rule = ("request head", "header-timeout") if waiting == "head" else ("request body", "body-timeout")
    message = f"The {part} did not arrive in full within {seconds:g} s; the connection is closed. (rule: {rule})\n"
    return message.encode()


def busy_message(limit: int) -> bytes:
    return f"The server is at its limit of {limit} connections; try again shortly. (rule: max-connections)\n".encode()


def raw_response(status: int, reason: bytes, body: bytes) -> bytes:
    """An HTTP/1.1 response written straight to the socket (before h11 has a request to answer).

    >>> raw_response(408, b"Request Timeout", b"late")[:40]
    b'HTTP/1.1 408 Request Timeout\\r\\ncontent-ty'
    """
    headers = [TEXT, CLOSE, (b"content-length", str(len(body)).encode())]
    head = b"HTTP/1.1 %d %s\r\n" % (status, reason) + b"".join(b"%s: %s\r\n" % pair for pair in headers)
    return head + b"\r\n" + body


class GuardedProtocol(H11Protocol):
    """uvicorn's h11 protocol with a head deadline, a body deadline and a connection limit (module doc)."""

    limits: ClassVar[Limits]

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.app = self.refuse_when_busy(self.app)
        self.waiting: Waiting | None = None
        self.deadline: asyncio.TimerHandle | None = None

    # --- the deadlines: armed for what the connection waits for, whatever the client sends meanwhile ---------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.follow()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self.follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self.follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self.wait_for(None)
        super().connection_lost(exc)

    def follow(self) -> None:
        """Arm the deadline of what the client owes now: a request head, a request body, or nothing."""
        if self.transport.is_closing():
            self.wait_for(None)
            return
        state = self.conn.their_state
        self.wait_for("head" if state is h11.IDLE else "body" if state is h11.SEND_BODY else None)

    def wait_for(self, waiting: Waiting | None) -> None:
        if waiting == self.waiting:
            return
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None
        self.waiting = waiting
        if waiting is not None:
            seconds = self.limits.header_timeout if waiting == "head" else self.limits.body_timeout
            self.deadline = self.loop.call_later(seconds, self.too_slow, waiting, seconds)

    def too_slow(self, waiting: Waiting, seconds: float) -> None:
        """The deadline passed: say so (408) if the client sent part of a request, and close the connection."""
        self.deadline = None
        if self.transport.is_closing():
            return
        message = timeout_message(waiting, seconds)
        cycle = self.cycle if waiting == "body" else None
        if waiting == "head" and self.conn.trailing_data[0]:
            self.transport.write(raw_response(408, b"Request Timeout", message))
        elif cycle is not None and not cycle.response_started:
            headers = [TEXT, CLOSE, (b"content-length", str(len(message)).encode())]
            for event in (h11.Response(status_code=408, headers=headers), h11.Data(data=message), h11.EndOfMessage()):
                self.transport.write(self.conn.send(event) or b"")
        if cycle is not None:  # the application reads a disconnect; its answer goes nowhere
            cycle.response_started = cycle.disconnected = True
            cycle.message_event.set()
        self.logger.warning("closed a connection from %s: %s", self.client, message.decode().strip())
        self.transport.close()

    # --- the connection limit -----------------------------------------------------------------------------

    def refuse_when_busy(self, app: Any) -> Any:
        connections, tasks, limits = self.connections, self.tasks, self.limits

        async def guarded(scope: Any, receive: Any, send: Any) -> None:
            if len(connections) > limits.max_connections or len(tasks) > limits.max_connections:
                body = busy_message(limits.max_connections)
                retry = (b"retry-after", str(limits.retry_after).encode())
                headers = [TEXT, CLOSE, retry, (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 503, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await app(scope, receive, send)

        return guarded


def protocol_for(limits: Limits) -> type[GuardedProtocol]:
    """``GuardedProtocol`` enforcing ``limits`` (uvicorn builds the protocol itself, one per connection)."""
    return type("GuardedProtocol", (GuardedProtocol,), {"limits": limits})


def uvicorn_config(app: Any, settings: Settings, *, log_level: str = "info") -> uvicorn.Config:
    """How ``migkg serve`` runs uvicorn: on ``settings.host``/``port``, with every connection limit set and
    without uvicorn's access log (``web.observability`` writes ours)."""
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        access_log=False,  # ours is JSON, written by web.observability
        http=protocol_for(Limits.of(settings)),
        timeout_keep_alive=settings.keep_alive_timeout,  # type: ignore[arg-type]  # a float works: call_later
        h11_max_incomplete_event_size=settings.max_header_bytes,
    )
