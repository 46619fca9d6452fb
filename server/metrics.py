"""What the service counts, for Prometheus (``prometheus-client``): one place that names every metric, and small
functions the parts that see an event call (the web layer for requests and partner writes, the store for timeouts,
worker restarts and memory kills). ``/metrics`` (``web.protocol.metrics``) serves ``exposition()``.

The metrics live in prometheus-client's process-wide registry, with its process collector (the serving process's
memory and CPU); query workers are other processes and report only through the parent, which sees them time out,
die and be replaced. Labels take bounded values only: a route's template (``/doc/{path:path}``), never its path.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, Info, generate_latest

CONTENT_TYPE = CONTENT_TYPE_LATEST
UNMATCHED = "<unmatched>"  # the route label of a request no route answered (a 404)

REQUESTS = Counter("migkg_http_requests", "HTTP requests answered, by route template, method and status.",
                   ["route", "method", "status"])  # fmt: skip
LATENCY = Histogram(
    "migkg_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
RESPONSE_BYTES = Counter("migkg_http_response_bytes", "Bytes of response bodies sent, by route template.", ["route"])
IN_FLIGHT = Gauge("migkg_http_requests_in_flight", "Requests being answered now.")
QUEUE_DEPTH = Gauge("migkg_query_queue_depth", "Store calls waiting for a free query thread (and so for a worker).")
QUERIES_RUNNING = Gauge("migkg_queries_running", "Store calls holding a query thread now.")
TIMEOUTS = Counter("migkg_query_timeouts", "Queries stopped at the deadline (their worker killed and replaced).")
WORKER_RESTARTS = Counter("migkg_worker_restarts", "Query workers replaced, by reason.", ["reason"])
MEMORY_KILLS = Counter("migkg_worker_memory_kills", "Query workers killed for passing their memory cap.")
PARTNER_WRITES = Counter(
    "migkg_partner_writes",
    "Partner writes that reached the writer, by agency, operation and outcome (committed, or rejected by the gate).",
    ["agency", "operation", "outcome"],
)
RELEASE = Info("migkg_release", "The release being served.")


def request_answered(route: str, method: str, status: int, seconds: float, sent: int) -> None:
    REQUESTS.labels(route, method, str(status)).inc()
    LATENCY.labels(route, method).observe(seconds)
    RESPONSE_BYTES.labels(route).inc(sent)


def query_timed_out() -> None:
    """A query ran past the deadline: its worker is killed and replaced (counted as a restart too)."""
    TIMEOUTS.inc()
    WORKER_RESTARTS.labels("timeout").inc()


def worker_replaced(reason: str) -> None:
    """A query worker was replaced: ``timeout``, ``crash`` (it died), ``memory`` (over its cap), ``recycled``…"""
    WORKER_RESTARTS.labels(reason).inc()


def memory_killed() -> None:
    """A query worker passed its memory cap and was killed (counted as a restart too)."""
    MEMORY_KILLS.inc()
    WORKER_RESTARTS.labels("memory").inc()


def queries_waiting(waiting: int, running: int) -> None:
    QUEUE_DEPTH.set(waiting)
    QUERIES_RUNNING.set(running)


def partner_write(agency: str, operation: str, committed: bool) -> None:
    PARTNER_WRITES.labels(agency, operation, "committed" if committed else "rejected").inc()


def serving(release_id: str) -> None:
    RELEASE.info({"release": release_id})


def exposition() -> bytes:
    """Every metric in Prometheus's text format."""
    return generate_latest(REGISTRY)
