"""A query's result serialized by pyoxigraph, cut at a number of rows (solutions or triples) and of bytes.

pyoxigraph serializes a whole result and cannot be told to stop after N solutions, nor make a result from a
list of them. So a capped result is first written in a line format, one row per line (TSV for solutions, with a
header line; N-Triples for triples; both escape line breaks inside terms) to a sink that stops the serializer
(by raising from ``write``) as soon as it holds one row more than allowed or more bytes than allowed: the query's
evaluation, which is lazy, stops there too. The complete lines that fit are parsed back by pyoxigraph and written
in the format asked for. A result that is still too large in that format loses rows in proportion until it fits.

A cut result says so: ``Truncation`` (the response header), and, in SPARQL JSON and XML, a link in the head to the
explanation (``head.link``, ``<link href>``), as both formats provide for.
"""

from __future__ import annotations

import json
from typing import IO, cast
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox

from server import media
from server.store.base import ResultLimits, Truncation

Result = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples

_JSON_HEAD = b'{"head":{'
_XML_HEAD_END = b"</head>"


class _Full(Exception):
    """The sink holds enough: stop serializing."""


class _LineSink:
    """A writable for pyoxigraph's serializers that keeps what it is given until it holds more than ``lines``
    line breaks or ``size`` bytes (``full``; the serializer is stopped by an exception, which pyoxigraph does not
    pass on from its last flush: ``full`` is what counts)."""

    def __init__(self, lines: int, size: int) -> None:
        self.chunks: list[bytes] = []
        self.lines = self.size = 0
        self.max_lines, self.max_size = lines, size
        self.full = False

    def write(self, data: bytes) -> int:
        if self.full:
            raise _Full()
        self.chunks.append(bytes(data))
        self.lines += data.count(b"\n")
        self.size += len(data)
        self.full = self.lines > self.max_lines or self.size > self.max_size
        if self.full:
            raise _Full()
        return len(data)

    def flush(self) -> None:
        pass


def serialize(result: Result, fmt: media.ResultFormat, limits: ResultLimits | None) -> tuple[bytes, Truncation | None]:
    """``result`` in ``fmt``, cut at ``limits`` (None: whole), and why it was cut (None: it was not)."""
    if limits is None or isinstance(result, ox.QueryBoolean):
        return _whole(result, fmt), None
    header = 1 if isinstance(result, ox.QuerySolutions) else 0
    sink = _LineSink(header + limits.rows, limits.bytes)
    output = cast(IO[bytes], sink)  # pyoxigraph needs only write() and flush()
    try:
        if isinstance(result, ox.QuerySolutions):
            result.serialize(output, format=ox.QueryResultsFormat.TSV)
        else:
            result.serialize(output, format=ox.RdfFormat.N_TRIPLES)
    except Exception:  # _Full, however pyoxigraph passes it on: the query's evaluation stops here too
        if not sink.full:
            raise
    lines = b"".join(sink.chunks)
    reason: str | None = None
    kept = lines.count(b"\n") - header
    if sink.full:
        reason = "rows" if sink.lines > header + limits.rows else "bytes"
        fitting = lines[: limits.bytes].count(b"\n") - header
        kept = limits.rows if reason == "rows" else max(0, min(limits.rows, fitting))
        lines = _first_lines(lines, header + kept)
    body = _convert(lines, header, fmt)
    while len(body) > limits.bytes and kept > 0:  # the format asked for is larger than the lines
        reason, kept = "bytes", max(0, min(kept - 1, kept * limits.bytes // len(body) - 1))
        body = _convert(_first_lines(lines, header + kept), header, fmt)
    if reason is None:
        return body, None
    truncation = Truncation("rows", limits.rows, kept) if reason == "rows" else Truncation("bytes", limits.bytes, kept)
    return link_explanation(body, fmt, limits.explanation), truncation


def _whole(result: Result, fmt: media.ResultFormat) -> bytes:
    if isinstance(result, ox.QueryTriples):
        assert fmt.rdf_format is not None
        body = result.serialize(format=fmt.rdf_format)
    else:
        assert fmt.results_format is not None
        body = result.serialize(format=fmt.results_format)
    assert body is not None  # no output given: bytes come back
    return body


def _first_lines(data: bytes, count: int) -> bytes:
    """The first ``count`` lines of ``data``, each with its line break."""
    end = 0
    for _ in range(count):
        end = data.index(b"\n", end) + 1
    return data[:end]


def _convert(lines: bytes, header: int, fmt: media.ResultFormat) -> bytes:
    """Solutions as TSV (``header`` 1) or triples as N-Triples, written in ``fmt``."""
    if header:
        assert fmt.results_format is not None
        if fmt.results_format == ox.QueryResultsFormat.TSV:
            return lines
        solutions = ox.parse_query_results(lines, format=ox.QueryResultsFormat.TSV)
        assert isinstance(solutions, ox.QuerySolutions)
        return _whole(solutions, fmt)
    assert fmt.rdf_format is not None
    if fmt.rdf_format == ox.RdfFormat.N_TRIPLES:
        return lines
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(lines, format=ox.RdfFormat.N_TRIPLES)]
    body = ox.serialize(triples, format=fmt.rdf_format)
    assert body is not None
    return body


def link_explanation(body: bytes, fmt: media.ResultFormat, explanation: str) -> bytes:
    """A SPARQL JSON or XML result with a link to ``explanation`` in its head (other formats have no place for one).

    >>> link_explanation(b'{"head":{"vars":["s"]},"results":{"bindings":[]}}', media.SPARQL_JSON, "/limits")
    b'{"head":{"link":["/limits"],"vars":["s"]},"results":{"bindings":[]}}'
    """
    if fmt.results_format == ox.QueryResultsFormat.JSON and body.startswith(_JSON_HEAD):
        rest = body[len(_JSON_HEAD) :]
        link = b'"link":' + json.dumps([explanation]).encode("utf-8") + (b"" if rest.startswith(b"}") else b",")
        return _JSON_HEAD + link + rest
    if fmt.results_format == ox.QueryResultsFormat.XML and _XML_HEAD_END in body:
        link = f"<link href={quoteattr(explanation)}/>".encode()
        return body.replace(_XML_HEAD_END, link + _XML_HEAD_END, 1)
    return body
