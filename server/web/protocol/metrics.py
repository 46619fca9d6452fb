"""``/metrics``: the service's counters, latency histograms and gauges in Prometheus's text format
(``server.metrics``), with the query queue (calls waiting for a query thread, and
queries waiting for a worker) read at scrape time."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from server import metrics
from server.store.base import ReportsWorkers
from server.web.deps import ServiceDep

router = APIRouter()


@router.get("/metrics", summary="Prometheus metrics: requests, latency, timeouts, worker restarts, queue, release")
async def scrape(service: ServiceDep) -> Response:
    limiter = service.query_limiter().statistics()
    store = service.store
    waiting_for_worker = store.saturation()["waiting"] if isinstance(store, ReportsWorkers) else 0
    metrics.queries_waiting(limiter.tasks_waiting + waiting_for_worker, limiter.borrowed_tokens)
    headers = {"Content-Type": metrics.CONTENT_TYPE, "Cache-Control": "no-store"}
    return Response(metrics.exposition(), headers=headers)
