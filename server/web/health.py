"""``/healthz``: 200 once the store can answer queries, 503 before (and after it closed)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from server.web.state import ServiceDep

router = APIRouter()


@router.get("/healthz", summary="Readiness of the SPARQL store")
async def healthz(service: ServiceDep) -> JSONResponse:
    ready = service.store is not None and service.store.ready()
    body = {"status": "ready" if ready else "starting", "release": service.release_id}
    return JSONResponse(body, status_code=200 if ready else 503, headers={"Cache-Control": "no-store"})
