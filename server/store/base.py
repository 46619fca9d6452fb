"""The Store protocol: what the web layer and the CLI ask of a SPARQL store, and how it fails.

Every exception carries only picklable constructor arguments (``args`` is exactly what ``__init__``
takes), so a worker process can raise one and the parent re-raise it unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Literal, Protocol, runtime_checkable

from server.media import QueryForm


@dataclass(frozen=True)
class Dataset:
    """An RDF dataset given by the protocol (``default-graph-uri``/``named-graph-uri``).

    ``None`` keeps the store's own: the union of all graphs as default graph, every named graph
    available to ``GRAPH``. An empty tuple means none: a protocol dataset replaces the union exactly.
    """

    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ResultLimits:
    """The most solutions (or triples) and bytes a client's result may carry; ``explanation`` is the IRI a cut
    result links to (SPARQL JSON ``head.link``, XML ``<link>``) to say why it is incomplete."""

    rows: int
    bytes: int
    explanation: str


@dataclass(frozen=True)
class Truncation:
    """Why a result was cut: the limit it reached (``rows`` or ``bytes``), that limit, and the rows it kept."""

    reason: Literal["rows", "bytes"]
    limit: int
    kept: int

    @property
    def header(self) -> str:
        """The value of the response header that says so, e.g. ``rows; limit=10000; kept=10000``."""
        return f"{self.reason}; limit={self.limit}; kept={self.kept}"


@dataclass(frozen=True)
class QueryOutcome:
    """A serialized result: the query form, the negotiated media type (no parameters) and the bytes, with why it was
    cut short if it was (``truncated``; only when the query was asked with ``ResultLimits``)."""

    kind: QueryForm
    media_type: str
    body: bytes
    truncated: Truncation | None = None


class StoreError(Exception):
    """Base of the errors a store reports; ``str()`` is a message for the client. ``error_type`` names the limit a
    query ran into (the ``type`` of the JSON error a client asking for JSON gets), None for other failures."""

    error_type: str | None = None


class QuerySyntaxError(StoreError):
    """The query does not parse; the message is the parser's."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"Malformed query: {self.message}"


class UnsupportedQuery(StoreError):
    """The query parses but asks for something this service does not do (e.g. SERVICE)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidDataset(StoreError):
    """A ``default-graph-uri`` or ``named-graph-uri`` that is not an absolute IRI."""

    def __init__(self, iri: str, reason: str) -> None:
        super().__init__(iri, reason)
        self.iri, self.reason = iri, reason

    def __str__(self) -> str:
        return f"Invalid graph IRI {self.iri!r} in the dataset: {self.reason}"


class NotAcceptable(StoreError):
    """No offered media type fits the ``Accept`` header for this query form."""

    def __init__(self, offered: Sequence[str], kind: QueryForm | None = None) -> None:
        super().__init__(list(offered), kind)
        self.offered, self.kind = list(offered), kind

    def __str__(self) -> str:
        what: dict[QueryForm | None, str] = {
            "solutions": "a SELECT result", "boolean": "an ASK result", "graph": "a CONSTRUCT/DESCRIBE result"
        }  # fmt: skip
        return (
            f"None of the media types in the Accept header can represent {what.get(self.kind, 'this resource')}. "
            f"Offered: {', '.join(self.offered)}."
        )


class UpdateForbidden(StoreError):
    """A SPARQL Update reached the endpoint as a query, or without a partner's token."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message or (
            "This endpoint is read-only to queries and to anonymous clients: a SPARQL Update is accepted only from "
            "a partner agency, POSTed as 'update=' or application/sparql-update with its token in the header "
            "'Authorization: Bearer <token>', and changes only that partner's own graphs."
        )


class QueryTimeout(StoreError):
    """The query ran past the deadline; its worker was killed and replaced."""

    error_type = "timeout"

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds

    def __str__(self) -> str:
        return (
            f"The query did not finish within {self.seconds:g} s and was stopped. "
            "Narrow it (LIMIT, more selective patterns) or run it on a dump of the release."
        )


