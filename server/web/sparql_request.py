"""The SPARQL 1.1 Protocol's query and update operations, read from an HTTP request: pure functions over its
parts, and ``read_body``, which reads the body up to a limit. The endpoint and the query editor both read
queries so.

Three forms (Protocol §2.1): GET with ``query`` in the URL; POST ``application/x-www-form-urlencoded``
with ``query`` in the body; POST ``application/sparql-query`` with the query as the body. Protocol
parameters (``default-graph-uri``, ``named-graph-uri``, repeatable) are read from the URL and, for a
form POST, from the body too: a parameter sent in the "wrong" place is used rather than silently dropped.
``format`` (not part of the Protocol) overrides ``Accept`` when it names a format.

Updates (Protocol §2.2) come by POST only: form ``update=`` or ``application/sparql-update``, with
``using-graph-uri`` / ``using-named-graph-uri`` (repeatable) in the URL or the form. ``from_post`` gives them
as an ``UpdateOperation``; who may send one is the endpoint's business (``auth.updater``). An update sent as a
query (``query=INSERT …``, or in a GET) is ``UpdateForbidden`` (403).

Everything is decoded as strict UTF-8; anything malformed is a ``BadRequest`` (400). A token sent as a form
parameter is refused (``auth.refuse_token_params``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import parse_qsl

import pyoxigraph as ox
from starlette.requests import Request

from server import media
from server.store.base import Dataset, UpdateForbidden
from server.web.auth import refuse_token_params
from server.web.errors import BadRequest

MAX_FIELDS = 1000
UPDATE_BY_GET = (
    "SPARQL Update is sent with POST (a form with 'update=', or Content-Type application/sparql-update), never "
    "with GET (SPARQL 1.1 Protocol §2.2)."
)


Params = dict[str, list[str]]


@dataclass(frozen=True)
class QueryRequest:
    query: str
    dataset: Dataset | None = None
    accept: str | None = None  # from ``format=``; None: use the Accept header


@dataclass(frozen=True)
class UpdateOperation:
    """A SPARQL Update request: the update text and its Protocol dataset parameters (absolute IRIs)."""

    update: str
    using: tuple[str, ...] = ()
    using_named: tuple[str, ...] = ()


def parse_params(raw: bytes, where: str = "URL") -> Params:
    """Form or URL parameters, each name with its values in order; bytes that are not UTF-8 are refused.

    >>> parse_params(b"a=1&b=2&a=3")
    {'a': ['1', '3'], 'b': ['2']}
    >>> parse_params(b"query=ASK%20%7B%7D&default-graph-uri=")
    {'query': ['ASK {}'], 'default-graph-uri': ['']}
    >>> try:
    ...     parse_params(b"query=%E9", where="body")
    ... except BadRequest as error:
    ...     print(error)
    The body parameters are not valid UTF-8 (percent-encode UTF-8 bytes).
    """
    try:
        pairs = parse_qsl(
            raw.decode("utf-8"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise BadRequest(f"The {where} parameters are not valid UTF-8 (percent-encode UTF-8 bytes).") from None
    except ValueError:
        raise BadRequest(f"Too many {where} parameters (at most {MAX_FIELDS}).") from None
    params: defaultdict[str, list[str]] = defaultdict(list)
    for name, value in pairs:
        params[name].append(value)
    return dict(params)


def merge(*sources: Params) -> Params:
    merged: defaultdict[str, list[str]] = defaultdict(list)
    for source in sources:
        for name, values in source.items():
            merged[name].extend(values)
    return dict(merged)


def wants_description(params: Params) -> bool:
    """A GET without ``query`` (or ``update``) asks for the Service Description."""
    return "query" not in params and "update" not in params


def describe_accept(params: Params) -> str | None:
    """The ``format=`` override of a Service Description request (None: use Accept)."""
    return _format_accept(params)


def from_params(params: Params, max_bytes: int) -> QueryRequest:
    """A query operation from GET or form parameters."""
    if "update" in params:
        raise UpdateForbidden()
    queries = params.get("query", [])
    if not queries:
        raise BadRequest("Missing the 'query' parameter.")
    if len(queries) > 1:
        raise BadRequest(f"Exactly one 'query' parameter is allowed; got {len(queries)}.")
    return QueryRequest(_check_query(queries[0], max_bytes), _dataset(params), _format_accept(params))


def from_post(
    content_type: str | None, body: bytes, url_params: Params, max_bytes: int
) -> QueryRequest | UpdateOperation:
    """A query or update operation from a POST: the Content-Type says where the operation is."""
    essence, type_params = media.parse_media_type(content_type or "")
    charset = type_params.get("charset", media.UTF8).lower()
    if essence == media.FORM:
        body_params = parse_params(body, "body")
        refuse_token_params(body_params.keys(), "form body")
        params = merge(url_params, body_params)
        return update_from_params(params, max_bytes) if "update" in params else from_params(params, max_bytes)
    if essence not in (media.SPARQL_QUERY, media.SPARQL_UPDATE):
        got = f"Content-Type {content_type!r}" if content_type else "no Content-Type"
        raise BadRequest(
            f"A SPARQL POST needs Content-Type {media.FORM}, {media.SPARQL_QUERY} or {media.SPARQL_UPDATE}; got {got}."
        )
    if essence == media.SPARQL_QUERY and "update" in url_params:
        raise UpdateForbidden()
    if charset not in (media.UTF8, "utf8"):
        raise BadRequest(f"A {essence} body must be UTF-8; got charset={charset}.")
    operation = "update" if essence == media.SPARQL_UPDATE else "query"
    if operation in url_params:
        raise BadRequest(f"The {operation} is the {essence} body; do not also send '{operation}' in the URL.")
    try:
        text = body.decode("utf-8-sig")  # a leading byte-order mark is dropped
    except UnicodeDecodeError as error:
        raise BadRequest(f"The {operation} body is not valid UTF-8 (byte {error.start}).") from None
    if operation == "update":
        return UpdateOperation(_check_query(text, max_bytes, "update"), *_using(url_params))
    return QueryRequest(_check_query(text, max_bytes), _dataset(url_params), _format_accept(url_params))


def update_from_params(params: Params, max_bytes: int) -> UpdateOperation:
    """An update operation from form parameters (URL and body merged)."""
    updates = params.get("update", [])
    if len(updates) != 1:
        raise BadRequest(f"Exactly one 'update' parameter is allowed; got {len(updates)}.")
    if "query" in params:
        raise BadRequest("A request is a query or an update: send 'query' or 'update', not both.")
    return UpdateOperation(_check_query(updates[0], max_bytes, "update"), *_using(params))


def _using(params: Params) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``using-graph-uri`` and ``using-named-graph-uri``, each an absolute IRI."""
    found = []
    for name in ("using-graph-uri", "using-named-graph-uri"):
        for iri in params.get(name, []):
            try:
                ox.NamedNode(iri)
            except ValueError as error:
                raise BadRequest(f"Invalid {name} {iri!r}: {error}.") from None
        found.append(tuple(params.get(name, [])))
    return found[0], found[1]


