"""``/docs``: the OpenAPI description (``/openapi.json``) in Swagger UI, vendored (``static/vendor/swagger-ui``) and
started from a static script, as every page's JavaScript is: FastAPI's own page loads Swagger from a CDN and
starts it with an inline script, which the Content-Security-Policy refuses. Without JavaScript the page links
the description itself."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from server.web import rendering
from server.web.deps import ServiceDep

router = APIRouter()


@router.get("/docs", summary="The OpenAPI description of this service, in Swagger UI (HTML)")
async def docs(request: Request, service: ServiceDep) -> HTMLResponse:
    return rendering.page("docs.html", service, openapi_url=request.app.openapi_url, title=request.app.title)
