"""Stores answering read-only SPARQL: the protocol (``base``), in memory (``embedded``), in worker
processes with a deadline (``pool``)."""

from server.store.base import (
    Dataset,
    InvalidDataset,
    NotAcceptable,
    QueryFailed,
    QueryOutcome,
    QuerySyntaxError,
    QueryTimeout,
    ReportsWorkers,
    Store,
    StoreError,
    StoreUnavailable,
    UnsupportedQuery,
    UpdateForbidden,
)

__all__ = [
    "Dataset",
    "InvalidDataset",
    "NotAcceptable",
    "QueryFailed",
    "QueryOutcome",
    "QuerySyntaxError",
    "QueryTimeout",
    "ReportsWorkers",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "UnsupportedQuery",
    "UpdateForbidden",
]