class QueryOutOfMemory(StoreError):
    """The query needed more memory than a worker may use; the worker was stopped and replaced."""

    error_type = "memory"

    def __init__(self, megabytes: int | None = None) -> None:
        super().__init__(megabytes)
        self.megabytes = megabytes

    def __str__(self) -> str:
        cap = f"the {self.megabytes} MB of memory" if self.megabytes is not None else "the memory"
        return (
            f"The query needed more than {cap} a query may use and was stopped. "
            "Sorting, grouping or counting distinct values over a very large (often cartesian) join is the usual "
            "cause: join on shared variables, filter earlier, or run it on a dump of the release."
        )


class QueryTooComplex(StoreError):
    """The query text breaks a limit checked before it is parsed (its brackets nest too deep)."""

    error_type = "limit"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class QueryCancelled(StoreError):
    """The client went away before its answer was ready; the query's worker was stopped and replaced."""

    error_type = "cancelled"

    def __init__(self) -> None:
        super().__init__()

    def __str__(self) -> str:
        return "The client disconnected; its query was stopped."


class TooManyQueries(StoreError):
    """A client already has as many queries running or waiting as one client may (429 with ``Retry-After``)."""

    error_type = "rate"

    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(limit, retry_after)
        self.limit, self.retry_after = limit, retry_after

    def __str__(self) -> str:
        return (
            f"You already have {self.limit} queries running or waiting, as many as one client may; "
            f"send the next one when one of them has been answered (retry after {self.retry_after} s)."
        )


class StoreUnavailable(StoreError):
    """The store cannot take a query now (still loading, every worker busy, or closed)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class QueryFailed(StoreError):
    """Evaluation failed for a reason that is not the client's (an engine error, a crashed worker)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class Store(Protocol):
    """A read-only SPARQL 1.1 store that answers with serialized bytes."""

    def query(
        self,
        sparql: str,
        *,
        accept: str | None,
        base_iri: str | None = None,
        dataset: Dataset | None = None,
    ) -> QueryOutcome:
        """Evaluate ``sparql`` and serialize its result in the best format for ``accept``.

        Raises QuerySyntaxError, UnsupportedQuery, InvalidDataset, UpdateForbidden, NotAcceptable,
        QueryTimeout, StoreUnavailable or QueryFailed.
        """
        ...

    def graphs(self) -> dict[str, int]:
        """Named graph IRI → number of triples in it."""
        ...

    def ready(self) -> bool:
        """Whether a query can be answered now (a worker pool is ready once a worker has loaded)."""
        ...

    def close(self) -> None:
        """Release the store's resources; further queries raise StoreUnavailable."""
        ...


@runtime_checkable
class ReportsWorkers(Protocol):
    """A store that can say how many of its workers are loaded and how many are still loading, and how busy they
    are (``saturation``: busy, idle, waiting… and counters of what happened to queries)."""

    def status(self) -> dict[str, int]: ...

    def saturation(self) -> dict[str, int]: ...


@runtime_checkable
class ProbesReachability(Protocol):
    """A store across a network hop that can say, with one cheap request, whether it answers now: None when it
    does, else why not (naming the URL, never credentials)."""

    def probe(self) -> str | None: ...


@runtime_checkable
class SpoolsResults(Protocol):
    """A store that cuts a result at ``limits`` and hands it over in a file (rewound; the caller closes it) rather
    than in the outcome's body (left empty); setting ``cancelled`` stops the query (QueryCancelled) where the store
    can."""

    def spool(
        self,
        sparql: str,
        *,
        accept: str | None,
        base_iri: str | None = None,
        dataset: Dataset | None = None,
        limits: ResultLimits | None = None,
        cancelled: threading.Event | None = None,
    ) -> tuple[QueryOutcome, IO[bytes]]: ...
