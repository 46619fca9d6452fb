"""``/healthz``: whether the process answers (``/healthz/live``) and whether the store can take a query now
(``/healthz/ready``, and ``/healthz`` as before).

Ready is 200 once a worker has loaded and while some worker is idle or no query waits; 503 while the store is
starting, after it failed or closed, and while it is saturated (every worker busy and queries waiting), so a
balancer sends queries elsewhere. A remote store is asked ``ASK {}`` (at most 2 s) on each call: 503
``unreachable`` with ``store_problem`` naming its URL when it does not answer. A worker pool also reports its
workers (loaded, loading) and its saturation:
workers busy, idle and reserved for cheap queries, queries waiting (all, and cheap ones), and counters of queries
answered, stopped at the deadline, stopped for memory, cancelled by their client, failed, and of workers recycled
and replaced.
"""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from server.store.base import ProbesReachability, ReportsWorkers
from server.web.deps import ServiceDep

router = APIRouter()
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz/live", summary="Liveness: the process answers requests")
async def live(service: ServiceDep) -> JSONResponse:
    return JSONResponse({"status": "live", "release": service.release_id}, headers=NO_STORE)


@router.get("/healthz", summary="Readiness of the SPARQL store (as /healthz/ready)")
@router.get("/healthz/ready", summary="Readiness of the SPARQL store, with its saturation")
async def healthz(service: ServiceDep) -> JSONResponse:
    store = service.store
    ready = store is not None and store.ready()
    status = "ready" if ready else "starting"
    body: dict[str, object] = {"status": status, "release": service.release_id}
    if service.release_problem is not None:
        body["release_problem"] = service.release_problem  # served, but not the release build/current names
    if ready and isinstance(store, ProbesReachability):
        problem = await anyio.to_thread.run_sync(store.probe)
        if problem is not None:
            ready, body["status"], body["store_problem"] = False, "unreachable", problem
    if isinstance(store, ReportsWorkers):
        workers = body["workers"] = store.status()
        if not ready and not any(workers.values()):
            body["status"] = "failed"  # no worker loaded, none loading: the log says why
        saturation = body["saturation"] = store.saturation()
        if ready and saturation["idle"] == 0 and saturation["waiting"] > 0:
            ready, body["status"] = False, "saturated"
    return JSONResponse(body, status_code=200 if ready else 503, headers=NO_STORE)
