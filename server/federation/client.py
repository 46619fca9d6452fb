"""Our SERVICE client: one HTTP exchange with an allowlisted SPARQL endpoint, and its answer as VALUES.

httpcore (httpx's transport, no cookie jar, no redirects of its own, no proxy from the environment) with a
network backend that dials only addresses checked beforehand (``addresses``): the name is resolved once,
the addresses are judged, and the connection goes to those addresses, so a second DNS answer (rebinding)
cannot send it elsewhere. TLS still verifies the certificate against the host name.

The request is the SPARQL 1.1 Protocol's form-encoded POST (Virtuoso never answers an
``application/sparql-query`` POST), sent again as GET when the endpoint answers 405 or 501 to it, with
``Accept`` for SPARQL JSON or XML results and nothing of the client's request (no cookies, no
credentials). Redirects are followed (three at most) only to allowlisted origins, re-checked like the
first. The body is read as a stream and abandoned past ``max_bytes``; the caller bounds the whole
exchange in time.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, urlencode, urljoin, urlsplit

import anyio
import httpcore
import pyoxigraph as ox

from server import __version__, media
from server.federation import blocks
from server.federation.errors import ServiceFailed, ServiceRefused
from server.federation.origins import Origin, OriginError, is_dialable, is_public, origin_of

ACCEPT: Final = f"{media.SPARQL_JSON.media_type}, {media.SPARQL_XML.media_type};q=0.9"
USER_AGENT: Final = f"migkg/{__version__} (SPARQL federation)"
RESULT_FORMATS: Final = {
    media_type: fmt.results_format
    for fmt in (media.SPARQL_JSON, media.SPARQL_XML)
    for media_type in fmt.media_types
    if fmt.results_format is not None
}
MAX_REDIRECTS: Final = 3
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
_METHOD_REFUSED: Final = frozenset({405, 501})
_URL_SAFE: Final = "/%:@!$&'()*+,;=-._~"
_ERROR_SNIPPET: Final = 300
GET_LIMIT: Final = 8000  # longest GET target sent when an endpoint refuses POST


@dataclass(frozen=True)
class Limits:
    timeout: float
    max_bytes: int
    max_rows: int


async def addresses(endpoint: str, origin: Origin) -> list[str]:
    """The addresses to dial for an allowlisted origin.

    An address written in the origin is dialled as written (the operator named it); a name must resolve
    to public addresses only. ServiceRefused otherwise, before anything is sent; ServiceFailed when the
    name does not resolve.
    """
    written = origin.address
    if written is not None:
        if not is_dialable(written):
            raise ServiceRefused(f"<{endpoint}>", f"{written} is not an address a service can have")
        return [str(written)]
    try:
        found = await anyio.getaddrinfo(origin.host, origin.port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise ServiceFailed(endpoint, f"{origin.host} does not resolve ({error})") from None
    dialled = list(dict.fromkeys(str(info[4][0]) for info in found))
    for address in dialled:
        if not is_public(ipaddress.ip_address(address.partition("%")[0])):
            reason = (
                f"{origin.host} resolves to {address}, which is not a public address; allowlist a service on a "
                "private network or on this machine by its address (e.g. http://10.0.0.5:8890), not by a name"
            )
            raise ServiceRefused(f"<{endpoint}>", reason)
    return dialled


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Dials only the checked addresses of each host (``pins``); any other host is a connect error."""

    def __init__(self, pins: dict[str, list[str]]) -> None:
        self._pins = pins
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        error = httpcore.ConnectError(f"no checked address for {host}")
        for address in self._pins.get(host.strip("[]"), []):
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as failed:
                error = failed
        raise error

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@dataclass(frozen=True)
class Answer:
    content_type: str
    body: bytes


