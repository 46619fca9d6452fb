"""The app factory: ``create_app(settings, store)``; nothing happens at import time.

``uvicorn --factory server.web.app:app_from_env`` serves the current release: the factory reads the
release metadata (failing at once, with the command to run, if there is none) and the lifespan starts a
``WorkerPool`` over its snapshot (workers load in the background; ``/healthz`` is 503 until one is
ready) and closes it on shutdown. A store passed in is used as it is and left to its owner to close.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import __version__
from server.release import Release, open_current
from server.settings import Settings
from server.store.base import Store
from server.store.pool import WorkerPool
from server.web import (
    browse,
    commitments,
    country_map,
    dataset,
    editor,
    errors,
    health,
    linked_data,
    matrix,
    network,
    ontology,
    reader,
    search,
    sparql,
    timeline,
)
from server.web.conditional import Conditional
from server.web.errors import RELEASE_HEADER
from server.web.state import Service


class ReleaseHeader:
    """Adds ``X-Migkg-Release`` to every response, preflights and errors included."""

    def __init__(self, app: ASGIApp, release_id: str) -> None:
        self.app, self.value = app, release_id.encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (RELEASE_HEADER.lower().encode(), self.value)]
            await send(message)

        await self.app(scope, receive, send_with_header)


def create_app(settings: Settings, store: Store | None = None, *, release: Release | None = None) -> FastAPI:
    """The migkg web app over ``store``, or over a worker pool on the current release when None.

    ``release`` defaults to the current release; with a ``store`` given it may be missing, and the
    release id is then ``unreleased``.
    """
    if release is None and (store is None or settings.current_release.exists()):
        release = open_current(settings.current_release)
    service = Service(settings, release, store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = None
        if service.store is None:
            assert release is not None
            pool = WorkerPool(release.snapshot, settings.query_workers, settings.query_timeout)
            service.store = pool
        try:
            yield
        finally:
            if pool is not None:
                service.store = None
                pool.close()

    app = FastAPI(
        title="migkg",
        version=__version__,
        summary="Migration Governance Knowledge Graph: read-only SPARQL 1.1 endpoint",
        lifespan=lifespan,
    )
    app.state.service = service
    app.include_router(sparql.router)
    app.include_router(health.router)
    app.include_router(linked_data.router)
    app.include_router(dataset.router)
    app.include_router(ontology.router)
    app.include_router(search.router)
    app.include_router(reader.router)
    app.include_router(timeline.router)
    app.include_router(network.router)
    app.include_router(country_map.router)
    app.include_router(editor.router)
    app.include_router(browse.router)
    app.include_router(commitments.router)
    app.include_router(matrix.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    errors.install(app)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "POST"],
        allow_headers=["Accept", "Content-Type"],
        expose_headers=[RELEASE_HEADER, "Content-Length"],
        max_age=86_400,
    )
    created = datetime.fromisoformat(release.metadata.created) if release is not None else None
    app.add_middleware(Conditional, release_id=service.release_id, created=created)
    app.add_middleware(ReleaseHeader, release_id=service.release_id)
    return app


def app_from_env() -> FastAPI:
    """``create_app(Settings())``: for ``uvicorn --factory server.web.app:app_from_env``."""
    return create_app(Settings())  # type: ignore[call-arg]  # until mypy runs the pydantic plugin
