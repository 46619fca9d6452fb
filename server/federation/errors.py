"""How a SERVICE call fails: refused by our rules (400), failed at the remote (502), too slow (504).

Store errors (``StoreError``), so the endpoint's error table and the query editor treat them like the
store's own; each message names the endpoint and what to change.
"""

from __future__ import annotations

from server.store.base import StoreError


class ServiceRefused(StoreError):
    """The query asks for a call this service does not make; nothing was sent to the endpoint."""

    def __init__(self, endpoint: str, reason: str) -> None:
        super().__init__(endpoint, reason)
        self.endpoint, self.reason = endpoint, reason

    def __str__(self) -> str:
        return f"SERVICE {self.endpoint} refused: {self.reason}."


class ServiceFailed(StoreError):
    """An allowlisted endpoint could not be reached or gave no usable SPARQL results."""

    def __init__(self, endpoint: str, reason: str) -> None:
        super().__init__(endpoint, reason)
        self.endpoint, self.reason = endpoint, reason

    def __str__(self) -> str:
        return (
            f"SERVICE <{self.endpoint}> failed: {self.reason}. "
            "With SERVICE SILENT a failing call counts as one empty solution instead."
        )


class ServiceTimeout(StoreError):
    """An allowlisted endpoint did not answer within the per-call limit."""

    def __init__(self, endpoint: str, seconds: float) -> None:
        super().__init__(endpoint, seconds)
        self.endpoint, self.seconds = endpoint, seconds

    def __str__(self) -> str:
        return (
            f"SERVICE <{self.endpoint}> did not answer within {self.seconds:g} s. "
            "Narrow the pattern sent to it, or use SERVICE SILENT to go on without it."
        )
