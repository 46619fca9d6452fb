"""Session fixtures: real uvicorn servers over the fixture release (see uvicorn_server.py), and over the full build
with partner writes on (partner_server.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from backends import PublishedStores
from partner_server import ACME_ORIGIN, BEE_ORIGIN, PartnerServer, add_partner, migkg, start
from uvicorn_server import FIXTURE, Server, start_server

from server.release import Release


@pytest.fixture(scope="session")
def server(
    backend: str, published_stores: PublishedStores, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The endpoint as deployed: two query workers, a generous deadline; on each backend in a module marked
    ``backends`` (the fixture release published into the store)."""
    store = published_stores.settings(backend, FIXTURE)
    running = start_server(tmp_path_factory.mktemp(f"server-{backend}"), query_workers="2", query_timeout="20", **store)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The same endpoint with a two-second deadline, for the timeout tests."""
    running = start_server(tmp_path_factory.mktemp("strict"), query_workers="2", query_timeout="2")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def partner_server(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PartnerServer]:
    """The full build served with partner writes on: partners acme (origin https://acme.example) and bee (origin
    https://bee.example) made with the real CLI, and gone, added then revoked; uploads capped at 1 MB; access log on.
    """
    state = tmp_path_factory.mktemp("partner-state")
    tokens = {
        "acme": add_partner(state, "acme", ACME_ORIGIN),
        "bee": add_partner(state, "bee", BEE_ORIGIN),
        "gone": add_partner(state, "gone"),
    }
    migkg(state, "partner", "revoke", "gone")
    running = start(tmp_path_factory.mktemp("partner-server"), release.path, state, max_upload_bytes="1000000")
    yield PartnerServer(running, state, tokens)
    running.stop()
