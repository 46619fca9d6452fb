"""Which ``Host`` the service answers for, and the origin every URL it gives is built on.

Pages, the Service Description (``sd:endpoint``), VoID, ``Link`` and ``Location`` headers and the recipes name
the service by absolute URL, built by Starlette from the request's ``Host``. Echoing any ``Host`` lets a client
(or a cache in front of us, or a DNS-rebinding page) plant another host's name in what we publish. So:

- with ``MIGKG_PUBLIC_URL`` (``https://kg.example.org``) every URL is built on that origin, whatever ``Host``
  the request names (a reverse proxy may pass its own): the request's scheme and ``Host`` are replaced by it;
- without it, a request is answered only if its ``Host`` names the address it arrived on (the bound address, as
  the socket reports it: ``127.0.0.1`` for ``migkg serve``), a loopback name, or a host of
  ``MIGKG_ALLOWED_HOSTS``; any other ``Host`` gets ``400`` saying which setting to use. A ``Host`` naming the
  socket's own address or loopback can only come from a client that means this server, and a server reached
  under other names is deployed, where a public URL (or the list) is the operator's to give.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from server import media
from server.federation.origins import allowlist_origin, host_name

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def host_allowed(header: str | None, bound: str | None, allowed: Iterable[str]) -> bool:
    """Whether a request with this ``Host`` header is answered: none at all (HTTP/1.0: nothing to echo), or one
    naming the address it arrived on (``bound``), a loopback name, or an allowed host.

    >>> host_allowed("127.0.0.1:8000", "127.0.0.1", []), host_allowed("localhost", "10.0.0.5", [])
    (True, True)
    >>> host_allowed(None, None, [])
    True
    >>> host_allowed("evil.example", "127.0.0.1", []), host_allowed("kg.example.org", "10.0.0.5", ["kg.example.org"])
    (False, True)
    >>> host_allowed("127.0.0.1 evil", "127.0.0.1", [])
    False
    """
    if header is None:
        return True
    host = host_name(header)
    return bool(host) and (host == (bound or "").lower() or host in LOOPBACK or host in allowed)


def refusal(host: str) -> bytes:
    return (
        f"This server does not answer for the host {host!r} (the Host header). Set MIGKG_PUBLIC_URL to the "
        "address the service is published at, or add the host to MIGKG_ALLOWED_HOSTS. (rule: host)\n"
    ).encode()


class Hosts:
    """Rewrites every request to the public origin, or refuses a ``Host`` it does not know (module doc)."""

    def __init__(self, app: ASGIApp, public_url: str | None, allowed_hosts: Iterable[str]) -> None:
        self.app, self.allowed = app, frozenset(allowed_hosts)
        self.public = allowlist_origin(public_url) if public_url else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.public is not None:
            headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
            scope = {
                **scope,
                "scheme": self.public.scheme,
                "server": (self.public.host, self.public.port),
                "headers": [(b"host", self.public.authority.encode()), *headers],
            }
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host")
        server = scope.get("server")
        if host_allowed(host, server[0] if server else None, self.allowed):
            await self.app(scope, receive, send)
            return
        body = refusal(host or "")
        headers = [(b"content-type", media.content_type(media.TEXT_PLAIN).encode())]
        await send({"type": "http.response.start", "status": 400, "headers": headers})
        await send({"type": "http.response.body", "body": body})