class Session:
    """One query's calls (an async context manager): a connection pool over ``PinnedBackend``, and the
    rule admitting redirect targets."""

    def __init__(self, pins: dict[str, list[str]], allowlist: frozenset[Origin], limits: Limits) -> None:
        self._pins, self._allowlist, self._limits = pins, allowlist, limits
        seconds = limits.timeout
        self._timeouts = {"connect": seconds, "read": seconds, "write": seconds, "pool": seconds}
        self._pool = httpcore.AsyncConnectionPool(network_backend=PinnedBackend(pins), retries=0)

    async def fetch(self, endpoint: str, query: str) -> Answer:
        """POST ``query`` to ``endpoint`` (GET if POST is refused), following allowlisted redirects."""
        url, method = endpoint, "POST"
        for _ in range(MAX_REDIRECTS + 2):  # the first request, the redirects, one retry as GET
            origin = await self._admit(endpoint, url)
            async with self._pool.stream(**self._request(endpoint, origin, url, method, query)) as response:
                status = response.status
                if status in _REDIRECTS and (location := _header(response, b"location")):
                    url, method = urljoin(url, location), method if status in (307, 308) else "GET"
                    continue
                if status in _METHOD_REFUSED and method == "POST":
                    method = "GET"
                    continue
                if not 200 <= status < 300:
                    snippet = await _read(response, _ERROR_SNIPPET, endpoint, truncate=True)
                    text = " ".join(snippet.decode("utf-8", "replace").split())
                    raise ServiceFailed(endpoint, f"it answered HTTP {status}: {text}")
                body = await _read(response, self._limits.max_bytes, endpoint)
                return Answer(_header(response, b"content-type"), body)
        raise ServiceFailed(endpoint, f"it redirected more than {MAX_REDIRECTS} times")

    async def _admit(self, endpoint: str, url: str) -> Origin:
        """The origin of ``url`` if it may be called, its addresses pinned; ServiceRefused otherwise."""
        try:
            origin = origin_of(url)
        except OriginError as error:
            raise ServiceRefused(f"<{endpoint}>", f"it redirected to {url}: {error}") from None
        if origin not in self._allowlist:
            raise ServiceRefused(f"<{endpoint}>", f"it redirected to {url}, whose origin {origin} is not allowlisted")
        if origin.host not in self._pins:
            self._pins[origin.host] = await addresses(endpoint, origin)
        return origin

    def _request(self, endpoint: str, origin: Origin, url: str, method: str, query: str) -> dict:
        target = request_target(url)
        headers = [
            (b"Host", origin.authority.encode("ascii")),
            (b"Accept", ACCEPT.encode()),
            (b"User-Agent", USER_AGENT.encode()),
        ]
        form = urlencode({"query": query})
        if method == "GET":
            target += ("&" if "?" in target else "?") + form
            if len(target) > GET_LIMIT:
                reason = f"it refused POST, and the query is too long for GET ({len(target)} bytes)"
                raise ServiceFailed(endpoint, reason)
            content = b""
        else:
            content = form.encode("ascii")
            headers += [(b"Content-Type", media.FORM.encode()), (b"Content-Length", str(len(content)).encode())]
        return {
            "method": method,
            "url": httpcore.URL(scheme=origin.scheme, host=origin.host, port=origin.port, target=target),
            "headers": headers,
            "content": content,
            "extensions": {"timeout": self._timeouts},
        }

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._pool.aclose()


def request_target(iri: str) -> str:
    """The path and query of ``iri`` as an HTTP request target (non-ASCII percent-encoded as UTF-8)."""
    parts = urlsplit(iri)
    target = quote(parts.path or "/", safe=_URL_SAFE)
    return target + ("?" + quote(parts.query, safe=_URL_SAFE + "?") if parts.query else "")


def _header(response: httpcore.Response, name: bytes) -> str:
    for key, value in response.headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


async def _read(response: httpcore.Response, limit: int, endpoint: str, truncate: bool = False) -> bytes:
    """The body, at most ``limit`` bytes: cut there (``truncate``) or ServiceFailed past it."""
    declared = _header(response, b"content-length")
    if not truncate and declared.isdigit() and int(declared) > limit:
        raise ServiceFailed(endpoint, f"its answer ({declared} bytes) is larger than the {limit} bytes accepted")
    chunks, size = [], 0
    async for chunk in response.aiter_stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            if truncate:
                break
            raise ServiceFailed(endpoint, f"its answer is larger than the {limit} bytes accepted")
    return b"".join(chunks)[:limit]


# --- the answer as VALUES (blocking: run it in a worker thread) ------------------------------------------


def values_from(answer: Answer, max_rows: int, base_iri: str, call_id: str) -> str:
    """The VALUES block holding the solutions of ``answer``; TermError when they cannot be used.

    Parsed by pyoxigraph (JSON or XML, by Content-Type) and written term by term in this thread: a
    ``QuerySolutions`` never leaves the thread that made it (DESIGN §5).
    """
    essence, _ = media.parse_media_type(answer.content_type)
    fmt = RESULT_FORMATS.get(essence)
    if fmt is None:
        raise blocks.TermError(f"it answered {essence or 'without a Content-Type'}, not SPARQL JSON or XML results")
    try:
        result = ox.parse_query_results(answer.body, format=fmt)
        if not isinstance(result, ox.QuerySolutions):
            raise blocks.TermError("it answered a boolean (ASK) result, not solutions")
        names = [variable.value for variable in result.variables]
        rows: list[list[str | None]] = []
        for row in result:
            if len(rows) == max_rows:
                raise blocks.TermError(f"it answered more than {max_rows} rows")
            rows.append([_term(row[index], base_iri, call_id) for index in range(len(names))])
    except SyntaxError as error:
        raise blocks.TermError(f"its answer is not valid SPARQL results: {error}") from None
    return blocks.values_clause(names, rows)


def _term(term: object, base_iri: str, call_id: str) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return blocks.iri(term.value)
    if isinstance(term, ox.Literal):
        return blocks.literal(term.value, term.language, term.datatype.value)
    if isinstance(term, ox.BlankNode):
        return blocks.skolem(base_iri, call_id, term.value)
    raise blocks.TermError(f"its answer holds a {type(term).__name__}, which VALUES cannot carry")
