"""The single table of media types, and content negotiation over it.

Nothing else in the package types a media-type string: request bodies, result formats, error bodies and
the Service Description all take theirs from here.

A result format says which query forms it serves (``solutions`` for SELECT, ``boolean`` for ASK,
``graph`` for CONSTRUCT/DESCRIBE). An alias (``application/json``, ``application/xml``…) is offered after
every canonical type, so it only wins when the client names it; the response then carries the type the
client asked for. ``negotiate`` is a pure function over RFC 9110 ``Accept`` (q-values, specificity,
``q=0`` excludes) whose ties go to the server's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from pyoxigraph import QueryResultsFormat, RdfFormat

from server import prefixes

QueryForm = Literal["solutions", "boolean", "graph"]

# Media types of requests and of non-RDF responses.
FORM: Final = "application/x-www-form-urlencoded"
SPARQL_QUERY: Final = "application/sparql-query"
SPARQL_UPDATE: Final = "application/sparql-update"
TEXT_PLAIN: Final = "text/plain"
HTML: Final = "text/html"
JSON_LD_CONTEXT_PATH: Final = "/context.jsonld"
JSON: Final = "application/json"
CSV: Final = "text/csv"
UTF8: Final = "utf-8"


@dataclass(frozen=True)
class ResultFormat:
    """One serialization: its media types, names, and how pyoxigraph writes it."""

    name: str
    media_type: str
    suffix: str
    iri: str
    forms: frozenset[QueryForm]
    aliases: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    textual: bool = True
    results_format: QueryResultsFormat | None = None
    rdf_format: RdfFormat | None = None

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)

    @property
    def format_keys(self) -> tuple[str, ...]:
        """Values of the ``format=`` parameter that select this format (suffix first)."""
        return (self.suffix, *self.keys)


_RESULTS: Final = frozenset[QueryForm]({"solutions", "boolean"})
_SOLUTIONS: Final = frozenset[QueryForm]({"solutions"})
_GRAPH: Final = frozenset[QueryForm]({"graph"})
_XML_ALIASES: Final = ("application/xml", "text/xml")

SPARQL_JSON: Final = ResultFormat(
    "SPARQL Results JSON",
    "application/sparql-results+json",
    "srj",
    prefixes.FORMATS + "SPARQL_Results_JSON",
    _RESULTS,
    aliases=(JSON,),
    keys=("json",),
    results_format=QueryResultsFormat.JSON,
)
SPARQL_XML: Final = ResultFormat(
    "SPARQL Results XML",
    "application/sparql-results+xml",
    "srx",
    prefixes.FORMATS + "SPARQL_Results_XML",
    _RESULTS,
    aliases=_XML_ALIASES,
    keys=("xml",),
    results_format=QueryResultsFormat.XML,
)
SPARQL_CSV: Final = ResultFormat(
    "SPARQL Results CSV",
    CSV,
    "csv",
    prefixes.FORMATS + "SPARQL_Results_CSV",
    _SOLUTIONS,
    results_format=QueryResultsFormat.CSV,
)
SPARQL_TSV: Final = ResultFormat(
    "SPARQL Results TSV",
    "text/tab-separated-values",
    "tsv",
    prefixes.FORMATS + "SPARQL_Results_TSV",
    _SOLUTIONS,
    results_format=QueryResultsFormat.TSV,
)
TURTLE: Final = ResultFormat(
    "Turtle",
    "text/turtle",
    "ttl",
    prefixes.FORMATS + "Turtle",
    _GRAPH,
    keys=("turtle",),
    rdf_format=RdfFormat.TURTLE,
)
N_TRIPLES: Final = ResultFormat(
    "N-Triples",
    "application/n-triples",
    "nt",
    prefixes.FORMATS + "N-Triples",
    _GRAPH,
    keys=("ntriples",),
    rdf_format=RdfFormat.N_TRIPLES,
)
N_QUADS: Final = ResultFormat(
    "N-Quads",
    "application/n-quads",
    "nq",
    prefixes.FORMATS + "N-Quads",
    _GRAPH,
    keys=("nquads",),
    rdf_format=RdfFormat.N_QUADS,
)
TRIG: Final = ResultFormat(
    "TriG",
    "application/trig",
    "trig",
    prefixes.FORMATS + "TriG",
    _GRAPH,
    aliases=("application/x-trig",),
    rdf_format=RdfFormat.TRIG,
)
JSON_LD: Final = ResultFormat(
    "JSON-LD",
    "application/ld+json",
    "jsonld",
    prefixes.FORMATS + "JSON-LD",
    _GRAPH,
    aliases=(JSON,),
    keys=("json",),
    rdf_format=RdfFormat.JSON_LD,
)
RDF_XML: Final = ResultFormat(
    "RDF/XML",
    "application/rdf+xml",
    "rdf",
    prefixes.FORMATS + "RDF_XML",
    _GRAPH,
    aliases=_XML_ALIASES,
    keys=("xml", "rdfxml"),
    rdf_format=RdfFormat.RDF_XML,
)

# Every result format, in the server's order of preference (the first one serving a form is its default).
FORMATS: Final = (
    SPARQL_JSON,
    SPARQL_XML,
    SPARQL_CSV,
    SPARQL_TSV,
    TURTLE,
    N_TRIPLES,
    N_QUADS,
    TRIG,
    JSON_LD,
    RDF_XML,
)
# What the Service Description and VoID are offered in (Turtle by default).
DESCRIPTION_FORMATS: Final = (TURTLE, RDF_XML, JSON_LD, N_TRIPLES)
# What an entity's /doc/ page is offered in besides HTML (HTML first, for browsers sending */*).
DOCUMENT_FORMATS: Final = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML)
# What a partner may upload as a graph's content (Content-Type, canonical or alias; TriG and N-Quads with one graph).
UPLOAD_FORMATS: Final = (TURTLE, N_TRIPLES, N_QUADS, TRIG, JSON_LD, RDF_XML)
# What a partner write's SHACL report is offered in: Turtle by default, JSON-LD for clients asking for JSON.
REPORT_FORMATS: Final = (TURTLE, JSON_LD)
# What a page with data (/search, /browse, /commitments, /matrix) is offered in, by suffix (``/search.json``, as
# ``/doc/…`` takes ``.ttl``): HTML first, for browsers and ``*/*``; JSON; CSV where the data is a table.
PAGE_TYPES: Final = {"html": HTML, "json": JSON, "csv": CSV}
# Content-Encoding of an upload: gzip, or none.
GZIP: Final = "gzip"
IDENTITY: Final = "identity"


def formats_for(form: QueryForm) -> tuple[ResultFormat, ...]:
    """The formats that can serialize a result of ``form``, in preference order."""
    return tuple(f for f in FORMATS if form in f.forms)


def offered(formats: Sequence[ResultFormat]) -> list[str]:
    """Media types to negotiate over: every canonical type first, then the aliases, without repeats."""
    canonical = [f.media_type for f in formats]
    aliases = [a for f in formats for a in f.aliases if a not in canonical]
    return list(dict.fromkeys(canonical + aliases))


def format_for(media_type: str, formats: Sequence[ResultFormat]) -> ResultFormat:
    """The first of ``formats`` answering to ``media_type`` (canonical or alias)."""
    media_type = media_type.lower()
    for f in formats:
        if media_type in f.media_types:
            return f
    raise KeyError(media_type)


def content_type(media_type: str) -> str:
    """The ``Content-Type`` header for a response in ``media_type`` (``charset=utf-8`` when textual).

    >>> content_type("text/turtle"), content_type("application/octet-stream")
    ('text/turtle; charset=utf-8', 'application/octet-stream')
    """
    textual = media_type.startswith("text/") or any(media_type in f.media_types and f.textual for f in FORMATS)
    return f"{media_type}; charset={UTF8}" if textual else media_type


def accept_for_format(value: str) -> str | None:
    """The ``Accept`` value that a ``format=`` parameter stands for, or ``None`` if it names no format.

    ``value`` is a suffix or short name (``json``, ``ttl``, ``csv``…) or a media type. A name shared by
    several formats (``json``: SPARQL JSON for results, JSON-LD for graphs) expands to all of them; the
    query form then picks one.

    >>> accept_for_format("json")
    'application/sparql-results+json, application/ld+json'
    >>> accept_for_format("TTL"), accept_for_format("image/png")
    ('text/turtle', None)
    """
    value = value.strip().lower()
    if "/" in value:
        known = any(value == m for f in FORMATS for m in f.media_types)
        return value if known else None
    types = [f.media_type for f in FORMATS if value in f.format_keys]
    return ", ".join(types) if types else None


# --- Accept parsing (RFC 9110 §12.5.1) -----------------------------------------------------------------


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    charset: str | None = None

    @property
    def specificity(self) -> int:
        """2 for ``type/subtype``, 1 for ``type/*``, 0 for ``*/*``."""
        return 0 if self.type == "*" else 1 if self.subtype == "*" else 2

    def matches(self, media_type: str) -> bool:
        kind, _, sub = media_type.partition("/")
        if self.charset not in (None, UTF8):
            return False  # every representation here is UTF-8
        return self.type == "*" or (self.type == kind and self.subtype in ("*", sub))


def parse_media_type(value: str) -> tuple[str, dict[str, str]]:
    """A media type's essence, lower-cased, and its parameters.

    >>> parse_media_type('Text/Turtle; charset="UTF-8"')
    ('text/turtle', {'charset': 'UTF-8'})
    """
    essence, *raw_params = value.split(";")
    params: dict[str, str] = {}
    for raw in raw_params:
        name, sep, val = raw.partition("=")
        if sep:
            params[name.strip().lower()] = val.strip().strip('"')
    return essence.strip().lower(), params


def _parse_range(item: str) -> MediaRange | None:
    essence, params = parse_media_type(item)
    if essence == "*":
        essence = "*/*"  # sent by some old clients (Java's URLConnection)
    kind, slash, sub = essence.partition("/")
    if not (slash and kind and sub) or (kind == "*" and sub != "*") or any(c.isspace() for c in essence):
        return None
    try:
        q = float(params.get("q", "1"))
    except ValueError:
        return None
    if not 0.0 <= q <= 1.0:  # also rejects nan
        return None
    charset = params.get("charset")
    return MediaRange(kind, sub, q, charset.lower() if charset else None)


def parse_accept(accept: str | None) -> list[MediaRange]:
    """The valid media ranges of an ``Accept`` value; malformed members are skipped."""
    if not accept:
        return []
    return [r for item in accept.split(",") if item.strip() for r in [_parse_range(item)] if r is not None]


def quality(ranges: Sequence[MediaRange], media_type: str) -> tuple[float, int]:
    """``(q, specificity)`` of the most specific range matching ``media_type``; ``(0, -1)`` if none does."""
    matching = [r for r in ranges if r.matches(media_type)]
    if not matching:
        return 0.0, -1
    best = max(matching, key=lambda r: r.specificity)
    return best.q, best.specificity


def negotiate(accept: str | None, offered: Sequence[str]) -> str | None:
    """The member of ``offered`` the client prefers, or ``None`` when none is acceptable.

    No ``Accept`` (or one with no valid member, which RFC 9110 lets a server disregard) means anything:
    the first offered type. Otherwise each offered type takes the q-value of the most specific range
    matching it; ``q=0`` excludes it. The highest q wins, then the more specific match (``text/turtle``
    beats ``*/*`` at equal q), then the server's order.

    >>> offered = ["text/turtle", "application/n-triples", "application/ld+json"]
    >>> negotiate(None, offered), negotiate("*/*, application/ld+json", offered)
    ('text/turtle', 'application/ld+json')
    >>> negotiate("text/turtle;q=0.5, application/*", offered)
    'application/n-triples'
    >>> negotiate("text/turtle;q=0, text/*", offered) is None
    True
    """
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0] if offered else None
    best: tuple[float, int, int] | None = None
    chosen: str | None = None
    for position, media_type in enumerate(offered):
        q, specificity = quality(ranges, media_type.lower())
        if q <= 0.0:
            continue
        score = (q, specificity, -position)
        if best is None or score > best:
            best, chosen = score, media_type
    return chosen


def choose_result(accept: str | None, form: QueryForm) -> str | None:
    """The media type to give a query result of ``form`` in, as ``accept`` asks; None when nothing fits (406).

    A graph result (CONSTRUCT, DESCRIBE) asked for with result-set types only (``Accept:
    application/sparql-results+json``, which rdflib's ``SPARQLStore(returnFormat="json")`` sends for every query)
    comes in the default RDF format, Turtle, as Virtuoso answers it: such a client asks for whatever the query
    gives, in a form it cannot know before it sees the answer. Anything else nothing fits is still 406.

    >>> choose_result("application/sparql-results+json", "graph"), choose_result("text/csv", "solutions")
    ('text/turtle', 'text/csv')
    >>> choose_result("image/png", "graph") is None, choose_result("text/csv", "boolean") is None
    (True, True)
    """
    formats = formats_for(form)
    chosen = negotiate(accept, offered(formats))
    if chosen is None and form == "graph" and names_result_set_type(accept):
        return formats[0].media_type
    return chosen


def names_result_set_type(accept: str | None) -> bool:
    """Whether ``accept`` names a SPARQL result-set type (SELECT/ASK: JSON, XML, CSV, TSV) it accepts."""
    result_types = offered(formats_for("solutions"))
    return any(r.q > 0 and r.specificity == 2 and any(r.matches(t) for t in result_types) for r in parse_accept(accept))
