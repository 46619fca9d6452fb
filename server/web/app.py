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
once when the app runs its own worker pool, else on the first write) and stops it on shutdown. An app running its
own worker pool follows ``build/current`` (``web.switching``): a release switched to while it runs is served
without a restart, and without a failed request.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

from server import __version__, metrics
from server.partners.process import WriterClient
from server.release import Release, serving_release
from server.settings import Settings
from server.store.base import Store
from server.store.pool import WorkerLimits, WorkerPool
from server.store.remote import Endpoints, RemoteStore
from server.web import auth, errors, i18n, observability, switching
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
    discrepancies,
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

log = logging.getLogger(__name__)
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
    discrepancies,
    partners,
    recipes,
    api_docs,
)


def create_app(settings: Settings, store: Store | None = None, *, release: Release | None = None) -> FastAPI:
    """The migkg web app over ``store``, or over a worker pool on the current release when None.

    ``release`` defaults to the current release; with a ``store`` given it may be missing, and the
    release id is then ``unreleased``.
    """
    problem = None
    if release is None and (store is None or settings.current_release.exists()):
        release, problem = serving_release(
            settings.current_release, settings.releases_dir, fallback=settings.release_fallback
        )
    service = Service(settings, release, store, release_problem=problem)
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
    owned = service.store is None
    async with worker_pool(service, app), partner_writer(service), following(service, owned):
        yield


def start_pool(settings: Settings, release: Release) -> WorkerPool:
    """A ``WorkerPool`` over ``release``'s snapshot (or its on-disk store: ``Settings.store_memory``) and the partner
    graphs, with the settings' workers and limits."""
    worker_limits = WorkerLimits(
        memory_mb=settings.query_memory_mb,
        max_queries=settings.worker_max_queries,
        recycle_mb=settings.worker_recycle_mb,
        reserved=settings.reserved_workers,
        cheap_timeout=settings.cheap_query_timeout,
    )
    snapshot, workers, timeout = release.snapshot, settings.query_workers, settings.query_timeout
    published = release.store if settings.store_on_disk(release.metadata.triples) else None
    if published is not None and not published.is_dir():
        log.warning("release %s has no on-disk store (published before stores were): workers copy it", release.id)
        published = None
    return WorkerPool(snapshot, workers, timeout, settings.partner_graphs_dir, worker_limits, published)


@asynccontextmanager
async def worker_pool(service: Service, app: FastAPI) -> AsyncIterator[None]:
    """The lifespan: a ``WorkerPool`` over the release's snapshot (or a ``RemoteStore`` with ``MIGKG_STORE=remote``)
    when the service has no store; the store served at shutdown (another one after a release switch) closed after."""
    owned = service.store is None
    if owned and service.settings.store == "remote":
        assert service.release is not None
        service.store = remote_store(service.settings, service.release)
    elif owned:
        assert service.release is not None
        service.store = start_pool(service.settings, service.release)
    try:
        yield
    finally:
        if owned and service.store is not None:
            store, service.store = service.store, None
            store.close()


def remote_store(settings: Settings, release: Release) -> RemoteStore:
    """The release as published into the SPARQL store of ``MIGKG_STORE_*`` (``migkg build`` put it there)."""
    return RemoteStore(Endpoints.of(settings), release.metadata.graphs, settings.partner_graphs_dir)


@asynccontextmanager
async def partner_writer(service: Service) -> AsyncIterator[None]:
    """The partner writer process over the release (none without a release); the writer serving at shutdown
    stopped after."""
    if service.release is None or service.writer is not None:
        yield
        return
    writer = service.writer = WriterClient(service.settings, service.release.snapshot)
    if isinstance(service.store, WorkerPool):
        writer.start()  # a deployed server: load the gate now rather than on the first write
    try:
        yield
    finally:
        writer, service.writer = service.writer, None
        if writer is not None:
            writer.close()


@asynccontextmanager
async def following(service: Service, owned: bool) -> AsyncIterator[None]:
    """With its own worker pool and a release, the app follows ``build/current`` (``web.switching``) until shutdown
    (``Settings.release_poll`` 0: never). Over a remote store it does not: the store holds the release that
    ``migkg build`` published into it, and a switch there is a new publication."""
    remote = service.settings.store == "remote"
    if not owned or remote or service.release is None or service.settings.release_poll == 0:
        yield
        return
    async with anyio.create_task_group() as group:
        group.start_soon(switching.follow, service, functools.partial(start_pool, service.settings))
        yield
        group.cancel_scope.cancel()


def add_middleware(app: FastAPI, service: Service) -> None:
    """Compression, the interface language (``web.i18n``),
    CORS for reads and for writes, conditional GETs (tied to the release and the partner graphs),
    the hosts answered for, the release header, the security headers, HEAD, and outermost the access log and
    request metrics (the last added runs first)."""
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(i18n.RequestLanguage)
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
    app.add_middleware(Conditional, validators=service.validators)
    settings = service.settings
    app.add_middleware(Hosts, public_url=settings.public_url, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(ReleaseHeader, release_id=lambda: service.release_id)
    app.add_middleware(StandardHeaders, retry_after=settings.retry_after)
    app.add_middleware(HeadAsGet)
    log = observability.access_logger() if settings.access_log else None
    app.add_middleware(
        observability.Observe, release_id=lambda: service.release_id, log=log, max_chars=settings.access_log_max_chars
    )


def app_from_env() -> FastAPI:
    """``create_app(Settings())``: for ``uvicorn --factory server.web.app:app_from_env`` (``migkg serve`` says a
    release fallback itself)."""
    app = create_app(Settings())  # type: ignore[call-arg]  # until mypy runs the pydantic plugin
    if app.state.service.release_problem is not None:
        log.error("%s", app.state.service.release_problem)
    return app
