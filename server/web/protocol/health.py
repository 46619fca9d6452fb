"""``/healthz``: 200 once the store can answer queries, 503 before (and after it closed)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from server.store.base import ReportsWorkers
from server.web.deps import ServiceDep

router = APIRouter()


@router.get("/healthz", summary="Readiness of the SPARQL store")
async def healthz(service: ServiceDep) -> JSONResponse:
    store = service.store
    ready = store is not None and store.ready()
    status = "ready" if ready else "starting"
    body: dict[str, object] = {"status": status, "release": service.release_id}
    if isinstance(store, ReportsWorkers):
        workers = body["workers"] = store.status()
        if not ready and not any(workers.values()):
            body["status"] = "failed"  # no worker loaded, none loading: the log says why
    return JSONResponse(body, status_code=200 if ready else 503, headers={"Cache-Control": "no-store"})
