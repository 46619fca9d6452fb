"""What the web process and the writer process exchange: the requests, their outcomes and the ways they fail.

Everything here pickles (it crosses a pipe): dataclasses of plain values and pyoxigraph terms, and exceptions
whose ``args`` are exactly what ``__init__`` takes, so the writer process can raise one and the web process
re-raise it unchanged. Nothing here imports the pipeline: the web layer imports this module, never ``writer``.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.partners.registry import Partner
from server.partners.report import GateReport
from server.partners.rules import Refusal
from server.partners.storage import ANY, Commit
from server.partners.upload import Upload


class Forbidden(PermissionError):
    """The partner may not write this graph (HTTP 403); ``refusal`` names the rule."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal)
        self.refusal = refusal

    def __str__(self) -> str:
        return str(self.refusal)


class GraphNotFound(LookupError):
    """Deleting a partner graph that does not exist (HTTP 404)."""

    def __init__(self, graph: str) -> None:
        super().__init__(graph)
        self.graph = graph

    def __str__(self) -> str:
        return f"There is no graph <{self.graph}>."


class _Refusal(Exception):
    """An error whose message is all there is to say, for the client (``str()``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UpdateRefused(_Refusal, ValueError):
    """A SPARQL Update that cannot be evaluated (it does not parse, or fails): HTTP 400 with the message."""


class WriterUnavailable(_Refusal, RuntimeError):
    """The writer process cannot take a write now (starting, failed to start, busy, stopped): HTTP 503."""


class WriteTimeout(RuntimeError):
    """A write ran past ``Settings.write_timeout``; the writer process was killed and replaced (HTTP 503)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds

    def __str__(self) -> str:
        return (
            f"The write did not finish within {self.seconds:g} s and was stopped. The graph is either as before or "
            "wholly written: GET it to see which. Send large graphs in parts (POST adds to a graph)."
        )


class WriteFailed(_Refusal, RuntimeError):
    """The writer process failed on a write for a reason that is not the client's (HTTP 500; logged there)."""


@dataclass(frozen=True)
class WriteOutcome:
    """The gate's report, and the commit when the write conformed (None: rejected, nothing changed)."""

    report: GateReport
    commit: Commit | None
    created: bool  # the graph did not exist before this write

    @property
    def accepted(self) -> bool:
        return self.commit is not None


@dataclass(frozen=True)
class UpdateOutcome:
    """The reports on every partner graph an update changed, and the one commit of them all (None: rejected, or
    nothing changed: then ``reports`` is empty too)."""

    reports: tuple[GateReport, ...]
    commit: Commit | None

    @property
    def accepted(self) -> bool:
        return all(r.conforms for r in self.reports)

    @property
    def rejected(self) -> tuple[GateReport, ...]:
        return tuple(r for r in self.reports if not r.conforms)


# --- requests ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WriteRequest:
    """Replace (or, with ``merge``, add to) ``graph`` with an upload; ``expect`` as in ``PartnerStorage.commit``."""

    partner: Partner
    token_id: str
    graph: str
    upload: Upload
    merge: bool = False
    expect: str | None = ANY


@dataclass(frozen=True)
class DeleteRequest:
    partner: Partner
    graph: str
    expect: str | None = ANY


@dataclass(frozen=True)
class UpdateRequest:
    """A SPARQL Update (its USING clauses already written in) on behalf of ``partner``."""

    partner: Partner
    token_id: str
    update: str
    base_iri: str


Request = WriteRequest | DeleteRequest | UpdateRequest
