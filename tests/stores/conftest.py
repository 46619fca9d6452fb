"""Our endpoint over the fixture release, for the stores (fixtures ``virtuoso`` and ``oxigraph_server`` in
tests/conftest.py) to call with SERVICE."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from partner_data import PARTNER_NQUADS

from tools import loopback
from tools.stores import ExternalStore

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "release"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[loopback.Server]:
    """Our endpoint as deployed (two query workers) over the fixture release."""
    running = loopback.start_server(tmp_path_factory.mktemp("server"), FIXTURE, query_workers="2", query_timeout="20")
    yield running
    running.stop()


@pytest.fixture(scope="session", params=["virtuoso", "oxigraph_server"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ExternalStore:
    """Each store with the partner's quads loaded once."""
    running: ExternalStore = request.getfixturevalue(request.param)
    path = tmp_path_factory.mktemp("partner") / "partner.nq"
    path.write_text(PARTNER_NQUADS, encoding="utf-8")
    running.load_nquads(path)
    return running


@pytest.fixture(scope="session")
def federating_server(store: ExternalStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[loopback.Server]:
    """Our endpoint with the store's exact origin in its SERVICE allowlist (one server per store)."""
    scheme, _, rest = store.query_url.partition("://")
    origin = f"{scheme}://{rest.split('/', 1)[0]}"
    running = loopback.start_server(
        tmp_path_factory.mktemp("federating"), FIXTURE, query_workers="2", query_timeout="20", service_allowlist=origin
    )
    yield running
    running.stop()
