"""The app factory: ``create_app(settings, store)``; nothing happens at import time.

The app has two jobs, each a package of routers: ``protocol`` (the SPARQL 1.1 service: query endpoint, Service
Description, VoID, dumps) and ``pages`` (the researcher's HTML pages and their JSON). What both use lives in the
modules beside this one; what a page shows is built in ``views``.

``migkg serve`` (uvicorn with the connection limits of ``connections``) or
``uvicorn --factory server.web.app:app_from_env`` serves the current release: the factory reads the
release metadata (failing at once, with the command to run, if there is none) and the lifespan starts a
``WorkerPool`` over its snapshot (workers load in the background; ``/healthz`` is 503 until one is
ready), or with ``MIGKG_STORE=remote`` a ``RemoteStore`` over the SPARQL store the release was published into, and
closes it on shutdown. A store passed in is used as it is and left to its owner to close.
With a release, the lifespan also gives the service its partner writer (``server.partners.process``: started at
once when the app runs its own worker pool, else on the first write) and stops it on shutdown.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

from server import __version__, metrics
from server.partners.process import WriterClient
from server.release import Release, open_current
from server.settings import Settings
from server.store.base import Store
from server.store.pool import WorkerLimits, WorkerPool
from server.store.remote import Endpoints, RemoteStore
from server.web import auth, errors, observability
from server.web.deps import Service
from server.web.hosts import Hosts
from server.web.middleware import (
    RELEASE_HEADER,
    Conditional,
    HeadAsGet,
    ReleaseHeader,
    StandardHeaders,
    WriteCors,
)
from server.web.negotiation import TRUNCATED_HEADER
from server.web.pages import (
    api_docs,
    browse,
    commitments,
    country_map,
    editor,
    entity,
    home,
    matrix,
    network,
    partners,
    reader,
    recipes,
    search,
    timeline,
)
from server.web.protocol import dataset, graph_store, health, sparql
from server.web.protocol import metrics as metrics_route
from server.web.rendering import STATIC

PROTOCOL = (sparql, graph_store, health, dataset, metrics_route)
EXPOSED_HEADERS = (RELEASE_HEADER, "Content-Length", "Location", "ETag", "Link", "WWW-Authenticate", "Warning")
PAGES = (
    home,
    entity,
    search,
    reader,
    timeline,
    network,
    country_map,
    editor,
    browse,
    commitments,
    matrix,
    partners,
    recipes,
    api_docs,
)


def create_app(settings: Settings, store: Store | None = None, *, release: Release | None = None) -> FastAPI:
    """The migkg web app over ``store``, or over a worker pool on the current release when None.

    ``release`` defaults to the current release; with a ``store`` given it may be missing, and the
    release id is then ``unreleased``.
    """
    if release is None and (store is None or settings.current_release.exists()):
        release = open_current(settings.current_release)
    service = Service(settings, release, store)
    app = FastAPI(
        title="migkg",
        version=__version__,
        summary="Migration Governance Knowledge Graph: SPARQL 1.1 endpoint and Graph Store (partners write their own)",
        lifespan=functools.partial(lifespan, service),
        docs_url=None,  # FastAPI's pages load Swagger UI and ReDoc from a CDN: /docs is ours (pages.api_docs)
        redoc_url=None,
    )
    app.state.service = service
    for module in (*PROTOCOL, *PAGES):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    errors.install(app, [*app.router.routes, *(route for m in (*PROTOCOL, *PAGES) for route in m.router.routes)])
    add_middleware(app, service)
    auth.redact_access_log()
    metrics.serving(service.release_id)
    return app


@asynccontextmanager
async def lifespan(service: Service, app: FastAPI) -> AsyncIterator[None]:
    async with worker_pool(service, app), partner_writer(service):
        yield


@asynccontextmanager
async def worker_pool(service: Service, app: FastAPI) -> AsyncIterator[None]:
    """The lifespan: a ``WorkerPool`` over the release's snapshot when the service has no store, closed after."""
    pool: Store | None = None
    if service.store is None and service.settings.store == "remote":
        assert service.release is not None
        pool = service.store = remote_store(service.settings, service.release)
    elif service.store is None:
        assert service.release is not None
        settings = service.settings
        worker_limits = WorkerLimits(
            memory_mb=settings.query_memory_mb,
            max_queries=settings.worker_max_queries,
            recycle_mb=settings.worker_recycle_mb,
            reserved=settings.reserved_workers,
            cheap_timeout=settings.cheap_query_timeout,
        )
        snapshot, workers, timeout = service.release.snapshot, settings.query_workers, settings.query_timeout
        pool = WorkerPool(snapshot, workers, timeout, settings.partner_graphs_dir, worker_limits)
        service.store = pool
    try:
        yield
    finally:
        if pool is not None:
            service.store = None
            pool.close()


def remote_store(settings: Settings, release: Release) -> RemoteStore:
    """The release as published into the SPARQL store of ``MIGKG_STORE_*`` (``migkg build`` put it there)."""
    return RemoteStore(Endpoints.of(settings), release.metadata.graphs, settings.partner_graphs_dir)


@asynccontextmanager
async def partner_writer(service: Service) -> AsyncIterator[None]:
    """The partner writer process over the release (none without a release), stopped after."""
    if service.release is None or service.writer is not None:
        yield
        return
    writer = service.writer = WriterClient(service.settings, service.release.snapshot)
    if isinstance(service.store, WorkerPool):
        writer.start()  # a deployed server: load the gate now rather than on the first write
    try:
        yield
    finally:
        service.writer = None
        writer.close()


def add_middleware(app: FastAPI, service: Service) -> None:
    """Compression, CORS for reads and for writes, conditional GETs (tied to the release and the partner graphs),
    the hosts answered for, the release header, the security headers, HEAD, and outermost the access log and
    request metrics (the last added runs first)."""
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "POST"],
        allow_headers=["Accept", "Content-Type"],
        expose_headers=[*EXPOSED_HEADERS, TRUNCATED_HEADER, "Retry-After"],
        max_age=86_400,
    )
    app.add_middleware(WriteCors, origin_allowed=auth.origin_allowed(service.registry))
    release = service.release
    created = datetime.fromisoformat(release.metadata.created) if release is not None else None
    validators = functools.partial(service.partners.validators, service.release_id, created)
    app.add_middleware(Conditional, validators=validators)
    settings = service.settings
    app.add_middleware(Hosts, public_url=settings.public_url, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(ReleaseHeader, release_id=service.release_id)
    app.add_middleware(StandardHeaders, retry_after=settings.retry_after)
    app.add_middleware(HeadAsGet)
    log = observability.access_logger() if settings.access_log else None
    app.add_middleware(
        observability.Observe, release_id=service.release_id, log=log, max_chars=settings.access_log_max_chars
    )


def app_from_env() -> FastAPI:
    """``create_app(Settings())``: for ``uvicorn --factory server.web.app:app_from_env``."""
    return create_app(Settings())  # type: ignore[call-arg]  # until mypy runs the pydantic plugin
