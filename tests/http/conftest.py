"""Session fixtures: real uvicorn servers over the fixture release (see uvicorn_server.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from uvicorn_server import Server, start_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The endpoint as deployed: two query workers, a generous deadline."""
    running = start_server(tmp_path_factory.mktemp("server"), query_workers="2", query_timeout="20")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The same endpoint with a two-second deadline, for the timeout tests."""
    running = start_server(tmp_path_factory.mktemp("strict"), query_workers="2", query_timeout="2")
    yield running
    running.stop()
