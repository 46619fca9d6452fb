"""A partner's upload, from request bytes to the triples of one graph, with errors a client can act on.

Accepted: Turtle, N-Triples, RDF/XML, JSON-LD, and N-Quads or TriG holding one graph (the default graph or the
graph the request names: the URL decides where the triples go), optionally gzip-compressed
(``Content-Encoding: gzip``). Media types come from ``server.media.UPLOAD_FORMATS``.

pyoxigraph parses, keeping literals exactly as written (a Store would normalise them, which is why the gate
validates these triples, not a store's copy), renaming blank nodes to fresh ids (so graphs never share one)
and never fetching anything (a JSON-LD ``@context`` URL is refused, not loaded). Syntax errors carry the
parser's line and column; for RDF/XML and JSON-LD, whose pyoxigraph errors carry none, the position of a
well-formedness error comes from expat and ``json``. RDF 1.2 triple terms are refused: the gate's SHACL
engine and reasoner do not read them.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from typing import Final
from xml.parsers import expat

import pyoxigraph as ox

from server import media

MAX_BYTES: Final = 64 * 1024 * 1024  # an upload, decompressed
_CHUNK: Final = 1024 * 1024
_TEXT_CHARSETS: Final = {"utf-8", "utf8", "us-ascii"}


class UploadError(ValueError):
    """An upload that cannot be read: ``status`` is the HTTP status (400, 413, 415), ``str()`` the message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)
        self.status, self.message = status, message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Upload:
    """The triples of one graph as sent, the format they came in and the SHA-256 of the representation
    (the body after its Content-Encoding is removed: the bytes of the file the partner sent)."""

    triples: tuple[ox.Triple, ...]
    media_type: str
    sha256: str
    size: int


def upload_format(content_type: str | None) -> media.ResultFormat:
    """The upload format a ``Content-Type`` names, or 415 listing the accepted ones."""
    accepted = ", ".join(media.offered(media.UPLOAD_FORMATS))
    if not content_type:
        raise UploadError(415, f"A Content-Type is required; accepted: {accepted}.")
    essence, params = media.parse_media_type(content_type)
    try:
        fmt = media.format_for(essence, media.UPLOAD_FORMATS)
    except KeyError:
        raise UploadError(415, f"Unsupported Content-Type {essence!r}; accepted: {accepted}.") from None
    charset = params.get("charset", "").lower()
    if charset and charset not in _TEXT_CHARSETS:
        raise UploadError(415, f"Unsupported charset {charset!r}: RDF uploads are read as UTF-8.")
    return fmt


def decode(body: bytes, content_encoding: str | None, max_bytes: int = MAX_BYTES) -> bytes:
    """The body without its Content-Encoding (gzip or none), refusing more than ``max_bytes`` once decoded."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    codings = [c for c in codings if c != media.IDENTITY]
    if not codings:
        data = body
    elif codings == [media.GZIP]:
        data = _gunzip(body, max_bytes)
    else:
        raise UploadError(415, f"Unsupported Content-Encoding {content_encoding!r}; use gzip or none.")
    if len(data) > max_bytes:
        raise UploadError(413, f"The upload is larger than {max_bytes} bytes.")
    return data


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    """gunzip (every member) without ever holding more than ``max_bytes`` plus one chunk: a bomb stays small."""
    out = bytearray()
    pending = body
    try:
        while pending:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            while not inflater.eof:
                chunk = inflater.decompress(pending, _CHUNK)
                out += chunk
                if len(out) > max_bytes:
                    raise UploadError(413, f"The upload is larger than {max_bytes} bytes once decompressed.")
                pending = inflater.unconsumed_tail
                if not chunk and not pending:
                    raise UploadError(400, "The gzip body is truncated.")
            pending = inflater.unused_data
    except zlib.error as e:
        raise UploadError(400, f"The body is not valid gzip: {e}.") from None
    return bytes(out)


def parse_upload(
    body: bytes,
    content_type: str | None,
    graph: str,
    *,
    content_encoding: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> Upload:
    """The triples ``body`` holds for ``graph`` (also the base IRI of relative IRIs), or an UploadError."""
    fmt = upload_format(content_type)
    data = decode(body, content_encoding, max_bytes)
    assert fmt.rdf_format is not None
    try:
        quads = list(ox.parse(data, format=fmt.rdf_format, base_iri=graph, rename_blank_nodes=True))
    except SyntaxError as e:
        raise UploadError(400, f"The {fmt.name} body does not parse: {_position(e, data, fmt)}") from None
    triples = tuple(_triples(quads, graph, fmt))
    return Upload(triples, fmt.media_type, hashlib.sha256(data).hexdigest(), len(data))


def _triples(quads: list[ox.Quad], graph: str, fmt: media.ResultFormat) -> list[ox.Triple]:
    names = {q.graph_name for q in quads}
    named = sorted(n.value for n in names if not isinstance(n, ox.DefaultGraph))
    if len(names) > 1:
        listed = ["the default graph"] * (len(names) - len(named)) + [f"<{n}>" for n in named]
        raise UploadError(
            400,
            f"The {fmt.name} body holds {len(names)} graphs ({', '.join(listed)}); send exactly one graph per "
            "request (the request's URL names the graph it is written to).",
        )
    if named and named != [graph]:
        raise UploadError(
            400,
            f"The {fmt.name} body puts its triples in graph <{named[0]}>, but the request writes <{graph}>; "
            "send the triples in the default graph (or in that graph).",
        )
    for q in quads:
        if any(isinstance(term, ox.Triple) for term in (q.subject, q.object)):
            raise UploadError(
                400, f"RDF 1.2 triple terms are not accepted (in: {q.triple}); state the triples as RDF 1.1."
            )
    return [q.triple for q in quads]


def _position(error: SyntaxError, data: bytes, fmt: media.ResultFormat) -> str:
    """The parser's message, with a line and column where pyoxigraph gave none and the syntax locates one."""
    message = str(error.msg) if error.msg else str(error)
    if "LoadDocumentCallback" in message:
        return "a remote JSON-LD @context is never fetched by this server; put the context inline in the document."
    if error.lineno is not None:
        return message if "line" in message else f"line {error.lineno}, column {error.offset}: {message}"
    located = _locate_json(data) if fmt.rdf_format == ox.RdfFormat.JSON_LD else None
    if fmt.rdf_format == ox.RdfFormat.RDF_XML:
        located = _locate_xml(data)
    return f"{located}: {message}" if located else message


def _locate_json(data: bytes) -> str | None:
    try:
        json.loads(data)
    except json.JSONDecodeError as e:
        return f"line {e.lineno}, column {e.colno} ({e.msg})"
    except UnicodeDecodeError as e:
        return f"byte {e.start} (not UTF-8)"
    return None


def _locate_xml(data: bytes) -> str | None:
    parser = expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except expat.ExpatError as e:
        return f"line {e.lineno}, column {e.offset + 1} ({expat.ErrorString(e.code)})"
    return None
