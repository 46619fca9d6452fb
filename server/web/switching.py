"""A running server follows ``build/current``: when the symlink points to another release, the server loads that
release's query workers and partner writer beside the ones serving, swaps them in between two requests
(``Service.switch``), then retires the old ones once their last query is answered. No request fails for a switch:
until the swap every request is answered by the old release, after it by the new one, and the old workers stay
until the queries they hold are done.

How the server notices: it reads the symlink every ``Settings.release_poll`` seconds (one ``readlink``), so
``migkg build``, ``migkg release switch`` and ``migkg release rollback`` need no channel to the server, and every
replica sharing the build directory follows the same switch (no token, no endpoint to protect). A release that
does not pass ``release.check`` or whose workers cannot load within ``Settings.release_load_timeout`` is not
switched to: the server logs why and keeps serving what it serves until ``current`` moves again.

A query takes the store in its worker thread, as it starts (``Queries``), so a query waiting for a thread when the
swap happens goes to the new workers. Retiring waits ``RETIRE_GRACE`` seconds first (a query that took the old store
just before the swap reaches its queue meanwhile), then until the old workers are idle (at most twice the query
deadline), then stops them.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

import anyio
import anyio.to_thread

from server import metrics
from server.partners.process import WriterClient
from server.release import BrokenReleaseError, Release, check
from server.store.base import ReportsWorkers, Store
from server.store.pool import WorkerPool
from server.web.deps import Service

log = logging.getLogger(__name__)

RETIRE_GRACE: Final = 1.0
_POLL: Final = 0.05

PoolFactory = Callable[[Release], WorkerPool]


class SwitchFailed(RuntimeError):
    """The release ``current`` points to cannot be served; the message says why and what is still served."""


def pointed_at(current: Path) -> Path | None:
    """The release directory ``current`` points to now (None while there is none)."""
    try:
        return current.resolve(strict=True)
    except OSError:
        return None


async def follow(service: Service, start_pool: PoolFactory) -> None:
    """Until cancelled: every ``release_poll`` seconds, switch to the release ``current`` points to if it is not
    the one served (once per target: a target that failed is tried again only after ``current`` moved)."""
    settings = service.settings
    given_up: Path | None = None
    async with anyio.create_task_group() as retiring:
        while True:
            await anyio.sleep(settings.release_poll)
            target = pointed_at(settings.current_release)
            serving = service.release.path if service.release is not None else None
            if target is None or target in (serving, given_up):
                continue
            try:
                store, writer = await switch(service, target, start_pool)
            except SwitchFailed as error:
                log.error("%s", error)
                given_up = target
                continue
            given_up = None
            retiring.start_soon(retire, store, writer, service)


async def switch(service: Service, target: Path, start_pool: PoolFactory) -> tuple[Store | None, WriterClient | None]:
    """Load the release at ``target`` beside the one served and swap it in; the store and writer it replaced."""
    settings, was = service.settings, service.release_id
    try:
        release = await anyio.to_thread.run_sync(check, target)
    except BrokenReleaseError as error:
        raise SwitchFailed(f"not switching to {target}: {error}; still serving release {was}") from None
    pool = start_pool(release)
    if not await anyio.to_thread.run_sync(functools.partial(all_loaded, pool, settings.release_load_timeout)):
        reason = pool.failure or f"its workers did not load within {settings.release_load_timeout:g} s"
        await anyio.to_thread.run_sync(pool.close)
        raise SwitchFailed(f"not switching to release {release.id}: {reason}; still serving release {was}")
    writer = WriterClient(settings, release.snapshot)
    writer.start()
    retired = service.switch(release, pool, writer)
    metrics.serving(release.id)
    log.warning("now serving release %s (was %s)", release.id, was)
    return retired


def all_loaded(pool: WorkerPool, timeout: float) -> bool:
    """Wait until none of ``pool``'s workers is still loading (at most ``timeout`` s); whether any has loaded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = pool.status()
        if status["loading"] == 0:
            return status["loaded"] > 0
        time.sleep(_POLL)
    return False


def busy(store: Store) -> bool:
    """Whether ``store`` is answering or holding a query (a store that cannot say is taken as idle)."""
    if not isinstance(store, ReportsWorkers):
        return False
    now = store.saturation()
    return now["busy"] + now["waiting"] > 0


async def retire(store: Store | None, writer: WriterClient | None, service: Service) -> None:
    """Stop a store and a writer no longer served, once the requests they hold are answered."""
    try:
        await anyio.sleep(RETIRE_GRACE)
        deadline = time.monotonic() + 2 * service.settings.query_timeout
        while store is not None and busy(store) and time.monotonic() < deadline:
            await anyio.sleep(_POLL)
    finally:
        with anyio.CancelScope(shield=True):
            if store is not None:
                await anyio.to_thread.run_sync(store.close)
            if writer is not None:
                await anyio.to_thread.run_sync(writer.retire, service.settings.write_timeout)