def _check_query(text: str, max_bytes: int, operation: str = "query") -> str:
    if not text.strip():
        raise BadRequest(f"The {operation} is empty.")
    if len(text.encode("utf-8")) > max_bytes:
        raise BadRequest(f"The {operation} is longer than the {max_bytes} bytes this endpoint accepts.", 413)
    return text


def _dataset(params: Params) -> Dataset | None:
    default, named = params.get("default-graph-uri", []), params.get("named-graph-uri", [])
    if not default and not named:
        return None
    return Dataset(tuple(default), tuple(named))


def _format_accept(params: Params) -> str | None:
    """The Accept value ``format=`` stands for; None leaves the choice to the Accept header.

    Lenient on purpose: clients such as SPARQLWrapper send ``format`` (and ``output``, ``results``) with
    values meant for other servers, sometimes twice (``format=tsv&format=text/tab-separated-values``).
    Every value naming a format counts, in order; the others are ignored rather than refused.
    """
    known = [accept for value in params.get("format", []) if (accept := media.accept_for_format(value))]
    return ", ".join(known) if known else None


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) one longer than ``limit`` bytes before reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BadRequest(f"The request body is larger than {limit} bytes.", 413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest(f"The request body is larger than {limit} bytes.", 413)
        chunks.append(chunk)
    return b"".join(chunks)
