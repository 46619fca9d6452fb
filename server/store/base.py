"""The Store protocol: what the web layer and the CLI ask of a SPARQL store, and how it fails.

Every exception carries only picklable constructor arguments (``args`` is exactly what ``__init__``
takes), so a worker process can raise one and the parent re-raise it unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

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
class QueryOutcome:
    """A serialized result: the query form, the negotiated media type (no parameters) and the bytes."""

    kind: QueryForm
    media_type: str
    body: bytes


class StoreError(Exception):
    """Base of the errors a store reports; ``str()`` is a message for the client."""


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

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds

    def __str__(self) -> str:
        return (
            f"The query did not finish within {self.seconds:g} s and was stopped. "
            "Narrow it (LIMIT, more selective patterns) or run it on a dump of the release."
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
    """A store that can say how many of its workers are loaded and how many are still loading."""

    def status(self) -> dict[str, int]: ...
