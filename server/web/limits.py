"""The limits every query runs under, and what happens at each, as ``/limits`` (``protocol.sparql``) and the Service
Description state them; a result cut at one links to ``/limits`` (SPARQL JSON ``head.link``, XML ``<link>``) and
says so in the ``X-Migkg-Truncated`` header."""

from __future__ import annotations

from server.settings import Settings
from server.web.negotiation import TRUNCATED_HEADER

INTRODUCTION = (
    "Every query to /sparql runs under these limits; a client that disconnects has its query stopped. For the whole "
    "graph, download a dump of the release instead."
)


def described(settings: Settings) -> dict[str, object]:
    """Each limit: its value and what a query that reaches it gets."""
    return {
        "query_bytes": {"value": settings.max_query_bytes, "reached": "413, before the query is read"},
        "query_depth": {
            "value": settings.max_query_depth,
            "reached": "400 (type 'limit'), before the query is parsed: brackets, and runs of '!', nested deeper",
        },
        "query_seconds": {"value": settings.query_timeout, "reached": "503 (type 'timeout'); the query is stopped"},
        "query_memory_mb": {
            "value": settings.query_memory_mb,
            "reached": "503 (type 'memory'); the query is stopped and its worker replaced",
        },
        "result_rows": {
            "value": settings.max_result_rows,
            "reached": f"the first rows (solutions or triples) only, with the header {TRUNCATED_HEADER}: rows; "
            "limit=…; kept=…, and in SPARQL JSON and XML a link here in the head",
        },
        "result_bytes": {
            "value": settings.max_result_bytes,
            "reached": f"as many whole rows as fit, with the header {TRUNCATED_HEADER}: bytes; limit=…; kept=…",
        },
        "queries_per_client": {
            "value": settings.max_queries_per_client,
            "reached": "429 (type 'rate') with Retry-After, for queries running or waiting at once",
        },
        "reserved_workers": {
            "value": settings.reserved_workers,
            "reached": "workers kept for cheap queries (an ASK; a LIMIT of at most 1,000 without sorting, grouping "
            f"or path repetition), each for at most {settings.cheap_query_timeout:g} s",
        },
    }


def sentence(settings: Settings) -> str:
    """The limits in one sentence, for the Service Description."""
    return (
        f"Queries may be {settings.max_query_bytes} bytes long and nest {settings.max_query_depth} levels deep, run "
        f"{settings.query_timeout:g} s and use {settings.query_memory_mb} MB; results are cut at "
        f"{settings.max_result_rows} rows or {settings.max_result_bytes} bytes (header {TRUNCATED_HEADER}); a client "
        f"may have {settings.max_queries_per_client} queries running or waiting at once (429 beyond). Details: "
        "/limits."
    )
