"""Content negotiation over ``server.media``: which representation a request asks for, and the responses that carry
the store's answers as they are.

Documents (``/doc/…``, ``/def``) negotiate HTML, Turtle, N-Triples, JSON-LD and RDF/XML, or take a
``.html``/``.ttl``/``.nt``/``.jsonld``/``.rdf`` suffix, advertising every variant with ``Link: rel="alternate"``;
their JSON-LD is compacted against the published ``@context``.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Sequence
from typing import IO, Any, Final
from urllib.parse import quote

import pyoxigraph as ox
import rdflib
from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from server import media, prefixes
from server.query_errors import warning_header
from server.store.base import NotAcceptable, QueryOutcome

TRUNCATED_HEADER: Final = "X-Migkg-Truncated"  # a result cut at a limit: "rows; limit=…; kept=…" (or "bytes; …")
CHUNK: Final = 64 * 1024  # bytes sent at a time from a spooled result

SUFFIXES: dict[str, media.ResultFormat | None] = {"html": None, **{f.suffix: f for f in media.DOCUMENT_FORMATS}}
CONTEXT: dict[str, Any] = {"@context": dict(prefixes.PREFIXES)}
PATH_SAFE: Final = "/!$&'()*+,;=:@-._~"  # RFC 3986 pchar and "/", less "%": kept as they are in a path


def accept_header(request: Request) -> str | None:
    """Every Accept header of the request as one value (a client may send several)."""
    values = request.headers.getlist("accept")
    return ", ".join(values) if values else None


def prefers_html(accept: str | None) -> bool:
    """Whether a request for the Service Description comes from a person: ``Accept`` ranks HTML above every
    description format. HTML is offered last, so ``*/*``, ``text/*`` and no ``Accept`` keep the description
    (Turtle); only a client naming ``text/html`` first (a browser) is sent to the query editor."""
    offered = [*media.offered(media.DESCRIPTION_FORMATS), media.HTML]
    return media.negotiate(accept, offered) == media.HTML


def choose_description(accept: str | None) -> str:
    """The media type of a description (Service Description, VoID) that ``accept`` asks for; 406 when none fits."""
    offered = media.offered(media.DESCRIPTION_FORMATS)
    chosen = media.negotiate(accept, offered)
    if chosen is None:
        raise NotAcceptable(offered)
    return chosen


def split_suffix(path: str) -> tuple[str, str | None]:
    """``event/x.ttl`` → (``event/x``, ``ttl``); a path without a known suffix is negotiated.

    >>> split_suffix("event/fibemyd-2008.ttl")
    ('event/fibemyd-2008', 'ttl')
    >>> split_suffix("event/fibemyd-2008.pdf")
    ('event/fibemyd-2008.pdf', None)
    """
    head, dot, ext = path.rpartition(".")
    if dot and ext in SUFFIXES and "/" not in ext:
        return head, ext
    return path, None


def path_url(path: str) -> str:
    """A path as a route received it (percent-decoded) as it goes back into a URL or a header: UTF-8
    percent-encoded, ``%`` and controls included, so a ``Location`` or ``Link`` never carries a raw byte.

    >>> path_url("place/año"), path_url("a b%c/\\x00")
    ('place/a%C3%B1o', 'a%20b%25c/%00')
    """
    return quote(path, safe=PATH_SAFE)


def choose(accept: str | None, suffix: str | None) -> media.ResultFormat | None:
    """The format asked for: by suffix, else by Accept (HTML first for browsers); None means HTML."""
    if suffix is not None:
        return SUFFIXES[suffix]
    offered = [media.HTML, *media.offered(media.DOCUMENT_FORMATS)]
    chosen = media.negotiate(accept, offered)
    if chosen is None:
        raise NotAcceptable(offered)
    return None if chosen == media.HTML else media.format_for(chosen, media.DOCUMENT_FORMATS)


def alternates(doc_url: str) -> str:
    links = [f'<{doc_url}.html>; rel="alternate"; type="{media.HTML}"']
    links += [f'<{doc_url}.{f.suffix}>; rel="alternate"; type="{f.media_type}"' for f in media.DOCUMENT_FORMATS]
    return ", ".join(links)


def serialize_document(ntriples: bytes, fmt: media.ResultFormat, context_url: str) -> bytes:
    """The entity's triples in ``fmt``; JSON-LD compacted against our published context (by URL)."""
    if fmt is media.JSON_LD:
        graph = rdflib.Graph().parse(data=ntriples, format="nt")
        compacted = json.loads(graph.serialize(format="json-ld", context=CONTEXT["@context"], auto_compact=True))
        compacted["@context"] = context_url
        return json.dumps(compacted, ensure_ascii=False, indent=2).encode("utf-8")
    assert fmt.rdf_format is not None
    triples = sorted(
        ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES), key=lambda t: (str(t.subject), str(t.predicate))
    )
    used = {
        str(term)[1:] for t in triples for term in (t.subject, t.predicate, t.object) if isinstance(term, ox.NamedNode)
    }
    chosen = {name: iri for name, iri in prefixes.PREFIXES.items() if any(u.startswith(iri) for u in used)}
    body = ox.serialize(triples, format=fmt.rdf_format, prefixes=chosen)
    assert body is not None
    return body


def document_response(ntriples: bytes, fmt: media.ResultFormat, context_url: str, headers: dict[str, str]) -> Response:
    body = serialize_document(ntriples, fmt, context_url)
    return Response(body, headers={**headers, "Content-Type": media.content_type(fmt.media_type)})


def result_headers(outcome: QueryOutcome, warnings: Sequence[str] = ()) -> dict[str, str]:
    """The headers of a query's answer: its media type, a ``Warning`` (``query_errors.warning_header``) when the
    query names something suspect, and ``TRUNCATED_HEADER`` when the result was cut at a limit."""
    headers = {"Content-Type": media.content_type(outcome.media_type), "Vary": "Accept"}
    if warnings:
        headers["Warning"] = warning_header(warnings)
    if outcome.truncated is not None:
        headers[TRUNCATED_HEADER] = outcome.truncated.header
    return headers


class SpooledResponse(StreamingResponse):
    """A body read from a file in chunks as the client takes them; the file is closed however the response ends
    (sent, failed, or the client gone)."""

    def __init__(self, body: IO[bytes], headers: dict[str, str]) -> None:
        self.file = body
        super().__init__(iter(functools.partial(body.read, CHUNK), b""), headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.file.close()


def spooled_response(outcome: QueryOutcome, body: IO[bytes], warnings: Sequence[str] = ()) -> Response:
    """The store's answer in ``body`` (a file, rewound; closed once sent): a small one sent at once, a large one in
    chunks, so the process never holds a large result in memory (``result_headers``)."""
    headers = result_headers(outcome, warnings)
    size = body.seek(0, io.SEEK_END)
    body.seek(0)
    if size <= CHUNK:
        with body:
            return Response(body.read(), headers=headers)
    return SpooledResponse(body, {**headers, "Content-Length": str(size)})


ERROR_TYPES: Final = (media.TEXT_PLAIN, media.JSON, media.SPARQL_JSON.media_type)


def error_type(accept: str | None) -> str:
    """How to explain a failed query: JSON to a client asking for JSON (SPARQL JSON results included), else plain
    text (curl's ``*/*``, a browser, no ``Accept`` at all, or a client asking only for CSV or XML).

    >>> error_type("*/*"), error_type("application/sparql-results+json,*/*;q=0.9"), error_type("text/csv")
    ('text/plain', 'application/json', 'text/plain')
    """
    chosen = media.negotiate(accept, ERROR_TYPES)
    return media.TEXT_PLAIN if chosen in (None, media.TEXT_PLAIN) else media.JSON
