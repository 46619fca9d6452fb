"""What the app holds between requests, and the dependency aliases handlers declare."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

import anyio
from fastapi import Depends, Request

from server.release import Release
from server.settings import Settings
from server.store.base import Store, StoreUnavailable

UNRELEASED = "unreleased"


@dataclass
class Service:
    """The settings, the release being served and its store (None until the lifespan has started one)."""

    settings: Settings
    release: Release | None
    store: Store | None = None
    void_statistics: dict[str, list] | None = None
    _limiter: anyio.CapacityLimiter | None = field(default=None, repr=False)

    @property
    def release_id(self) -> str:
        return self.release.id if self.release else UNRELEASED

    def require_store(self) -> Store:
        if self.store is None:
            raise StoreUnavailable("The store is starting; try again in a few seconds.")
        return self.store

    def graph_sizes(self) -> dict[str, int]:
        """Named graph → triples, from the release metadata (or the store when there is no release)."""
        if self.release is not None:
            return dict(self.release.metadata.graphs)
        return self.require_store().graphs()

    def query_limiter(self) -> anyio.CapacityLimiter:
        """Threads that may wait on the store at once: SPARQL never takes the whole default thread pool.

        Created on first use, inside the event loop (anyio requires it).
        """
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(4 * self.settings.query_workers)
        return self._limiter


async def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]
